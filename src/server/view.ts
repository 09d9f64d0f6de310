// What the page and the JSON API read, taken from the poller's state at request time (cheap: the
// DORA states are already computed at poll time; only the window summary is computed per request,
// by view/window.ts).
import { historyOrigin } from "../collector/origin.ts";
import type { Poller } from "../collector/poller.ts";
import { summaryRepos } from "../collector/summary-repos.ts";
import type { RepoLabelBlock } from "../core/groups.ts";
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
  /** Where the history read begins (the window gauges' coverage origin); null: nothing read yet. */
  readonly origin: { readonly at: number; readonly since: boolean } | null;
}

export interface ViewOptions {
  readonly demo: boolean;
  readonly woodpeckerUrl: string;
  /** Unix ms. */
  readonly now: () => number;
  /** DORA_SINCE (Unix seconds, 0 = unset). */
  readonly since: number;
  /** `repo_labels` from the configuration, for grouping. */
  readonly repoLabels?: readonly RepoLabelBlock[];
}

export function buildView(poller: Poller, opts: ViewOptions): ExporterView {
  return {
    status: statusOf(poller, opts.demo),
    repos: summaryRepos(poller),
    woodpeckerUrl: opts.woodpeckerUrl,
    now: Math.floor(opts.now() / 1000),
    origin: originOf(poller, opts.since),
    repoLabels: opts.repoLabels ?? [],
  };
}

function originOf(poller: Poller, since: number): ExporterView["origin"] {
  const at = historyOrigin(poller, since);
  return at === null ? null : { at, since: since > 0 };
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
