// `dora-exporter openmetrics`: read the history once (like `report`) and write the counters'
// history as OpenMetrics with timestamps on stdout, for `promtool tsdb create-blocks-from
// openmetrics` (README "Backfilling Prometheus"). Exit 0; a bad flag or setting exits 2 with one
// line; Woodpecker not answering correctly exits 1 with one line and writes nothing.
import type { Config } from "../config/config.ts";
import { summaryRepos } from "../collector/summary-repos.ts";
import { openMetricsHistory, type HistoryTarget } from "../metrics/openmetrics.ts";
import { AT_PROBLEM, parseAt } from "../view/params.ts";
import { UsageError, flag, parseFlags } from "./args.ts";
import { collectOnce } from "./collect.ts";

export const OPENMETRICS_USAGE =
  "dora-exporter openmetrics --since TIME [--step 5m] [--until TIME] [--label NAME=VALUE]...";

/** More samples than this is surely a mistake (a step of seconds over a year): say so instead. */
export const MAX_STEPS = 1_000_000;

export interface OpenMetricsArgs {
  readonly since: number;
  readonly step: number;
  readonly until?: number;
  readonly labels: readonly (readonly [string, string])[];
}

const RESERVED = new Set(["repo", "deploy_to", "le"]);

export function parseOpenMetricsArgs(args: readonly string[]): OpenMetricsArgs {
  const p = parseFlags(args, ["since", "step", "until", "label"]);
  const time = (name: string): number | undefined => {
    const text = flag(p, name);
    if (text === undefined) return undefined;
    const t = parseAt(text);
    if (t === null) throw new UsageError(`--${name}: ${AT_PROBLEM}, got "${text}"`);
    return t;
  };
  const since = time("since");
  if (since === undefined)
    throw new UsageError("--since is required (the first sample's time, e.g. 2026-06-01T00:00:00Z)");
  const until = time("until");
  if (until !== undefined && until < since) throw new UsageError("--until: must not be before --since");
  const stepText = flag(p, "step") ?? "5m";
  const step = parseStep(stepText);
  if (step === null) throw new UsageError(`--step: expected a duration like 30s, 5m or 1h, got "${stepText}"`);
  const labels = (p.values.get("label") ?? []).map((text): [string, string] => {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/s.exec(text);
    if (!m || m[1]!.startsWith("__"))
      throw new UsageError(`--label: expected NAME=VALUE with a Prometheus label name, got "${text}"`);
    if (RESERVED.has(m[1]!)) throw new UsageError(`--label: ${m[1]} is set by the exporter itself`);
    return [m[1]!, m[2]!];
  });
  return { since, step, until, labels };
}

/** "30s", "5m", "1h" to seconds; null when malformed or zero. */
export function parseStep(text: string): number | null {
  const m = /^([0-9]{1,6})(s|m|h)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
  return n > 0 ? n : null;
}

export interface OpenMetricsIo {
  /** Node's Writable interface: the callback runs once the chunk is handed on. */
  readonly stdout: { write(s: string, done: (err?: Error | null) => void): unknown };
  readonly stderr: { isTTY?: boolean; write(s: string): unknown };
  /** Unix ms. */
  readonly now?: () => number;
}

export async function runOpenMetrics(config: Config, args: OpenMetricsArgs, io: OpenMetricsIo): Promise<number> {
  const now = io.now ?? (() => Date.now());
  const clock = Math.floor(now() / 1000);
  const until = args.until ?? clock;
  // Samples after now would claim values Prometheus will scrape differently later.
  if (until > clock) throw new UsageError("--until: must not be in the future");
  if (until < args.since) throw new UsageError("--since: must not be in the future");
  const steps = Math.floor((until - args.since) / args.step) + 1;
  if (steps > MAX_STEPS)
    throw new UsageError(`--step: ${steps} samples per series is too many; use a longer --step or a later --since`);
  const collected = await collectOnce(config, { progress: io.stderr, now });
  if (!collected.ok) {
    io.stderr.write(`dora-exporter openmetrics: cannot read Woodpecker: ${collected.problem}\n`);
    return 1;
  }
  const targets: HistoryTarget[] = summaryRepos(collected.poller).flatMap((r) =>
    (r.state?.targets ?? []).map((target) => ({ repo: r.fullName, target })),
  );
  const times = Array.from({ length: steps }, (_, i) => args.since + i * args.step);
  // Megabytes into a pipe: wait for each chunk, or the process exits with the rest unwritten.
  for (const chunk of openMetricsHistory(targets, { times, labels: args.labels })) {
    await new Promise<void>((resolve, reject) => io.stdout.write(chunk, (e) => (e ? reject(e) : resolve())));
  }
  return 0;
}
