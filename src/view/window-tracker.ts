// The window gauges kept between polls (issue 14, "idle poll"). view/gauges.ts computes them from
// scratch: four window summaries over every repo's unpacked state, ~0.3 s of CPU and ~110 MB of
// short-lived objects at 1,000 repos x 1,000 pipelines, on every completed poll. Here each target's
// values are computed from its packed columns (core/packed-state.ts, never unpacked) and kept with
// the time until which they cannot change: a target's values move only when one of its events
// (attempt, lead time, rework, restore) enters or leaves a window, and windows slide with `now`.
// A poll that changed nothing recomputes nothing but the coverage; one that changed k targets
// recomputes those k and, for the overall series, pools every target once.
//
// The result is equal to windowGauges() of the same states at the same `now` (property-tested in
// test/view/window-tracker.test.ts): same windows (start, now], same statistics (median of an even
// count is the mean of the two middle values, p90 the nearest rank), same order of rows. Rows that
// did not change are the same objects as in the previous result, so the exposition
// (metrics/window-gauges.ts) re-renders only what changed.
import { DAY } from "../core/levels.ts";
import type { PackedRepoState, PackedTarget } from "../core/packed-state.ts";
import { compareCodeUnits } from "../util/strings.ts";
import { medianOfSorted, percentileOfSorted } from "../core/stats.ts";
import type { TargetWindowValues, WindowGauges, WindowValues } from "../core/window-values.ts";
import { GAUGE_WINDOWS } from "./gauges.ts";

/** One repo as the tracker reads it: its id, the label its series carry, its packed state (null: none yet). */
export interface GaugeRepo {
  readonly id: number;
  readonly fullName: string;
  readonly state: PackedRepoState | null;
}

interface TargetEntry {
  /** The packed target the rows were computed from. */
  readonly target: PackedTarget;
  /** One row per window, shortest first. */
  rows: readonly TargetWindowValues[];
  /** The values hold for every `now` in [computedAt, validUntil). */
  computedAt: number;
  validUntil: number;
}

interface RepoEntry {
  readonly id: number;
  label: string;
  state: PackedRepoState | null;
  targets: TargetEntry[];
}

/** Raw material of one window's keys. */
interface Pool {
  deployments: number;
  failed: number;
  rework: number;
  lead: number[];
  restores: number[];
}

const WINDOW_SECONDS = GAUGE_WINDOWS.map((w) => w.days * DAY);

/**
 * Every target pooled, per window, kept up to date by adding and taking away one target's events
 * at a time: an idle poll in which a few events left a window costs a merge of those few, not a
 * pass over every target's events (issue 14: ~15 ms at 1,000 repos x 1,000 pipelines).
 */
class OverallPools {
  private readonly counts = GAUGE_WINDOWS.map(() => ({ deployments: 0, failed: 0, rework: 0 }));
  /** Lead times and restore times in each window, sorted ascending. */
  private readonly lead: Float64Array[] = GAUGE_WINDOWS.map(() => new Float64Array(0));
  private readonly restores: Float64Array[] = GAUGE_WINDOWS.map(() => new Float64Array(0));
  /** Changes not merged yet, per window. */
  private readonly pending = GAUGE_WINDOWS.map(() => ({
    addLead: [] as number[],
    dropLead: [] as number[],
    addRestores: [] as number[],
    dropRestores: [] as number[],
  }));
  private dirty = true;

  /** Add (sign 1) or take away (sign -1) one target's pools. */
  apply(pools: readonly Pool[], sign: 1 | -1): void {
    pools.forEach((p, w) => {
      const c = this.counts[w]!;
      c.deployments += sign * p.deployments;
      c.failed += sign * p.failed;
      c.rework += sign * p.rework;
      const q = this.pending[w]!;
      for (const x of p.lead) (sign > 0 ? q.addLead : q.dropLead).push(x);
      for (const x of p.restores) (sign > 0 ? q.addRestores : q.dropRestores).push(x);
    });
    this.dirty = true;
  }

  /** The overall values, or null when nothing was applied since the last call. */
  values(): readonly WindowValues[] | null {
    if (!this.dirty) return null;
    this.dirty = false;
    return GAUGE_WINDOWS.map((w, i) => {
      const q = this.pending[i]!;
      this.lead[i] = mergeSorted(this.lead[i]!, q.addLead, q.dropLead);
      this.restores[i] = mergeSorted(this.restores[i]!, q.addRestores, q.dropRestores);
      this.pending[i] = { addLead: [], dropLead: [], addRestores: [], dropRestores: [] };
      return valuesOfSorted(w.label, w.days, this.counts[i]!, this.lead[i]!, this.restores[i]!);
    });
  }
}

