// Public surface of the simulated ArgoCD (tests, and later `dora-exporter demo`). Nothing here
// imports the exporter: the simulator encodes ArgoCD's behaviour on its own terms.
export { ArgoCDState } from "./state.ts";
export type { AppInput, AppRecord, ArgoCDStateOptions, HealthStatus, Phase, SyncInput } from "./state.ts";
export { createArgoCDHandler, grpcError } from "./handle.ts";
export type { ArgoCDHandler, Handler } from "./handle.ts";
export { ArgoCDFaults, faults } from "./faults.ts";
export type { ArgoCDFault, ArgoCDFaultRule } from "./faults.ts";
export { log } from "./log.ts";
export type { ArgoCDRequestLogEntry } from "./log.ts";
export { serveArgoCD } from "./serve.ts";
export type { ServedArgoCD } from "./serve.ts";
export { generateGitOps } from "./generate.ts";
export { gitOpsReposFrom } from "./from-woodpecker.ts";
export type { GitOpsCommit, GitOpsOptions, GitOpsRepo } from "./generate.ts";
