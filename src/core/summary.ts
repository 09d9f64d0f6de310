// The five keys over a window, with their DORA levels (DEFINITIONS "Windows and levels").
//
// Pure: no clock, no I/O. `now` (Unix seconds) and the window are parameters, so the JSON API, the
// page and `dora-exporter report` give the same numbers for the same history and the same `now`.
//
// Window W = (now − days·86400, now]: an event belongs to W when its time t satisfies
// start < t <= now. Events after `now` (agent clock skew, or an `at` in the past) are outside.
//   - deployment frequency = successful attempts in W / days; level `none` when W has no attempt
//   - lead time = median (and p90) of the observations whose deployment time is in W
//   - change failure rate = failed / attempts in W
//   - time to restore = median over the incidents whose close time is in W
//   - rework rate = rework / successful deployments, both by deployment time in W (level `none`)
// Median of an even count is the mean of the two middle values; p90 is the nearest rank
// (the ceil(0.9·n)-th smallest). "Failing now" is as of `now`: an incident opened at or before
// `now` and not closed by then.
import { compareCodeUnits } from "../util/strings.ts";
import {
  changeFailureRateLevel,
  DAY,
  deploymentFrequencyLevel,
  leadTimeLevel,
  type Level,
  REWORK_LEVEL_REASON,
  reworkRateLevel,
  timeToRestoreLevel,
} from "./levels.ts";
import { REWORK_REASONS, type RepoState, type ReworkReason, type RuleMode, type TargetState } from "./state.ts";
import { median, percentile } from "./stats.ts";

export const MIN_WINDOW_DAYS = 1;
export const MAX_WINDOW_DAYS = 365;

/** One repo as the summary needs it: its id, current name and DORA state (null: not computed yet). */
export interface SummaryRepo {
  readonly id: number;
  readonly fullName: string;
  readonly state: RepoState | null;
}

export interface SummaryOptions {
  readonly windowDays: number;
  /** Unix seconds: the end of the window. */
  readonly now: number;
  /** The web page of a repo's pipeline (e.g. woodpecker/links.ts); omitted: no links. */
  readonly pipelineLink?: (repoId: number, pipelineNumber: number) => string;
  /** Keep only repos whose full name passes (e.g. a glob from `report --repo`). */
  readonly repoFilter?: (fullName: string) => boolean;
  /** Most recent incidents kept per repo (default 20). */
  readonly incidentLimit?: number;
  /** The group of a repo (e.g. its `team` label; null: it has none): fills `groups`. */
  readonly groupOf?: (fullName: string) => string | null;
}

export interface DeploymentFrequency {
  /** Successful deployments per day over the window. */
  readonly perDay: number;
  readonly deployments: number;
  readonly days: number;
  readonly level: Level;
}

export interface LeadTime {
  readonly medianSeconds: number | null;
  readonly p90Seconds: number | null;
  /** Delivered changes (observations) in the window. */
  readonly observations: number;
  readonly level: Level;
}

export interface ChangeFailureRate {
  /** failed / attempts, 0..1; null without attempts. */
  readonly rate: number | null;
  readonly failed: number;
  readonly attempts: number;
  readonly level: Level;
}

export interface TimeToRestore {
  readonly medianSeconds: number | null;
  /** Incidents closed in the window. */
  readonly restored: number;
  readonly level: Level;
}

export interface ReworkRate {
  /** rework / successful deployments, 0..1; null without successful deployments. */
  readonly rate: number | null;
  readonly rework: number;
  readonly deployments: number;
  /** Rework by its reason (the first that held), in the definition's order. */
  readonly reasons: Readonly<Record<ReworkReason, number>>;
  /** Always `none`: DORA publishes no thresholds for it. */
  readonly level: Level;
  readonly levelReason: string;
}

/**
 * The five keys. DORA 2024 groups them as throughput (lead time, deployment frequency, failed
 * deployment recovery time, here `timeToRestore`) and instability (change failure rate, rework rate).
 */
