// What the page and the JSON API read, taken from the poller's state at request time (cheap: the
// DORA states are already computed at poll time; only the window summary is computed per request,
// by view/window.ts).
import type { Poller } from "../collector/poller.ts";
import { summaryRepos } from "../collector/summary-repos.ts";
import type { SummaryRepo } from "../core/summary.ts";
import { VERSION } from "../version.ts";
import type { SummarySource } from "../view/window.ts";

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

export interface ExporterView extends SummarySource {
  readonly status: ExporterStatus;
  readonly repos: readonly SummaryRepo[];
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
