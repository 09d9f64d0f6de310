// The window summary as the JSON API, the page and `dora-exporter report` compute and show it:
// one summary per request over the tracked repos, each target with its sources (Woodpecker, ArgoCD
// apps and their mappings: view/sources.ts), and the JSON shapes of the API (which
// `report --format json` prints too).
import { repoFilter } from "../core/glob.ts";
import { groupLabelNames, repoLabels, type RepoLabelBlock } from "../core/groups.ts";
import {
  summarize,
  type RepoSummary,
  type SummaryRepo,
  type TargetSummary,
  type WindowSummary,
} from "../core/summary.ts";
import { pipelineLinks } from "../woodpecker/links.ts";
import { sortedApps, sourceLookup, type AppMapping, type Sources, type TargetSource } from "./sources.ts";

/** What a summary is computed from. */
export interface SummarySource {
  readonly repos: readonly SummaryRepo[];
  /** WOODPECKER_URL, for pipeline links. */
  readonly woodpeckerUrl: string;
  /** Unix seconds: "now" for windows that do not name an `at`. */
  readonly now: number;
  /** What feeds each target (with ArgoCD); absent: Woodpecker feeds them all. */
  readonly sources?: Sources;
  /** `repo_labels` blocks (DEFINITIONS "Groups"), for grouping; none: no labels to group by. */
  readonly repoLabels?: readonly RepoLabelBlock[];
}

export interface WindowQuery {
  readonly window: number;
  /** A repo glob or several (`!glob` excludes); none: every repo. */
  readonly repo?: string | readonly string[];
  /** Unix seconds: the end of the window; default: the source's `now`. */
  readonly at?: number;
  /** A target glob or several (`!glob` excludes); none: every target. Repos without one drop out. */
  readonly deployTo?: string | readonly string[];
  /** A repo label to group by (`team`): one pooled row per value (see groupByProblem). */
  readonly groupBy?: string;
}

/**
 * Why `label` cannot be grouped by here (no repo_labels block defines it), or null. The label's
 * syntax is the parameter schema's business; this needs the configuration.
 */
export function groupByProblem(source: SummarySource, label: string): string | null {
  const known = groupLabelNames(source.repoLabels ?? []);
  if (known.includes(label)) return null;
  return known.length === 0
    ? `no repo labels are configured (repo_labels in the config file), so there is nothing to group by`
    : `no repo_labels block defines the label "${label}" (known: ${known.join(", ")})`;
}

/** A target of the summary with the sources that feed it. */
export type SourcedTarget = TargetSummary & { readonly sources: readonly TargetSource[] };
export type SourcedRepo = Omit<RepoSummary, "targets"> & { readonly targets: readonly SourcedTarget[] };

/** The window summary as shown: targets with their sources, and the ArgoCD apps of the shown repos. */
export interface ViewSummary extends Omit<WindowSummary, "targets" | "repos"> {
  readonly targets: readonly SourcedTarget[];
  readonly repos: readonly SourcedRepo[];
  /** ArgoCD apps mapped to the shown repos (all of them without a repo filter), by name; [] without ArgoCD. */
  readonly apps: readonly AppMapping[];
}

export function windowSummary(source: SummarySource, q: WindowQuery): ViewSummary {
  const repos = q.repo === undefined ? [] : typeof q.repo === "string" ? [q.repo] : q.repo;
  const filter = repos.length === 0 ? undefined : repoFilter(repos);
  const targets = q.deployTo === undefined ? [] : typeof q.deployTo === "string" ? [q.deployTo] : q.deployTo;
  const s = summarize(targets.length === 0 ? source.repos : onlyTargets(source.repos, repoFilter(targets)), {
    windowDays: q.window,
    now: q.at ?? source.now,
    pipelineLink: pipelineLinks(source.woodpeckerUrl),
    repoFilter: filter,
    groupOf:
      q.groupBy === undefined ? undefined : (name) => repoLabels(name, source.repoLabels ?? [])[q.groupBy!] ?? null,
  });
  const lookup = sourceLookup(source.sources);
  const sourced = (t: TargetSummary): SourcedTarget => ({ ...t, sources: lookup(t.repo, t.deployTo) });
  return {
    ...s,
    targets: s.targets.map(sourced),
    repos: s.repos.map((r) => ({ ...r, targets: r.targets.map(sourced) })),
    apps: sortedApps(source.sources).filter((a) => !filter || filter(a.repo)),
  };
}

/**
 * DORA 2024's grouping of the five keys, and their names; `timeToRestore` is "failed deployment
 * recovery time" since DORA 2023 (the field and metric names stay, for existing users).
 */
export const KEY_GROUPS = {
  throughput: ["leadTime", "deploymentFrequency", "timeToRestore"],
  instability: ["changeFailureRate", "reworkRate"],
} as const;

export const KEY_NAMES = {
  leadTime: "Change lead time",
  deploymentFrequency: "Deployment frequency",
  timeToRestore: "Failed deployment recovery time",
  changeFailureRate: "Change failure rate",
  reworkRate: "Deployment rework rate",
} as const;

/** The repos with only the targets `keep` passes; a repo left with none is left out. */
function onlyTargets(repos: readonly SummaryRepo[], keep: (target: string) => boolean): SummaryRepo[] {
  return repos.flatMap((r) => {
    const targets = (r.state?.targets ?? []).filter((t) => keep(t.target));
    return r.state === null || targets.length === 0 ? [] : [{ ...r, state: { ...r.state, targets } }];
  });
}

export type SummaryJson = Omit<ViewSummary, "repos" | "groups"> & {
  readonly repos: readonly Omit<SourcedRepo, "targets" | "daily" | "incidents">[];
  readonly keyGroups: typeof KEY_GROUPS;
  readonly keyNames: typeof KEY_NAMES;
  /** Present with `group_by`: the label grouped by, and one row per value. */
  readonly groupBy?: string;
  readonly groups?: WindowSummary["groups"];
};

/**
 * GET /api/v1/summary: overall, repo × target rows with their sources, per-repo totals (no series, no incidents),
 * ArgoCD apps.
 */
export function summaryJson(s: ViewSummary, groupBy?: string): SummaryJson {
  return {
    window: s.window,
    keyGroups: KEY_GROUPS,
    keyNames: KEY_NAMES,
    overall: s.overall,
    ...(groupBy === undefined ? {} : { groupBy, groups: s.groups }),
    targets: s.targets,
    repos: s.repos.map(({ targets: _t, daily: _d, incidents: _i, ...rest }) => rest),
    apps: s.apps,
  };
}

export interface RepoDetailJson {
  readonly window: ViewSummary["window"];
  readonly repo: SourcedRepo;
  /** The ArgoCD apps mapped to this repo. */
  readonly apps: readonly AppMapping[];
}

/**
 * GET /api/v1/repos/{repo}: one repo with its targets and their sources, daily series, recent incidents and ArgoCD
 * apps.
 */
export function repoDetailJson(s: ViewSummary, repo: SourcedRepo): RepoDetailJson {
  return { window: s.window, repo, apps: s.apps.filter((a) => a.repo === repo.repo) };
}
