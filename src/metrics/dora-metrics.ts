// The DORA series of the metrics contract (../shared/dora/DEFINITIONS.md), set from the core's
// RepoState after each poll. Values are written at poll time, never computed on the scrape path;
// only repos whose state changed are rewritten. Counters are set to the value the history gives
// (a pure function of it), which is why a restarted exporter shows the same numbers.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { PackedRepoState } from "../core/packed-state.ts";
import type { RepoState, TargetState } from "../core/state.ts";

/** Both include the DORA level boundaries: 1 hour, 1 day, 1 week, 30 days. */
export const RESTORE_BUCKETS = [300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800, 1209600, 2592000];
export const LEAD_TIME_BUCKETS = [
  900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 345600, 604800, 1209600, 2592000, 5184000, 7776000,
];

type Labels = { repo: string; deploy_to: string };

export class DoraMetrics {
  private readonly deployments: Counter<"repo" | "deploy_to">;
  private readonly failures: Counter<"repo" | "deploy_to">;
  private readonly lastSuccess: Gauge<"repo" | "deploy_to">;
  private readonly lastFailure: Gauge<"repo" | "deploy_to">;
  private readonly failing: Gauge<"repo" | "deploy_to">;
  private readonly failingSince: Gauge<"repo" | "deploy_to">;
  private readonly restore: Histogram<"repo" | "deploy_to">;
  private readonly leadTime: Histogram<"repo" | "deploy_to">;
  private readonly sourceMissing: Counter<"repo" | "deploy_to">;
  private readonly rework: Counter<"repo" | "deploy_to">;
  /** Label sets currently exposed per repo id, so a changed repo can drop series it no longer has. */
  private readonly exposed = new Map<number, Labels[]>();

  constructor(registry: Registry) {
    const labelNames = ["repo", "deploy_to"] as const;
    const registers = [registry];
    this.deployments = new Counter({
      name: "dora_deployments_total",
      help: "Successful deployments.",
      labelNames,
      registers,
    });
    this.failures = new Counter({
      name: "dora_deployment_failures_total",
      help: "Failed deployment attempts.",
      labelNames,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: "dora_deployment_last_success_timestamp_seconds",
      help: "Time of the latest successful deployment (0 if none).",
      labelNames,
      registers,
    });
    this.lastFailure = new Gauge({
      name: "dora_deployment_last_failure_timestamp_seconds",
      help: "Time of the latest failed deployment attempt (0 if none).",
      labelNames,
      registers,
    });
    this.failing = new Gauge({
      name: "dora_deployment_failing",
      help: "1 while an incident is open (the last deployment attempt failed), else 0.",
      labelNames,
      registers,
    });
    this.failingSince = new Gauge({
      name: "dora_deployment_failing_since_timestamp_seconds",
      help: "Open time of the open incident, 0 if none.",
      labelNames,
      registers,
    });
    this.restore = new Histogram({
      name: "dora_time_to_restore_seconds",
      help: "Time to restore: one observation per closed incident (failed deployment to next success).",
      labelNames,
      buckets: RESTORE_BUCKETS,
      registers,
    });
    this.leadTime = new Histogram({
      name: "dora_lead_time_seconds",
      help: "Lead time for changes: one observation per change delivered by a successful deployment.",
      labelNames,
      buckets: LEAD_TIME_BUCKETS,
      registers,
    });
    this.sourceMissing = new Counter({
      name: "dora_lead_time_source_missing_total",
      help: "Successful deployments whose lead time fell back to their own created time (no source change found).",
      labelNames,
      registers,
    });
    this.rework = new Counter({
      name: "dora_deployment_rework_total",
      help:
        "Successful deployments that are rework: a rollback, a revert, a hotfix or a user rework rule (each " +
        "counted once).",
      labelNames,
      registers,
    });
  }

