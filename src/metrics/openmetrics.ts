// The counters' history as OpenMetrics with timestamps, for `promtool tsdb create-blocks-from
// openmetrics` (issue 13, "History in Prometheus"): what /metrics would have shown at each step,
// so Prometheus can hold the months before it started scraping.
//
// Written by hand rather than by prom-client: prom-client renders one instant without
// timestamps. The value of a counter at time t is the number of its events at or before t in the
// final history (a deployment counts at its attempt time, a restore at its close time, a lead-time
// observation at its deployment's time): counters are a pure function of the history, so this is
// what an exporter running at t would have shown once it had read everything up to t.
//
// Layout promtool accepts: one family after another (`# HELP`, `# TYPE`, samples), each series'
// points together in increasing time, a histogram's points as whole groups (buckets by `le`,
// `_count`, `_sum`), and `# EOF` last.
import type { TargetState } from "../core/state.ts";
import { LEAD_TIME_BUCKETS, RESTORE_BUCKETS } from "./dora-metrics.ts";

export interface HistoryTarget {
  readonly repo: string;
  readonly target: TargetState;
}

/** One event of a series: its time, and the observed value for histograms. */
interface Event {
  readonly time: number;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  /** Bucket bounds for a histogram; absent: a counter (sample name `<name>_total`). */
  readonly buckets?: readonly number[];
  readonly events: (t: TargetState) => Event[];
}

/** The families written, with the same help texts as /metrics (a test compares them). */
export const FAMILIES: readonly Family[] = [
  {
    name: "dora_deployments",
    help: "Successful deployments.",
    events: (t) => t.attempts.filter((a) => a.success).map((a) => ({ time: a.time, value: 1 })),
  },
  {
    name: "dora_deployment_failures",
    help: "Failed deployment attempts.",
    events: (t) => t.attempts.filter((a) => !a.success).map((a) => ({ time: a.time, value: 1 })),
  },
  {
    name: "dora_time_to_restore_seconds",
    help: "Time to restore: one observation per closed incident (failed deployment to next success).",
    buckets: RESTORE_BUCKETS,
    events: (t) =>
      t.incidents.flatMap((i) =>
        i.closedAt === null ? [] : [{ time: i.closedAt, value: Math.max(0, i.closedAt - i.openedAt) }],
      ),
  },
  {
    name: "dora_lead_time_seconds",
    help: "Lead time for changes: one observation per change delivered by a successful deployment.",
    buckets: LEAD_TIME_BUCKETS,
    events: (t) => t.leadTimes.map((o) => ({ time: o.deployedAt, value: o.seconds })),
  },
  {
    name: "dora_lead_time_source_missing",
    help: "Successful deployments whose lead time fell back to their own created time (no source change found).",
    events: (t) => t.leadTimes.filter((o) => o.changeNumber === null).map((o) => ({ time: o.deployedAt, value: 1 })),
  },
  {
    name: "dora_deployment_rework",
    help:
      "Successful deployments that are rework: a rollback, a revert, a hotfix or a user rework rule (each " +
      "counted once).",
    events: (t) => t.rework.map((w) => ({ time: w.deployedAt, value: 1 })),
  },
];

export interface OpenMetricsOptions {
  /** Sample times (Unix seconds), ascending. */
  readonly times: readonly number[];
  /** Extra labels on every series (e.g. the scrape's `job` and `instance`), before `repo`. */
  readonly labels?: readonly (readonly [string, string])[];
}

/** The exposition in chunks (one per series), `# EOF` last. */
export function* openMetricsHistory(targets: readonly HistoryTarget[], opts: OpenMetricsOptions): Generator<string> {
  const sorted = [...targets].sort((a, b) => cmp(a.repo, b.repo) || cmp(a.target.target, b.target.target));
  const extra = (opts.labels ?? []).map(([k, v]) => `${k}="${escapeLabel(v)}",`).join("");
  for (const f of FAMILIES) {
    yield `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.buckets ? "histogram" : "counter"}\n`;
    for (const { repo, target } of sorted) {
      const labels = `${extra}repo="${escapeLabel(repo)}",deploy_to="${escapeLabel(target.target)}"`;
      const events = f.events(target).sort((a, b) => a.time - b.time);
      yield f.buckets
        ? histogramSeries(f.name, labels, f.buckets, events, opts.times)
        : counterSeries(f.name, labels, events, opts.times);
    }
  }
  yield "# EOF\n";
}

function counterSeries(name: string, labels: string, events: readonly Event[], times: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  for (const t of times) {
    while (i < events.length && events[i]!.time <= t) i++;
    out.push(`${name}_total{${labels}} ${i} ${t}\n`);
  }
  return out.join("");
}

function histogramSeries(
  name: string,
  labels: string,
  bounds: readonly number[],
  events: readonly Event[],
  times: readonly number[],
): string {
  const out: string[] = [];
  const counts = bounds.map(() => 0);
  let count = 0;
  let sum = 0;
  let i = 0;
  for (const t of times) {
    for (; i < events.length && events[i]!.time <= t; i++) {
      const v = events[i]!.value;
      count++;
      sum += v;
      bounds.forEach((b, k) => {
        if (v <= b) counts[k]!++;
      });
    }
    bounds.forEach((b, k) => out.push(`${name}_bucket{${labels},le="${b}"} ${counts[k]} ${t}\n`));
    out.push(`${name}_bucket{${labels},le="+Inf"} ${count} ${t}\n`);
    out.push(`${name}_count{${labels}} ${count} ${t}\n`);
    out.push(`${name}_sum{${labels}} ${sum} ${t}\n`);
  }
  return out.join("");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
