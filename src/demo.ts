// `dora-exporter demo`: the real exporter against the built-in simulated Woodpecker, with weeks of
// generated history and new pipelines arriving while it runs (at the history's daily rates,
// DEMO_SPEEDUP times faster), and a simulated ArgoCD that deploys one push-to-main repo the GitOps
// way (its images tagged with the commits of that repo's simulated pushes, joined without any
// mapping). Everything it shows is labelled demo. It prints both simulators' URLs and tokens so
// that `report` and `check` can be tried against them from a second terminal.
import { UsageError, flag, parseFlags } from "./cli/args.ts";
import { loadConfig } from "./config/load.ts";
import { startExporter, type RunningExporter } from "./exporter.ts";
import { createLogger } from "./log.ts";
import { createDemoSimulator, serveSimulator, startLiveActivity, type ServedSimulator } from "./simulator/index.ts";
import { DEMO_SPEEDUP } from "./simulator/pace.ts";
import {
  createDemoArgoCD,
  DEMO_GITOPS_REPOS,
  serveArgoCD,
  startLiveGitOps,
  type ServedArgoCD,
} from "./simulator/argocd/index.ts";
import type { RepoLabelBlock } from "./core/groups.ts";

/** Two teams for the demo's groups (as a `repo_labels:` config would give them), unless the user set some. */
export const DEMO_REPO_LABELS: readonly RepoLabelBlock[] = [
  { repos: "acme/{shop-api,web,search}", labels: { team: "shop", system: "storefront" } },
  { repos: "acme/*", labels: { team: "platform", system: "backoffice" } },
];

export interface DemoOptions {
  /** Port of the simulated Woodpecker on 127.0.0.1; 0 = a free one. */
  readonly simPort: number;
  /** Port of the simulated ArgoCD on 127.0.0.1; 0 = a free one. */
  readonly argocdPort: number;
}

export const DEMO_USAGE = `dora-exporter demo [--sim-port N] [--argocd-port N]
  Runs the exporter against a built-in SIMULATED Woodpecker (four weeks of generated history; new
  pipelines keep arriving at the history's daily rates, ${DEMO_SPEEDUP} times faster: one hour of demo adds
  about one day) and a SIMULATED ArgoCD that deploys ${DEMO_GITOPS_REPOS.join(", ")} the GitOps way (images
  tagged with its pushes' commits). Prints both simulators' URLs and tokens to try report and check
  in a second terminal.
  --sim-port N     serve the simulated Woodpecker on 127.0.0.1:N (default: a free port)
  --argocd-port N  serve the simulated ArgoCD on 127.0.0.1:N (default: a free port)
  The exporter itself listens on DORA_LISTEN (default 0.0.0.0:9798).`;

/** `demo`'s flags; a bad one is a usage error (exit 2, one line). */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const parsed = parseFlags(args, ["sim-port", "argocd-port"]);
  const port = (name: string): number => {
    const raw = flag(parsed, name);
    if (raw === undefined) return 0;
    if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)
      throw new UsageError(`--${name}: "${raw}" is not a port number (0 to 65535)`);
    return Number(raw);
  };
  return { simPort: port("sim-port"), argocdPort: port("argocd-port") };
}

/** Serve on 127.0.0.1:port; a taken port is a usage error naming the flag. */
function listenOn<T>(name: string, port: number, serve: () => T): T {
  try {
    return serve();
  } catch (e) {
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new UsageError(`--${name}: cannot listen on 127.0.0.1:${port}: ${reason}`);
  }
}

export async function runDemo(env: Record<string, string | undefined>, opts: DemoOptions): Promise<RunningExporter> {
  const { sim, token } = createDemoSimulator({ seed: 42 });
  const argo = createDemoArgoCD(sim, { seed: 42 });
  const served: ServedSimulator = listenOn("sim-port", opts.simPort, () =>
    serveSimulator(sim, { hostname: "127.0.0.1", port: opts.simPort }),
  );
  let servedArgo: ServedArgoCD;
  try {
    servedArgo = listenOn("argocd-port", opts.argocdPort, () =>
      serveArgoCD(argo.state, { hostname: "127.0.0.1", port: opts.argocdPort }),
    );
  } catch (e) {
    served.stop();
    throw e;
  }
  const stopActivity = startLiveActivity(sim, { seed: 42, everyMs: 1000 });
  const gitOps = startLiveGitOps(argo, sim, { seed: 42, everyMs: 1000 });
  const stopSimulators = () => {
    gitOps.stop();
    stopActivity();
    servedArgo.stop();
    served.stop();
  };
  let exporter: RunningExporter;
  try {
    const loaded = loadConfig({
      ...env,
      WOODPECKER_URL: served.url,
      WOODPECKER_TOKEN: token,
      WOODPECKER_TOKEN_FILE: undefined,
      ARGOCD_URL: servedArgo.url,
      ARGOCD_TOKEN: argo.token,
      ARGOCD_TOKEN_FILE: undefined,
      // The simulated world is new on every run (and served on a new port): nothing to keep.
      DORA_STATE_FILE: undefined,
      DORA_POLL_INTERVAL: env.DORA_POLL_INTERVAL ?? "5",
    });
    const config = { ...loaded, repoLabels: loaded.repoLabels.length > 0 ? loaded.repoLabels : DEMO_REPO_LABELS };
    const log = createLogger({ level: config.logLevel });
    log.warn("DEMO MODE: reading a simulated Woodpecker and a simulated ArgoCD; these numbers are not real", {
      simulator: served.url,
      argocd: servedArgo.url,
    });
    exporter = await startExporter({ config, log, demo: true });
  } catch (e) {
    stopSimulators();
    throw e;
  }
  process.stdout.write(
    demoBanner(
      exporter.url.replace("//0.0.0.0:", "//localhost:"),
      { url: served.url, token },
      { url: servedArgo.url, token: argo.token },
    ),
  );
  return {
    ...exporter,
    async stop() {
      await exporter.stop();
      stopSimulators();
    },
  };
}

/** What the demo prints on stdout: where to look, and how to point report/check at the simulators. */
export function demoBanner(
  exporterUrl: string,
  woodpecker: { url: string; token: string },
  argocd: { url: string; token: string },
): string {
  return `
  dora-exporter demo is running (Ctrl-C stops); its numbers are SIMULATED:
    page     ${exporterUrl}/
    metrics  ${exporterUrl}/metrics
    API      ${exporterUrl}/api

  ${DEMO_GITOPS_REPOS.join(", ")} is deployed by the simulated ArgoCD (GitOps: its pushes only build
  images), the other repos by their Woodpecker pipelines.

  The simulators it reads; try report and check against them in a second terminal:
    export WOODPECKER_URL=${woodpecker.url}
    export WOODPECKER_TOKEN=${woodpecker.token}
    export ARGOCD_URL=${argocd.url}
    export ARGOCD_TOKEN=${argocd.token}
    dora-exporter report --window 7d
    dora-exporter check

`;
}
