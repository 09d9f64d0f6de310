// Public surface of the simulated Woodpecker (tests, `dora-exporter demo`). Nothing here imports
// the exporter: the simulator encodes Woodpecker's behaviour on its own terms.

import { generateHistory } from "./generate.ts";
import { SimulatedWoodpecker } from "./woodpecker.ts";

export { SimulatedWoodpecker } from "./woodpecker.ts";
export type { SimulatedWoodpeckerOptions } from "./woodpecker.ts";
export { createWoodpeckerHandler } from "./api.ts";
export type { Handler } from "./api.ts";
export { log } from "./log.ts";
export type { RequestLogEntry } from "./log.ts";
export { FaultInjector, SimulatedNetworkError, faults } from "./faults.ts";
export type { Fault, FaultRule, InjectedFault, RequestMatcher, RuleHandle } from "./faults.ts";
export type { UserRecord } from "./records.ts";
export { generateHistory } from "./generate.ts";
export type { GenerateOptions, GeneratedHistory, GeneratedRepo } from "./generate.ts";
export { startLiveActivity } from "./live.ts";
export type { LiveOptions } from "./live.ts";
export { serveSimulator, simulatorFetch } from "./serve.ts";
export type { ComposeOptions, InProcessFetch, ServeOptions, ServedSimulator } from "./serve.ts";
export { parseRfc3339, toRfc3339 } from "./time.ts";
export { featuresOf } from "./version.ts";
export type { VersionFeatures } from "./version.ts";
export type { Perm, PipelineInput, PipelineRecord, RepoInput, RepoRecord, StatusValue, WebhookEvent } from "./model.ts";
export { STATUS_VALUES, TERMINAL_STATUSES, WEBHOOK_EVENTS } from "./model.ts";

/** The demo's token: obviously fake, never a real credential. */
export const DEMO_TOKEN = "demo-token";

export interface DemoOptions {
  seed?: number;
  /** Clock in Unix seconds; default real time. The history ends at the clock's time of creation. */
  now?: () => number;
}

/** A simulator with ~4 weeks of generated history ending now, for `dora-exporter demo`. */
export function createDemoSimulator(opts: DemoOptions = {}): { sim: SimulatedWoodpecker; token: string } {
  const sim = new SimulatedWoodpecker({ token: DEMO_TOKEN, admin: true, login: "demo", now: opts.now });
  generateHistory(sim, { seed: opts.seed ?? 42, days: 28, end: sim.now() });
  return { sim, token: DEMO_TOKEN };
}
