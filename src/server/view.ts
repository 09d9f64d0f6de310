// What the page and the JSON API read, taken from the poller's state at request time (cheap: the
// DORA states are already computed at poll time; only the window summary is computed per request).
// Also the JSON shapes of the API, shared with `dora-exporter report --format json`.
import type { Poller } from "../collector/poller.ts";
import type { RepoSummary, SummaryRepo, WindowSummary } from "../core/summary.ts";
import { VERSION } from "../version.ts";

export interface ExporterStatus {
  readonly demo: boolean;
  readonly version: string;
  /** Whether the last poll cycle completed; null before the first one ended. */
  readonly up: boolean | null;
  /** Unix seconds of the end of the last successful poll, 0 = never. */
  readonly lastPollSuccess: number;
  /** Whether a poll cycle is running right now. */
  readonly polling: boolean;
  readonly backfillComplete: boolean;
  /** Repos whose history is read back to DORA_SINCE, of `trackedRepos`. */
  readonly backfilledRepos: number;
  readonly trackedRepos: number;
}

export interface ExporterView {
  readonly status: ExporterStatus;
  readonly repos: readonly SummaryRepo[];
  /** WOODPECKER_URL, for pipeline links. */
  readonly woodpeckerUrl: string;
  /** Unix seconds: "now" for windows that do not name an `at`. */
  readonly now: number;
}

export interface ViewOptions {
  readonly demo: boolean;
  readonly woodpeckerUrl: string;
  /** Unix ms. */
  readonly now: () => number;
}

export function buildView(poller: Poller, opts: ViewOptions): ExporterView {
  return {
    status: statusOf(poller, opts.demo),
    repos: summaryRepos(poller),
    woodpeckerUrl: opts.woodpeckerUrl,
    now: Math.floor(opts.now() / 1000),
  };
}

/** Every repo the poller has tracked, labelled by its current name (as the metrics are). */
export function summaryRepos(poller: Poller): SummaryRepo[] {
  const out: SummaryRepo[] = [];
  for (const r of poller.repos.values()) {
    out.push({ id: r.listing.id, fullName: r.stateLabel || r.listing.fullName, state: r.state });
  }
  return out;
}

export function statusOf(poller: Poller, demo: boolean): ExporterStatus {
  const s = poller.status;
  let backfilled = 0;
  for (const r of poller.repos.values()) if (r.history.backfilled) backfilled++;
  return {
    demo,
    version: VERSION,
    up: s.lastCycleOk,
    lastPollSuccess: s.lastSuccessAt,
    polling: s.cycleStartedAt !== null,
    backfillComplete: s.backfillComplete,
    backfilledRepos: Math.min(backfilled, s.trackedRepos),
    trackedRepos: s.trackedRepos,
  };
}

// ---- JSON shapes (API and `report --format json`) -------------------------------------------------

export type SummaryJson = Omit<WindowSummary, "repos"> & {
  readonly repos: readonly Omit<RepoSummary, "targets" | "daily" | "incidents">[];
};

/** GET /api/v1/summary: overall, repo × target rows and per-repo totals (no series, no incidents). */
export function summaryJson(s: WindowSummary): SummaryJson {
  return {
    window: s.window,
    overall: s.overall,
    targets: s.targets,
    repos: s.repos.map(({ targets: _t, daily: _d, incidents: _i, ...rest }) => rest),
  };
}

export interface RepoDetailJson {
  readonly window: WindowSummary["window"];
  readonly repo: RepoSummary;
}

/** GET /api/v1/repos/{repo}: one repo with its targets, daily series and recent incidents. */
export function repoDetailJson(s: WindowSummary, repo: RepoSummary): RepoDetailJson {
  return { window: s.window, repo };
}
