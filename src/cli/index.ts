// The one-shot commands `report` and `check`, dispatched from main.ts. A bad flag or setting exits
// 2 with one line, as everywhere in the CLI.
import { ConfigError } from "../config/config.ts";
import { loadConfig } from "../config/load.ts";
import { redact } from "../log.ts";
import { UsageError } from "./args.ts";
import { runCheck } from "./check.ts";
import { REPORT_USAGE, parseReportArgs, runReport } from "./report.ts";

export const ONE_SHOT_COMMANDS = ["report", "check"] as const;
export type OneShotCommand = (typeof ONE_SHOT_COMMANDS)[number];

const USAGES: Record<OneShotCommand, string> = {
  report: `${REPORT_USAGE}
  Reads the history once and prints the four keys over the window (default 30d; any 1d..365d).
  --repo GLOB      only repos whose full name matches (repeatable; !GLOB excludes)
  --target GLOB    only targets (deploy_to) matching, e.g. production (repeatable; !GLOB excludes)
  --format FORMAT  table (default), json (the shape of GET /api/v1/summary), markdown
  --at TIME        end of the window (Unix seconds or RFC 3339), default now`,
  check: `dora-exporter check
  Validates the configuration, reaches Woodpecker, validates the token, and shows per tracked repo
  which deployment rules apply and what they match per target in the last 30 days.
  Exit 0: all good; 1: warnings or Woodpecker problems; 2: invalid configuration.`,
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