export class WindowGaugeTracker {
  private repos = new Map<number, RepoEntry>();
  /** Repos in exposition order (name, then id); null: to sort again. */
  private order: RepoEntry[] | null = null;
  private overall = new OverallPools();
  private last: WindowGauges | null = null;

  /** The gauges at `now` (Unix seconds) of `repos` (every tracked repo; the others are dropped). */
  update(repos: Iterable<GaugeRepo>, now: number, origin: number | null): WindowGauges {
    if (this.last !== null && now < this.last.now) {
      // A clock set back: nothing kept holds (events re-enter windows); start over.
      this.repos = new Map();
      this.order = null;
      this.overall = new OverallPools();
      this.last = null;
    }
    let changed = this.last === null;
    const seen = new Set<number>();
    for (const r of repos) {
      seen.add(r.id);
      const old = this.repos.get(r.id);
      if (old !== undefined && old.state === r.state && old.label === r.fullName) continue;
      if (old !== undefined) for (const e of old.targets) this.overall.apply(poolsAt(e.target, e.computedAt), -1);
      const targets = (r.state?.targets ?? []).map((t) => this.computeTarget(r.fullName, t, now));
      // Updated in place: `order` holds these objects.
      if (old === undefined) this.repos.set(r.id, { id: r.id, label: r.fullName, state: r.state, targets });
      else Object.assign(old, { state: r.state, targets });
      if (old === undefined || old.label !== r.fullName) {
        if (old !== undefined) old.label = r.fullName;
        this.order = null;
      }
      changed = true;
    }
    for (const [id, entry] of this.repos) {
      if (seen.has(id)) continue;
      for (const e of entry.targets) this.overall.apply(poolsAt(e.target, e.computedAt), -1);
      this.repos.delete(id);
      this.order = null;
      changed = true;
    }
    for (const entry of this.repos.values()) {
      for (let i = 0; i < entry.targets.length; i++) {
        const e = entry.targets[i]!;
        if (now < e.validUntil) continue;
        this.overall.apply(poolsAt(e.target, e.computedAt), -1);
        const next = this.computeTarget(entry.label, e.target, now);
        // Same values: keep the old row objects, whose rendering is cached.
        const rows = next.rows.map((row, w) => (sameValues(row, e.rows[w]!) ? e.rows[w]! : row));
        if (rows.some((row, w) => row !== e.rows[w])) changed = true;
        e.rows = rows;
        e.computedAt = now;
        e.validUntil = next.validUntil;
      }
    }
    this.order ??= [...this.repos.values()].sort((a, b) => compareCodeUnits(a.label, b.label) || a.id - b.id);
    const last = this.last;
    const targets =
      !changed && last !== null ? last.targets : this.order.flatMap((e) => e.targets.flatMap((t) => t.rows));
    const overall = this.overall.values() ?? last!.overall;
    this.last = { now, targets, overall, coverage: coverageOf(now, origin) };
    return this.last;
  }

  /** A target's rows at `now`, its events added to the overall pools. */
  private computeTarget(repo: string, t: PackedTarget, now: number): TargetEntry {
    const pools = GAUGE_WINDOWS.map(emptyPool);
    const validUntil = poolTarget(t, now, pools);
    this.overall.apply(pools, 1);
    return {
      target: t,
      rows: GAUGE_WINDOWS.map((w, i) => ({ repo, deployTo: t.rest.target, ...valuesOf(w.label, w.days, pools[i]!) })),
      computedAt: now,
      validUntil,
    };
  }
}

/** The pools of `t` at `now` (to take away what a target added when its rows were computed then). */
function poolsAt(t: PackedTarget, now: number): Pool[] {
  const pools = GAUGE_WINDOWS.map(emptyPool);
  poolTarget(t, now, pools);
  return pools;
}

/** `sorted` (ascending) with `add` inserted and `drop` taken away (each value of `drop` is in it). */
function mergeSorted(sorted: Float64Array, add: number[], drop: number[]): Float64Array {
  if (add.length === 0 && drop.length === 0) return sorted;
  const a = Float64Array.from(add).sort();
  const d = Float64Array.from(drop).sort();
  const out = new Float64Array(sorted.length + a.length - d.length);
  let i = 0;
  let j = 0;
  let k = 0;
  let n = 0;
  while (i < sorted.length || j < a.length) {
    const takeOld = j >= a.length || (i < sorted.length && sorted[i]! <= a[j]!);
    const x = takeOld ? sorted[i++]! : a[j++]!;
    // Each dropped value cancels one equal value (equal values are interchangeable).
    if (k < d.length && d[k] === x) {
      k++;
      continue;
    }
    out[n++] = x;
  }
  if (k !== d.length || n !== out.length) throw new Error("window tracker: took away a value that was never added");
  return out;
}

