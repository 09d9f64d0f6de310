#!/usr/bin/env bun
// The command line: `dora-exporter` (serve), `dora-exporter demo`, --help, --version.
// Configuration problems exit 2 with one line naming the setting; nothing else exits the process.
import { ConfigError } from "./config/config.ts";
import { loadConfig } from "./config/load.ts";
import { renderSettingsHelp, secretsOf } from "./config/settings.ts";
import { UsageError } from "./cli/args.ts";
import { DEMO_USAGE, parseDemoArgs, runDemo } from "./demo.ts";
import { ONE_SHOT_COMMANDS, runOneShot } from "./cli/index.ts";
import { ListenError, startExporter, type RunningExporter } from "./exporter.ts";
import { createLogger, redact, setSecrets } from "./log.ts";
import { VERSION } from "./version.ts";

const USAGE = `dora-exporter ${VERSION}: DORA metrics from Woodpecker CI for Prometheus

Usage:
  dora-exporter            run the exporter (needs WOODPECKER_URL and a token)
  dora-exporter demo       run the exporter against a built-in SIMULATED Woodpecker and ArgoCD;
                           prints their URLs and tokens for report/check (--sim-port N,
                           --argocd-port N: their ports; see dora-exporter demo --help)
  dora-exporter report     print the five keys over a window once (--window 30d, --repo GLOB,
                           --target GLOB, --group-by LABEL, --format table|json|markdown;
                           see dora-exporter report --help)
  dora-exporter check      check the configuration, the token and what the deployment rules match
  dora-exporter openmetrics --since TIME [--step 5m]
                           write the counters' history as OpenMetrics, to backfill Prometheus
                           (see dora-exporter openmetrics --help)
  dora-exporter --help     this text
  dora-exporter --version  the version

Endpoints: /metrics  /healthz  /ready  /  /api/v1/summary  /api/v1/repos/{repo}  /api  /openapi/json

Settings (environment variables; each can also be set in the DORA_CONFIG file, the environment wins):
`;

export async function main(argv: readonly string[]): Promise<number> {
  const oneShot = ONE_SHOT_COMMANDS.find((c) => c === argv[0]);
  if (oneShot) return await runOneShot(oneShot, argv.slice(1), process.env);
  const args = argv.filter((a) => a !== "serve");
  if (args[0] === "demo" && (args.includes("--help") || args.includes("-h"))) {
    process.stdout.write(DEMO_USAGE + "\n");
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE + renderSettingsHelp() + "\n");
    return 0;
  }
  if (args.includes("--version") || args.includes("-v")) {
    process.stdout.write(`dora-exporter ${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = args;
  if (command !== undefined && command !== "demo") {
    process.stderr.write(`dora-exporter: unknown argument "${args.join(" ")}"; see dora-exporter --help\n`);
    return 2;
  }
  // Listen for the signals before starting: one that arrives during start-up still stops cleanly.
  const signal = nextStopSignal();
  try {
    const running = command === "demo" ? await runDemo(process.env, parseDemoArgs(rest)) : await serve(process.env);
    const received = await signal;
    running.log.info("stopping", { signal: received });
    await running.stop();
    running.log.info("stopped");
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ListenError) {
      process.stderr.write(`dora-exporter: ${e.message} (see dora-exporter --help)\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`dora-exporter demo: ${e.message} (see dora-exporter demo --help)\n`);
      return 2;
    }
    throw e;
  }
}

async function serve(env: Record<string, string | undefined>): Promise<RunningExporter> {
  const config = loadConfig(env);
  setSecrets(secretsOf(config));
  const log = createLogger({ level: config.logLevel });
  return startExporter({ config, log });
}

/**
 * The first SIGTERM or SIGINT: the caller stops gracefully (HTTP responses in flight finish, polling stops) and exits
 * 0.
 */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const s of ["SIGTERM", "SIGINT"] as const) process.once(s, () => resolve(s));
  });
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`dora-exporter: ${redact(e instanceof Error ? e.message : String(e))}\n`);
      process.exit(1);
    },
  );
}