  /**
   * Replace the series of one repo with those of its new state (label = its current full_name).
   * A label that another repo id still holds (a repo deleted and re-created under its name, two
   * repos swapping names) goes to this, the newer state: never two series with one label set,
   * and never one series summing two repos.
   */
  setRepo(repoId: number, repoLabel: string, state: RepoState): void {
    this.removeRepo(repoId);
    for (const [other, labels] of this.exposed) if (labels.some((l) => l.repo === repoLabel)) this.removeRepo(other);
    const exposed: Labels[] = [];
    for (const t of state.targets) {
      const labels = { repo: repoLabel, deploy_to: t.target };
      this.write(labels, t, t.leadTimes.length, (i) => t.leadTimes[i]!.seconds);
      exposed.push(labels);
    }
    this.exposed.set(repoId, exposed);
  }

  /**
   * `setRepo` of the state `packed` holds, read from its columns: the histogram needs only each
   * lead time's seconds, so the ~1.1M attempt and lead-time objects of 1M pipelines are never
   * rebuilt to render them (issue 14: the render was the backfill's peak of memory).
   */
  setRepoPacked(repoId: number, repoLabel: string, packed: PackedRepoState): void {
    this.removeRepo(repoId);
    const exposed: Labels[] = [];
    for (const p of packed.targets) {
      const labels = { repo: repoLabel, deploy_to: p.rest.target };
      const lead = p.leadNums;
      this.write(labels, p.rest, p.leadNull.length, (i) => lead[4 * i + 3]!);
      exposed.push(labels);
    }
    this.exposed.set(repoId, exposed);
  }

  removeRepo(repoId: number): void {
    for (const labels of this.exposed.get(repoId) ?? []) {
      for (const m of this.all()) m.remove(labels);
    }
    this.exposed.delete(repoId);
  }

  /** `t`'s series; its lead times are given by count and seconds (`t.leadTimes` may be a placeholder). */
  private write(labels: Labels, t: TargetState, leadCount: number, leadSeconds: (i: number) => number): void {
    this.deployments.inc(labels, t.deployments);
    this.failures.inc(labels, t.failures);
    this.sourceMissing.inc(labels, t.leadTimeSourceMissing);
    this.rework.inc(labels, t.rework.length);
    this.lastSuccess.set(labels, t.lastSuccessAt);
    this.lastFailure.set(labels, t.lastFailureAt);
    this.failing.set(labels, t.failingSince > 0 ? 1 : 0);
    this.failingSince.set(labels, t.failingSince);
    observeAll(this.restore, labels, t.restoreSeconds.length, (i) => t.restoreSeconds[i]!);
    observeAll(this.leadTime, labels, leadCount, leadSeconds);
  }

  private all() {
    return [
      this.deployments,
      this.failures,
      this.lastSuccess,
      this.lastFailure,
      this.failing,
      this.failingSince,
      this.restore,
      this.leadTime,
      this.sourceMissing,
      this.rework,
    ];
  }
}

/** What prom-client 15 keeps per label set of a histogram (lib/histogram.js, `createBaseValues`). */
interface HistogramEntry {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * `h.zero(labels)`, then `h.observe(labels, value(i))` for i < count, with the same result: the
 * same buckets, count, and sum added in the same order. prom-client hashes the labels into a new
 * string and builds two objects on every observe: ~1.9M of each to render the lead times of 1M
 * pipelines, which was most of a render's garbage (issue 14). Here the label set's entry, which
 * `zero` creates holding `labels` itself, is updated directly; were prom-client's internals ever
 * different, the entry is not found and every value goes through `observe`.
 */
function observeAll(
  h: Histogram<"repo" | "deploy_to">,
  labels: Labels,
  count: number,
  value: (i: number) => number,
): void {
  h.zero(labels);
  const internals = h as unknown as { hashMap?: Record<string, HistogramEntry>; upperBounds?: number[] };
  const bounds = internals.upperBounds;
  const entry = Object.values(internals.hashMap ?? {}).find((e) => e.labels === labels);
  if (!entry || !Array.isArray(bounds)) {
    for (let i = 0; i < count; i++) h.observe(labels, value(i));
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = value(i);
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    let b = 0;
    while (b < bounds.length && v > bounds[b]!) b++;
    if (b < bounds.length) entry.bucketValues[bounds[b]!]! += 1;
    entry.sum += v;
    entry.count += 1;
  }
}