/**
 * Adds the events of `t` in each window (start, now] to `pools` (one per window) and returns the
 * first time after `now` at which one of them enters or leaves a window.
 */
function poolTarget(t: PackedTarget, now: number, pools: Pool[]): number {
  let until = Number.POSITIVE_INFINITY;
  /** The windows `time` is in, as a bit set; notes when that changes. */
  const windowsOf = (time: number): number => {
    if (time > now) {
      if (time < until) until = time;
      return 0;
    }
    let bits = 0;
    for (let w = 0; w < WINDOW_SECONDS.length; w++) {
      const leaves = time + WINDOW_SECONDS[w]!; // in (now − length, now] until now reaches this
      if (leaves > now) {
        bits |= 1 << w;
        if (leaves < until) until = leaves;
      }
    }
    return bits;
  };
  const a = t.attemptNums;
  for (let i = 0; i < t.attemptSuccess.length; i++) {
    const bits = windowsOf(a[3 * i + 2]!);
    const ok = t.attemptSuccess[i] === 1;
    for (let w = 0; bits >> w; w++) {
      if (!((bits >> w) & 1)) continue;
      if (ok) pools[w]!.deployments++;
      else pools[w]!.failed++;
    }
  }
  const l = t.leadNums;
  for (let i = 0; i < t.leadNull.length; i++) {
    const bits = windowsOf(l[4 * i + 1]!);
    for (let w = 0; bits >> w; w++) if ((bits >> w) & 1) pools[w]!.lead.push(l[4 * i + 3]!);
  }
  for (const r of t.rest.rework) {
    const bits = windowsOf(r.deployedAt);
    for (let w = 0; bits >> w; w++) if ((bits >> w) & 1) pools[w]!.rework++;
  }
  for (const inc of t.rest.incidents) {
    if (inc.closedAt === null) continue;
    const bits = windowsOf(inc.closedAt);
    const seconds = Math.max(0, inc.closedAt - inc.openedAt);
    for (let w = 0; bits >> w; w++) if ((bits >> w) & 1) pools[w]!.restores.push(seconds);
  }
  return until;
}

function coverageOf(now: number, origin: number | null): WindowGauges["coverage"] {
  if (origin === null) return [];
  return GAUGE_WINDOWS.map((w) => ({
    window: w.label,
    ratio: Math.max(0, Math.min(1, (now - origin) / (w.days * DAY))),
  }));
}

function emptyPool(): Pool {
  return { deployments: 0, failed: 0, rework: 0, lead: [], restores: [] };
}

/** What core/summary.ts keysOf() gives for the same pool, as view/gauges.ts valuesOf() reads it. */
function valuesOf(window: string, days: number, p: Pool): WindowValues {
  return valuesOfSorted(window, days, p, Float64Array.from(p.lead).sort(), Float64Array.from(p.restores).sort());
}

/** valuesOf() of counts and already sorted lead and restore times. */
function valuesOfSorted(
  window: string,
  days: number,
  c: { readonly deployments: number; readonly failed: number; readonly rework: number },
  lead: Float64Array,
  restores: Float64Array,
): WindowValues {
  const attempts = c.deployments + c.failed;
  return {
    window,
    deploymentsPerDay: c.deployments / days,
    changeFailureRatio: attempts === 0 ? null : c.failed / attempts,
    leadTimeP50Seconds: lead.length === 0 ? null : medianOfSorted(lead),
    leadTimeP90Seconds: lead.length === 0 ? null : percentileOfSorted(lead, 90),
    recoveryTimeP50Seconds: restores.length === 0 ? null : medianOfSorted(restores),
    reworkRatio: c.deployments === 0 ? null : c.rework / c.deployments,
  };
}

function sameValues(a: TargetWindowValues, b: TargetWindowValues): boolean {
  return (
    a.repo === b.repo &&
    a.deployTo === b.deployTo &&
    a.window === b.window &&
    a.deploymentsPerDay === b.deploymentsPerDay &&
    a.changeFailureRatio === b.changeFailureRatio &&
    a.leadTimeP50Seconds === b.leadTimeP50Seconds &&
    a.leadTimeP90Seconds === b.leadTimeP90Seconds &&
    a.recoveryTimeP50Seconds === b.recoveryTimeP50Seconds &&
    a.reworkRatio === b.reworkRatio
  );
}
