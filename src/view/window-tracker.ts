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
import { GAUGE_WINDOWS, type TargetWindowValues, type WindowGauges, type WindowValues } from "./gauges.ts";

/** One repo as the tracker reads it: its id, the label its series carry, its packed state (null: none yet). */
export interface GaugeRepo {
  readonly id: number;
  readonly fullName: string;
  readonly state: PackedRepoState | null;
}

interface TargetEntry {
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

export class WindowGaugeTracker {
  private readonly repos = new Map<number, RepoEntry>();
  /** Repos in exposition order (name, then id); null: to sort again. */
  private order: RepoEntry[] | null = null;
  private last: WindowGauges | null = null;

  /** The gauges at `now` (Unix seconds) of `repos` (every tracked repo; the others are dropped). */
  update(repos: Iterable<GaugeRepo>, now: number, origin: number | null): WindowGauges {
    let changed = this.last === null || now < this.last.now;
    const rewind = this.last !== null && now < this.last.now; // a clock set back: nothing cached holds
    const seen = new Set<number>();
    for (const r of repos) {
      seen.add(r.id);
      const old = this.repos.get(r.id);
      if (old !== undefined && old.state === r.state && old.label === r.fullName) continue;
      const targets = (r.state?.targets ?? []).map((t) => computeTarget(r.fullName, t, now));
      // Updated in place: `order` holds these objects.
      if (old === undefined) this.repos.set(r.id, { id: r.id, label: r.fullName, state: r.state, targets });
      else Object.assign(old, { state: r.state, targets });
      if (old === undefined || old.label !== r.fullName) {
        if (old !== undefined) old.label = r.fullName;
        this.order = null;
      }
      changed = true;
    }
    for (const id of this.repos.keys()) {
      if (seen.has(id)) continue;
      this.repos.delete(id);
      this.order = null;
      changed = true;
    }
    for (const entry of this.repos.values()) {
      const targets = entry.state?.targets ?? [];
      for (let i = 0; i < targets.length; i++) {
        const e = entry.targets[i]!;
        if (!rewind && now < e.validUntil && now >= e.computedAt) continue;
        const next = computeTarget(entry.label, targets[i]!, now);
        // Same values: keep the old row objects, whose rendering is cached.
        const rows = next.rows.map((row, w) => (sameValues(row, e.rows[w]!) ? e.rows[w]! : row));
        if (rows.some((row, w) => row !== e.rows[w])) changed = true;
        e.rows = rows;
        e.computedAt = now;
        e.validUntil = next.validUntil;
        // A window's set of events changed even where its values did not: pool the overall again.
        changed = true;
      }
    }
    this.order ??= [...this.repos.values()].sort((a, b) => compareCodeUnits(a.label, b.label) || a.id - b.id);
    const last = this.last;
    const targets =
      !changed && last !== null ? last.targets : this.order.flatMap((e) => e.targets.flatMap((t) => t.rows));
    const overall = !changed && last !== null ? last.overall : overallOf(this.order, now);
    this.last = { now, targets, overall, coverage: coverageOf(now, origin) };
    return this.last;
  }
}

function computeTarget(repo: string, t: PackedTarget, now: number): TargetEntry {
  const pools = GAUGE_WINDOWS.map(emptyPool);
  const validUntil = poolTarget(t, now, pools);
  return {
    rows: GAUGE_WINDOWS.map((w, i) => ({ repo, deployTo: t.rest.target, ...valuesOf(w.label, w.days, pools[i]!) })),
    computedAt: now,
    validUntil,
  };
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

function overallOf(order: readonly RepoEntry[], now: number): readonly WindowValues[] {
  const pools = GAUGE_WINDOWS.map(emptyPool);
  for (const entry of order) for (const t of entry.state?.targets ?? []) poolTarget(t, now, pools);
  return GAUGE_WINDOWS.map((w, i) => valuesOf(w.label, w.days, pools[i]!));
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
  const attempts = p.deployments + p.failed;
  const lead = p.lead.length === 0 ? null : Float64Array.from(p.lead).sort();
  return {
    window,
    deploymentsPerDay: p.deployments / days,
    changeFailureRatio: attempts === 0 ? null : p.failed / attempts,
    leadTimeP50Seconds: lead === null ? null : medianOfSorted(lead),
    leadTimeP90Seconds: lead === null ? null : lead[Math.max(0, Math.ceil((90 / 100) * lead.length) - 1)]!,
    recoveryTimeP50Seconds: p.restores.length === 0 ? null : medianOfSorted(Float64Array.from(p.restores).sort()),
    reworkRatio: p.deployments === 0 ? null : p.rework / p.deployments,
  };
}

/** As core/stats.ts median(): of an even count, the mean of the two middle values. */
function medianOfSorted(s: Float64Array): number {
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
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
