// `dora-exporter demo`: the real exporter against the built-in simulated Woodpecker, with weeks of
// generated history and new pipelines arriving while it runs (at the history's daily rates,
// DEMO_SPEEDUP times faster). Everything it shows is labelled demo. It prints the simulator's URL
// and token so that `report` and `check` can be tried against it from a second terminal.
import { UsageError, flag, parseFlags } from "./cli/args.ts";
import { loadConfig } from "./config/load.ts";
import { startExporter, type RunningExporter } from "./exporter.ts";
import { createLogger } from "./log.ts";
import { createDemoSimulator, serveSimulator, startLiveActivity, type ServedSimulator } from "./simulator/index.ts";
import { DEMO_SPEEDUP } from "./simulator/pace.ts";
import type { RepoLabelBlock } from "./core/groups.ts";

/** Two teams for the demo's groups (as a `repo_labels:` config would give them), unless the user set some. */
export const DEMO_REPO_LABELS: readonly RepoLabelBlock[] = [
  { repos: "acme/{shop-api,web,search}", labels: { team: "shop", system: "storefront" } },
  { repos: "acme/*", labels: { team: "platform", system: "backoffice" } },
];

export interface DemoOptions {
  /** Port of the simulated Woodpecker on 127.0.0.1; 0 = a free one. */
  readonly simPort: number;
}

export const DEMO_USAGE = `dora-exporter demo [--sim-port N]
  Runs the exporter against a built-in SIMULATED Woodpecker (four weeks of generated history; new
  pipelines keep arriving at the history's daily rates, ${DEMO_SPEEDUP} times faster: one hour of demo adds
  about one day). Prints the simulator's URL and token to try report and check in a second terminal.
  --sim-port N  serve the simulated Woodpecker on 127.0.0.1:N (default: a free port)
  The exporter itself listens on DORA_LISTEN (default 0.0.0.0:9798).`;

/** `demo`'s flags; a bad one is a usage error (exit 2, one line). */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const parsed = parseFlags(args, ["sim-port"]);
  const raw = flag(parsed, "sim-port");
  if (raw === undefined) return { simPort: 0 };
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new UsageError(`--sim-port: "${raw}" is not a port number (0 to 65535)`);
  return { simPort: Number(raw) };
}

export async function runDemo(env: Record<string, string | undefined>, opts: DemoOptions): Promise<RunningExporter> {
  const { sim, token } = createDemoSimulator({ seed: 42 });
  let served: ServedSimulator;
  try {
    served = serveSimulator(sim, { hostname: "127.0.0.1", port: opts.simPort });
  } catch (e) {
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new UsageError(`--sim-port: cannot listen on 127.0.0.1:${opts.simPort}: ${reason}`);
  }
  const stopActivity = startLiveActivity(sim, { seed: 42, everyMs: 1000 });
  const loaded = loadConfig({
    ...env,
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: token,
    WOODPECKER_TOKEN_FILE: undefined,
    // The simulated world is new on every run (and served on a new port): nothing to keep.
    DORA_STATE_FILE: undefined,
    DORA_POLL_INTERVAL: env.DORA_POLL_INTERVAL ?? "5",
  });
  const config = { ...loaded, repoLabels: loaded.repoLabels.length > 0 ? loaded.repoLabels : DEMO_REPO_LABELS };
  const log = createLogger({ level: config.logLevel });
  log.warn("DEMO MODE: reading a simulated Woodpecker; these numbers are not real", { simulator: served.url });
  let exporter: RunningExporter;
  try {
    exporter = await startExporter({ config, log, demo: true });
  } catch (e) {
    stopActivity();
    served.stop();
    throw e;
  }
  process.stdout.write(demoBanner(exporter.url.replace("//0.0.0.0:", "//localhost:"), served.url, token));
  return {
    ...exporter,
    async stop() {
      stopActivity();
      await exporter.stop();
      served.stop();
    },
  };
}

/** What the demo prints on stdout: where to look, and how to point report/check at the simulator. */
export function demoBanner(exporterUrl: string, simulatorUrl: string, token: string): string {
  return `
  dora-exporter demo is running (Ctrl-C stops); its numbers are SIMULATED:
    page     ${exporterUrl}/
    metrics  ${exporterUrl}/metrics
    API      ${exporterUrl}/api

  The simulated Woodpecker it reads; try report and check against it in a second terminal:
    export WOODPECKER_URL=${simulatorUrl}
    export WOODPECKER_TOKEN=${token}
    dora-exporter report --window 7d
    dora-exporter check

`;
}
