// The one-shot commands `report`, `check` and `openmetrics`, dispatched from main.ts. A bad flag or setting exits
// 2 with one line, as everywhere in the CLI.
import { ConfigError } from "../config/config.ts";
import { loadConfig } from "../config/load.ts";
import { redact } from "../log.ts";
import { UsageError } from "./args.ts";
import { runCheck } from "./check.ts";
import { OPENMETRICS_USAGE, parseOpenMetricsArgs, runOpenMetrics } from "./openmetrics.ts";
import { REPORT_USAGE, parseReportArgs, runReport } from "./report.ts";

export const ONE_SHOT_COMMANDS = ["report", "check", "openmetrics"] as const;
export type OneShotCommand = (typeof ONE_SHOT_COMMANDS)[number];

const USAGES: Record<OneShotCommand, string> = {
  report: `${REPORT_USAGE}
  Reads the history once and prints the five keys over the window (default 30d; any 1d..365d).
  --repo GLOB      only repos whose full name matches (repeatable; !GLOB excludes)
  --target GLOB    only targets (deploy_to) matching, e.g. production (repeatable; !GLOB excludes)
  --group-by LABEL also one pooled row per value of a repo_labels label (e.g. team)
  --format FORMAT  table (default), json (the shape of GET /api/v1/summary), markdown
  --at TIME        end of the window (Unix seconds or RFC 3339), default now`,
  check: `dora-exporter check
  Validates the configuration, reaches Woodpecker, validates the token, and shows per tracked repo
  which deployment rules apply and what they match per target in the last 30 days, and which
  deployments were rework and why.
  Exit 0: all good; 1: warnings or Woodpecker problems; 2: invalid configuration.`,
  openmetrics: `${OPENMETRICS_USAGE}
  Reads the history once and writes the DORA counters and histograms as they stood at every step
  from --since to --until (default now) as OpenMetrics with timestamps, for
  promtool tsdb create-blocks-from openmetrics FILE DIR (README: "Backfilling Prometheus").
  --since TIME         first sample (Unix seconds or RFC 3339)
  --step DURATION      between samples: 30s, 5m (default), 1h
  --until TIME         last sample at or before this time, default now
  --label NAME=VALUE   added to every series (repeatable); give the job and instance labels
                       your Prometheus scrape adds, so the history joins the scraped series`,
};

export async function runOneShot(
  command: OneShotCommand,
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGES[command] + "\n");
    return 0;
  }
  const io = { stdout: process.stdout, stderr: process.stderr };
  try {
    if (command === "report") {
      const parsed = parseReportArgs(args);
      return await runReport(loadConfig(env), parsed, io);
    }
    if (command === "openmetrics") {
      const parsed = parseOpenMetricsArgs(args);
      return await runOpenMetrics(loadConfig(env), parsed, io);
    }
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    return await runCheck(loadConfig(env), io);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dora-exporter ${command}: ${redact(e.message)} (see dora-exporter ${command} --help)\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`dora-exporter: ${e.message} (see dora-exporter --help)\n`);
      return 2;
    }
    throw e;
  }
}
