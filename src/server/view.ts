// What the page and the JSON API read, taken from the poller's state at request time (cheap: the
// DORA states are already computed at poll time; only the window summary is computed per request,
// by view/window.ts).
import type { ArgoStep } from "../collector/argocd-step.ts";
import { historyOrigin } from "../collector/origin.ts";
import type { Poller } from "../collector/poller.ts";
import { summaryRepos } from "../collector/summary-repos.ts";
import type { RepoLabelBlock } from "../core/groups.ts";
import type { SummaryRepo } from "../core/summary.ts";
import { redact } from "../log.ts";
import { VERSION } from "../version.ts";
import { viewSources } from "../view/sources.ts";
import type { SummarySource } from "../view/window.ts";
import type { Config, Shard } from "../config/config.ts";
import { exporterWarnings } from "../view/warnings.ts";

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
  /** The first problem of the last poll when it did not complete (redacted); null otherwise. */
  readonly problem: string | null;
  /** Unix seconds when the current run of incomplete polls began; null while polls complete. */
  readonly unreachableSince: number | null;
  /** The numbers are older than three poll intervals (or never came): say so. */
  readonly stale: boolean;
  readonly pollIntervalSeconds: number;
  /** Unix seconds: DORA_SINCE if set, else the oldest `created` of any pipeline read; null: nothing read. */
  readonly historyOrigin: number | null;
  /** Settings that hold but match nothing (server/warnings.ts). */
  readonly warnings: readonly string[];
  /** ArgoCD (ARGOCD_URL set), else null. */
  readonly argocd: ArgoStatusView | null;
}

export interface ArgoStatusView {
  /** Whether the last ArgoCD list was answered correctly; null before the first. */
  readonly up: boolean | null;
  /** Apps read in the last successful list. */
  readonly apps: number;
  readonly streamConnected: boolean;
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
  readonly pollIntervalSeconds: number;
  /** DORA_SINCE, DORA_REPOS and DORA_SHARD, for the warnings. */
  readonly since: number;
  readonly repos: readonly string[];
  readonly shard: Shard | null;
  /** The ArgoCD step (ARGOCD_URL set). */
  readonly argo?: ArgoStep | null;
  /** `repo_labels` from the configuration, for grouping. */
  readonly repoLabels?: readonly RepoLabelBlock[];
}

/** The view's options as the configuration gives them (the binary's and the API tests' one source). */
export function viewOptions(config: Config, opts: { readonly demo: boolean; readonly now: () => number }): ViewOptions {
  return {
    demo: opts.demo,
    woodpeckerUrl: config.woodpeckerUrl,
    now: opts.now,
    pollIntervalSeconds: config.pollInterval,
    since: config.since,
    repos: config.repos,
    shard: config.shard,
    repoLabels: config.repoLabels,
  };
}

export function buildView(poller: Poller, opts: ViewOptions): ExporterView {
  const argo = opts.argo ?? null;
  const repos = summaryRepos(poller);
  return {
    status: statusOf(poller, opts),
    repos,
    woodpeckerUrl: opts.woodpeckerUrl,
    now: Math.floor(opts.now() / 1000),
    sources: viewSources(repos, argo === null ? null : (argo.last?.mappings ?? [])),
    origin: originOf(poller, opts.since),
    repoLabels: opts.repoLabels ?? [],
  };
}

function originOf(poller: Poller, since: number): ExporterView["origin"] {
  const at = historyOrigin(poller, since);
  return at === null ? null : { at, since: since > 0 };
}

export function statusOf(poller: Poller, opts: ViewOptions): ExporterStatus {
  const argo = opts.argo ?? null;
  const s = poller.status;
  const now = Math.floor(opts.now() / 1000);
  let backfilled = 0;
  for (const r of poller.repos.values()) if (r.history.backfilled) backfilled++;
  return {
    demo: opts.demo,
    version: VERSION,
    up: s.lastCycleOk,
    lastPollSuccess: s.lastSuccessAt,
    polling: s.cycleStartedAt !== null,
    backfillComplete: s.backfillComplete,
    backfilledRepos: Math.min(backfilled, s.trackedRepos),
    trackedRepos: s.trackedRepos,
    problem: s.lastProblem === null ? null : redact(s.lastProblem),
    unreachableSince: s.failingSince,
    stale: s.lastSuccessAt > 0 && now - s.lastSuccessAt > 3 * opts.pollIntervalSeconds,
    pollIntervalSeconds: opts.pollIntervalSeconds,
    historyOrigin: historyOrigin(poller, opts.since),
    warnings: exporterWarnings({
      ...opts,
      now,
      lastCycleOk: s.lastCycleOk,
      listedRepos: s.listedRepos,
      trackedRepos: s.trackedRepos,
    }),
    argocd:
      argo === null
        ? null
        : {
            up: argo.source.status.lastOk,
            apps: argo.source.status.apps,
            streamConnected: argo.source.streamConnected,
          },
  };
}