export interface Keys {
  readonly deploymentFrequency: DeploymentFrequency;
  readonly leadTime: LeadTime;
  readonly changeFailureRate: ChangeFailureRate;
  readonly timeToRestore: TimeToRestore;
  readonly reworkRate: ReworkRate;
}

export interface Failing {
  readonly now: boolean;
  /** Open time of the incident open at `now`; null when healthy. */
  readonly since: number | null;
}

export interface TargetSummary {
  readonly repoId: number;
  readonly repo: string;
  readonly deployTo: string;
  readonly keys: Keys;
  readonly failing: Failing;
  /** Time of the latest successful attempt at or before `now`; null if none. */
  readonly lastSuccessAt: number | null;
}

export interface DayPoint {
  /** Unix seconds: the bucket is (start, start + 86400]. */
  readonly start: number;
  readonly deployments: number;
  readonly failures: number;
}

export interface IncidentSummary {
  readonly repoId: number;
  readonly repo: string;
  readonly deployTo: string;
  readonly start: number;
  /** Close time; null while open at `now`. */
  readonly end: number | null;
  /** end − start, or now − start while open. */
  readonly durationSeconds: number;
  readonly open: boolean;
  readonly failures: number;
  /** The pipeline number, or for an ArgoCD event the history id (0 for a failed sync or a restore). */
  readonly openedBy: number;
  readonly closedBy: number | null;
  /** The Woodpecker pipeline's page; null for an ArgoCD event (it is no Woodpecker pipeline). */
  readonly openedByUrl: string | null;
  readonly closedByUrl: string | null;
  /** The ArgoCD app (`<project>/<name>`) whose event opened it; null when a pipeline did. */
  readonly openedByApp: string | null;
  /** The ArgoCD app whose event closed it; null when a pipeline did, or while open. */
  readonly closedByApp: string | null;
  /** Closed by the app turning Healthy, not by a successful deployment. */
  readonly closedByRestore: boolean;
}

export interface RepoSummary {
  readonly id: number;
  readonly repo: string;
  readonly mode: RuleMode | null;
  /** The repo's targets pooled. */
  readonly keys: Keys;
  readonly failingTargets: number;
  readonly targets: readonly TargetSummary[];
  /** One point per day of the window, oldest first, all targets added up. */
  readonly daily: readonly DayPoint[];
  /** Incidents that overlap the window, newest first (at most `incidentLimit`). */
  readonly incidents: readonly IncidentSummary[];
}

export interface Overall {
  readonly keys: Keys;
  readonly repos: number;
  readonly targets: number;
  readonly failingTargets: number;
  /** Earliest open time among the failing targets; null when none fails. */
  readonly failingSince: number | null;
}

/** The repos of one group (DEFINITIONS "Groups") pooled, like `overall` for a subset. */
export interface GroupSummary {
  /** The group's label value; null for the repos without that label. */
  readonly group: string | null;
  readonly keys: Keys;
  readonly repos: number;
  readonly targets: number;
  readonly failingTargets: number;
}

export interface WindowSummary {
  readonly window: { readonly days: number; readonly start: number; readonly end: number };
  readonly overall: Overall;
  /** Per group, sorted by name, the repos without the label last; empty without `groupOf`. */
  readonly groups: readonly GroupSummary[];
  /** Repo × target rows, sorted by repo name then target. */
  readonly targets: readonly TargetSummary[];
  readonly repos: readonly RepoSummary[];
}

/** Raw material of the keys of one or more targets, pooled before taking medians. */
interface Pool {
  deployments: number;
  failed: number;
  leadTimes: number[];
  restores: number[];
  rework: Record<ReworkReason, number>;
}

