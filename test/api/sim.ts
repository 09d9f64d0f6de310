// A served simulated Woodpecker with a fixed clock and a generated history (optionally a simulated
// ArgoCD deploying acme/search the GitOps way, its images tagged with that repo's pushes), plus
// helpers to run the compiled binary's one-shot commands against it. Shared by test/api, test/cli,
// test/browser.
import {
  ArgoCDState,
  generateGitOps,
  gitOpsReposFrom,
  serveArgoCD,
  type ServedArgoCD,
} from "../../src/simulator/argocd/index.ts";
import {
  SimulatedWoodpecker,
  generateHistory,
  serveSimulator,
  type ServedSimulator,
} from "../../src/simulator/index.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createExporterCore, type ExporterCore } from "../../src/exporter.ts";
import { silentLogger } from "../../src/log.ts";
import { buildView, viewOptions, type ExporterView } from "../../src/server/view.ts";
import { BINARY, ensureBinary } from "../e2e/exporter-process.ts";

/** 2026-09-01T00:00:00Z: the history ends here and every window is taken "at" it. */
export const END = 1_788_220_800;

export interface Sim {
  readonly sim: SimulatedWoodpecker;
  readonly served: ServedSimulator;
  readonly token: string;
  /** WOODPECKER_URL and _TOKEN, and with `argocd` ARGOCD_URL and _TOKEN. */
  readonly env: Record<string, string>;
  readonly argocd: { readonly state: ArgoCDState; readonly served: ServedArgoCD } | null;
  /** Stops what was served. */
  stop(): void;
}

/** The repo the optional simulated ArgoCD deploys, and its app. */
export const GITOPS_REPO = "acme/search";
export const GITOPS_APP = "default/search";

export function startSim(opts: {
  token: string;
  seed?: number;
  days?: number;
  end?: number;
  argocdToken?: string;
}): Sim {
  const end = opts.end ?? END;
  const sim = new SimulatedWoodpecker({ token: opts.token, now: () => end });
  generateHistory(sim, { seed: opts.seed ?? 7, days: opts.days ?? 21, end });
  const served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
  const env: Record<string, string> = { WOODPECKER_URL: served.url, WOODPECKER_TOKEN: opts.token };
  let argocd: Sim["argocd"] = null;
  if (opts.argocdToken !== undefined) {
    const state = new ArgoCDState({ token: opts.argocdToken, now: () => end });
    generateGitOps(state, gitOpsReposFrom(sim, [GITOPS_REPO]), { seed: opts.seed ?? 7, end });
    argocd = { state, served: serveArgoCD(state) };
    env.ARGOCD_URL = argocd.served.url;
    env.ARGOCD_TOKEN = opts.argocdToken;
  }
  return {
    sim,
    served,
    token: opts.token,
    env,
    argocd,
    stop() {
      argocd?.served.stop();
      served.stop();
    },
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the compiled binary once (stdin closed, not a terminal) and collect its output. */
export async function runBinary(args: string[], env: Record<string, string>): Promise<RunResult> {
  ensureBinary();
  const proc = Bun.spawn([BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/**
 * One complete poll of `s` by the binary's own wiring (createExporterCore, its clock at END; only
 * the listener is left out), and the view the page and the API are built from.
 */
export async function pollOnce(
  s: Sim,
  env: Record<string, string> = {},
): Promise<{ core: ExporterCore; view: ExporterView }> {
  const config = loadConfig({ ...s.env, ...env });
  const now = () => END * 1000;
  const core = createExporterCore(config, { log: silentLogger, now });
  if (!(await core.poll())) throw new Error(`the poll of the simulator failed: ${core.poller.status.lastProblem}`);
  return { core, view: buildView(core.poller, viewOptions(config, { demo: false, now })) };
}
