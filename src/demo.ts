// `dora-exporter demo`: the real exporter against the built-in simulated Woodpecker, with weeks of
// generated history and new pipelines arriving while it runs. Everything it shows is labelled demo.
import { loadConfig } from "./config/load.ts";
import { startExporter, type RunningExporter } from "./exporter.ts";
import { createLogger } from "./log.ts";
import type { RepoLabelBlock } from "./core/groups.ts";
import { createDemoSimulator, serveSimulator, startLiveActivity } from "./simulator/index.ts";

/** Two teams for the demo's groups (as a `repo_labels:` config would give them), unless the user set some. */
export const DEMO_REPO_LABELS: readonly RepoLabelBlock[] = [
  { repos: "acme/{shop-api,web,search}", labels: { team: "shop", system: "storefront" } },
  { repos: "acme/*", labels: { team: "platform", system: "backoffice" } },
];

export async function runDemo(env: Record<string, string | undefined>): Promise<RunningExporter> {
  const { sim, token } = createDemoSimulator({ seed: 42 });
  const served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
  const stopActivity = startLiveActivity(sim, { seed: 42, everyMs: 3000 });
  const loaded = loadConfig({
    ...env,
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: token,
    WOODPECKER_TOKEN_FILE: undefined,
    DORA_POLL_INTERVAL: env.DORA_POLL_INTERVAL ?? "5",
  });
  const config = { ...loaded, repoLabels: loaded.repoLabels.length > 0 ? loaded.repoLabels : DEMO_REPO_LABELS };
  const log = createLogger({ level: config.logLevel });
  log.warn("DEMO MODE: reading a simulated Woodpecker; these numbers are not real", { simulator: served.url });
  const exporter = await startExporter({ config, log, demo: true });
  const shown = exporter.url.replace("//0.0.0.0:", "//localhost:");
  process.stderr.write(
    `\n  dora-exporter demo is running: open ${shown}/ (the page), ${shown}/metrics and ${shown}/api (the JSON API) (Ctrl-C stops)\n\n`,
  );
  return {
    ...exporter,
    async stop() {
      stopActivity();
      await exporter.stop();
      served.stop();
    },
  };
}