export function summarize(repos: readonly SummaryRepo[], opts: SummaryOptions): WindowSummary {
  const days = opts.windowDays;
  if (!Number.isInteger(days) || days < MIN_WINDOW_DAYS || days > MAX_WINDOW_DAYS) {
    throw new RangeError(`window must be ${MIN_WINDOW_DAYS} to ${MAX_WINDOW_DAYS} whole days, got ${days}`);
  }
  const end = opts.now;
  const start = end - days * DAY;
  const inWindow = (t: number) => t > start && t <= end;
  const link = (repoId: number, n: number | null) =>
    n === null || opts.pipelineLink === undefined ? null : opts.pipelineLink(repoId, n);

  const overallPool = emptyPool();
  const groupPools = new Map<string | null, { pool: Pool; repos: number; targets: number; failing: number }>();
  const rows: TargetSummary[] = [];
  const repoSummaries: RepoSummary[] = [];
  const sorted = [...repos]
    .filter((r) => !opts.repoFilter || opts.repoFilter(r.fullName))
    .sort((a, b) => compareCodeUnits(a.fullName, b.fullName) || a.id - b.id);

  for (const r of sorted) {
    const repoPool = emptyPool();
    const daily: { start: number; deployments: number; failures: number }[] = Array.from({ length: days }, (_, i) => ({
      start: start + i * DAY,
      deployments: 0,
      failures: 0,
    }));
    const targets: TargetSummary[] = [];
    const incidents: IncidentSummary[] = [];
    for (const t of r.state?.targets ?? []) {
      const pool = emptyPool();
      for (const a of t.attempts) {
        if (!inWindow(a.time)) continue;
        const bucket = daily[Math.ceil((a.time - start) / DAY) - 1]!;
        if (a.success) {
          pool.deployments++;
          bucket.deployments++;
        } else {
          pool.failed++;
          bucket.failures++;
        }
      }
      for (const o of t.leadTimes) if (inWindow(o.deployedAt)) pool.leadTimes.push(o.seconds);
      for (const w of t.rework) if (inWindow(w.deployedAt)) pool.rework[w.reason]++;
      for (const i of t.incidents) {
        if (i.closedAt !== null && inWindow(i.closedAt)) pool.restores.push(Math.max(0, i.closedAt - i.openedAt));
        // Overlaps the window as of `now`: opened by `now`, and not closed before the window.
        if (i.openedAt > end || (i.closedAt !== null && i.closedAt <= start)) continue;
        const closed = i.closedAt !== null && i.closedAt <= end;
        incidents.push({
          repoId: r.id,
          repo: r.fullName,
          deployTo: t.target,
          start: i.openedAt,
          end: closed ? i.closedAt : null,
          durationSeconds: Math.max(0, (closed ? i.closedAt! : end) - i.openedAt),
          open: !closed,
          failures: i.failures,
          openedBy: i.openedBy,
          closedBy: closed ? i.closedBy : null,
          openedByUrl: i.openedByApp === undefined ? link(r.id, i.openedBy) : null,
          closedByUrl: closed && i.closedByApp === undefined ? link(r.id, i.closedBy) : null,
          openedByApp: i.openedByApp ?? null,
          closedByApp: closed ? (i.closedByApp ?? null) : null,
          closedByRestore: closed && i.closedByRestore === true,
        });
      }
      const failing = failingAt(t, end);
      targets.push({
        repoId: r.id,
        repo: r.fullName,
        deployTo: t.target,
        keys: keysOf(pool, days),
        failing,
        lastSuccessAt: lastSuccessAt(t, end),
      });
      addPool(repoPool, pool);
    }
    addPool(overallPool, repoPool);
    if (opts.groupOf) {
      const name = opts.groupOf(r.fullName);
      let g = groupPools.get(name);
      if (!g) groupPools.set(name, (g = { pool: emptyPool(), repos: 0, targets: 0, failing: 0 }));
      addPool(g.pool, repoPool);
      g.repos++;
      g.targets += targets.length;
      g.failing += targets.filter((t) => t.failing.now).length;
    }
    rows.push(...targets);
    incidents.sort((a, b) => b.start - a.start || compareCodeUnits(a.deployTo, b.deployTo));
    repoSummaries.push({
      id: r.id,
      repo: r.fullName,
      mode: r.state?.mode ?? null,
      keys: keysOf(repoPool, days),
      failingTargets: targets.filter((t) => t.failing.now).length,
      targets,
      daily,
      incidents: incidents.slice(0, opts.incidentLimit ?? 20),
    });
  }

  const failingSinces = rows.filter((t) => t.failing.now).map((t) => t.failing.since!);
  return {
    window: { days, start, end },
    overall: {
      keys: keysOf(overallPool, days),
      repos: repoSummaries.length,
      targets: rows.length,
      failingTargets: failingSinces.length,
      failingSince: failingSinces.length === 0 ? null : failingSinces.reduce((a, b) => Math.min(a, b)),
    },
    groups: [...groupPools.entries()]
      .sort(([a], [b]) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareCodeUnits(a, b)))
      .map(([group, g]) => ({
        group,
        keys: keysOf(g.pool, days),
        repos: g.repos,
        targets: g.targets,
        failingTargets: g.failing,
      })),
    targets: rows,
    repos: repoSummaries,
  };
}

