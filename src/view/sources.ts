// Where each target's attempts come from, for the operator: the page, the JSON API, `report` and
// `check` show every target's sources (what `dora_target_info{repo, deploy_to, source, app}` says)
// and, for an ArgoCD app, how it was mapped to its (repo, target) and why. The records are plain
// data handed over by the collector; nothing here decides a mapping.
import type { AppMapping as DecidedMapping, MappingVia } from "../argocd/mapping.ts";
import type { SummaryRepo } from "../core/summary.ts";
import { compareCodeUnits } from "../util/strings.ts";

export type SourceKind = "woodpecker" | "argocd";

/**
 * Which mapping rule placed an ArgoCD app (DEFINITIONS "ArgoCD deployments", in their order; the
 * values of argocd/mapping.ts): a config block, the app's annotation, its images, its source
 * repoURL; or `none`: the app still counts, under the owner/name path of its source repoURL.
 */
export type MappedBy = MappingVia;

/** One ArgoCD app's mapping as the last poll decided it. */
export interface AppMapping {
  /** `<project>/<name>`, as `dora_target_info`'s `app` label. */
  readonly app: string;
  readonly repo: string;
  readonly deployTo: string;
  readonly by: MappedBy;
  /** One line: what made the rule apply (the matching block, the image and commit, ...). */
  readonly why: string;
}

/** The view's record of a mapping decided by argocd/mapping.ts. */
export function shownMapping(m: DecidedMapping): AppMapping {
  return { app: m.app, repo: m.repo, deployTo: m.target, by: m.via, why: m.why };
}

/**
 * The sources of the exporter's targets: `dora_target_info`'s rows, by the metric's own rule (a
 * target's Woodpecker attempts, then one row per app among its ArgoCD attempts), and every app's
 * mapping. `mappings` null: ArgoCD is not read (every target is Woodpecker's, nothing to compute).
 */
export function viewSources(
  repos: readonly SummaryRepo[],
  mappings: readonly DecidedMapping[] | null,
): Sources | undefined {
  if (mappings === null) return undefined;
  const targets: TargetInfo[] = [];
  for (const r of repos) {
    for (const t of r.state?.targets ?? []) {
      if (t.attempts.some((a) => a.app === undefined))
        targets.push({ repo: r.fullName, deployTo: t.target, source: "woodpecker", app: "" });
      const apps = [...new Set(t.attempts.flatMap((a) => (a.app === undefined ? [] : [a.app])))].sort(compareCodeUnits);
      for (const app of apps) targets.push({ repo: r.fullName, deployTo: t.target, source: "argocd", app });
    }
  }
  return { targets, apps: mappings.map(shownMapping) };
}

/** One row of `dora_target_info`. */
export interface TargetInfo {
  readonly repo: string;
  readonly deployTo: string;
  readonly source: SourceKind;
  /** `<project>/<name>` for ArgoCD, "" for Woodpecker. */
  readonly app: string;
}

/** What feeds the targets, as the collector knows it; absent or empty: Woodpecker feeds every target. */
export interface Sources {
  readonly targets: readonly TargetInfo[];
  readonly apps: readonly AppMapping[];
}

/** One feeding source of a target, with the app's mapping (ArgoCD) or nulls (Woodpecker). */
export interface TargetSource {
  readonly source: SourceKind;
  readonly app: string;
  readonly mappedBy: MappedBy | null;
  readonly why: string | null;
}

const WOODPECKER: TargetSource = { source: "woodpecker", app: "", mappedBy: null, why: null };

/**
 * A lookup of the sources of (repo, target): the `dora_target_info` rows of the pair, Woodpecker
 * first then apps by name, each app with its mapping. A pair with no row is Woodpecker's (the
 * exporter without ArgoCD has no info rows at all).
 */
export function sourceLookup(
  sources: Sources | undefined,
): (repo: string, deployTo: string) => readonly TargetSource[] {
  if (!sources || sources.targets.length === 0) return () => [WOODPECKER];
  const apps = new Map(sources.apps.map((a) => [a.app, a]));
  const byTarget = new Map<string, TargetSource[]>();
  for (const t of sources.targets) {
    const key = targetKey(t.repo, t.deployTo);
    const list = byTarget.get(key) ?? [];
    if (t.source === "woodpecker") list.push(WOODPECKER);
    else {
      const m = apps.get(t.app);
      list.push({ source: "argocd", app: t.app, mappedBy: m?.by ?? null, why: m?.why ?? null });
    }
    byTarget.set(key, list);
  }
  for (const list of byTarget.values()) list.sort(compareSources);
  return (repo, deployTo) => byTarget.get(targetKey(repo, deployTo)) ?? [WOODPECKER];
}

/** "woodpecker", or "argocd default/search (images)", joined by " + " when both feed the target. */
export function sourcesText(sources: readonly TargetSource[]): string {
  return sources
    .map((s) => (s.source === "woodpecker" ? "woodpecker" : `argocd ${s.app}${s.mappedBy ? ` (${s.mappedBy})` : ""}`))
    .join(" + ");
}

/** What each mapping rule means, for the page's and check's explanations. */
export const MAPPED_BY_TEXT: Record<MappedBy, string> = {
  config: "a config block (argocd_apps)",
  annotation: "the app's dora-exporter/repo annotation",
  images: "its image tags name commits of the repo",
  source: "its source repoURL is the repo's URL",
  none: "maps to no tracked repo: counted under its source repoURL's path, lead time missing",
};

/** The apps sorted by name, for the lists of the page, `report` and `check`. */
export function sortedApps(sources: Sources | undefined): readonly AppMapping[] {
  return [...(sources?.apps ?? [])].sort((a, b) => compareCodeUnits(a.app, b.app));
}

function targetKey(repo: string, deployTo: string): string {
  return `${repo}\u0000${deployTo}`;
}

function compareSources(a: TargetSource, b: TargetSource): number {
  if (a.source !== b.source) return a.source === "woodpecker" ? -1 : 1;
  return compareCodeUnits(a.app, b.app);
}