function keysOf(pool: Pool, days: number): Keys {
  const attempts = pool.deployments + pool.failed;
  const lt = median(pool.leadTimes);
  const ttr = median(pool.restores);
  const rework = REWORK_REASONS.reduce((n, r) => n + pool.rework[r], 0);
  return {
    deploymentFrequency: {
      perDay: pool.deployments / days,
      deployments: pool.deployments,
      days,
      level: attempts === 0 ? "none" : deploymentFrequencyLevel(pool.deployments, days),
    },
    leadTime: {
      medianSeconds: lt,
      p90Seconds: percentile(pool.leadTimes, 90),
      observations: pool.leadTimes.length,
      level: leadTimeLevel(lt),
    },
    changeFailureRate: {
      rate: attempts === 0 ? null : pool.failed / attempts,
      failed: pool.failed,
      attempts,
      level: changeFailureRateLevel(pool.failed, attempts),
    },
    timeToRestore: { medianSeconds: ttr, restored: pool.restores.length, level: timeToRestoreLevel(ttr) },
    reworkRate: {
      rate: pool.deployments === 0 ? null : rework / pool.deployments,
      rework,
      deployments: pool.deployments,
      reasons: { ...pool.rework },
      level: reworkRateLevel(),
      levelReason: REWORK_LEVEL_REASON,
    },
  };
}

function failingAt(t: TargetState, now: number): Failing {
  for (let i = t.incidents.length - 1; i >= 0; i--) {
    const inc = t.incidents[i]!;
    if (inc.openedAt > now) continue;
    const open = inc.closedAt === null || inc.closedAt > now;
    return open ? { now: true, since: inc.openedAt } : { now: false, since: null };
  }
  return { now: false, since: null };
}

function lastSuccessAt(t: TargetState, now: number): number | null {
  for (let i = t.attempts.length - 1; i >= 0; i--) {
    const a = t.attempts[i]!;
    if (a.success && a.time <= now) return a.time;
  }
  return null;
}

function emptyPool(): Pool {
  return {
    deployments: 0,
    failed: 0,
    leadTimes: [],
    restores: [],
    rework: { rollback: 0, revert: 0, hotfix: 0, rule: 0 },
  };
}

function addPool(into: Pool, from: Pool): void {
  into.deployments += from.deployments;
  into.failed += from.failed;
  // Loops, not push(...spread): a large pool would exceed the engine's argument limit.
  for (const x of from.leadTimes) into.leadTimes.push(x);
  for (const x of from.restores) into.restores.push(x);
  for (const r of REWORK_REASONS) into.rework[r] += from.rework[r];
}
