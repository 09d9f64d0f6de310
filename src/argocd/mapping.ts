// Which (repo, target) an ArgoCD Application feeds (docs/DEFINITIONS.md, "Mapping"), and its
// observations as the core's events. Pure: the shell passes the tracked repos, an index of their
// push commits and the config blocks, and calls this again every poll, so an app that maps later
// (a freshly built image) moves to its repo at once.
//
// The repo comes from the first of: (1) a config block (`argocd_apps:`, glob on `<project>/<name>`)
// that names a repo, (2) the annotation `dora-exporter/repo`, (3) the images (every hex run of
// each image tag naming a push commit of exactly one tracked repo; images naming none or several
// are ignored; the rest must agree), (4) the source repoURL equal to a tracked repo's clone or
// forge URL. The target: the block's `deploy_to`, else the annotation `dora-exporter/deploy-to`,
// else the app's name. No repo: the app still counts, under the `owner/name` path of its repoURL.
import { globMatch } from "../core/glob.ts";
import type { ArgoEvent } from "../core/argocd.ts";
import { compareCodeUnits } from "../util/strings.ts";
import { commitCandidates } from "./images.ts";
import type { ArgoObservation } from "./observe.ts";
import { repoPathOf, repoUrlKey } from "./repo-url.ts";
import type { ArgoApp } from "./schemas.ts";

export const REPO_ANNOTATION = "dora-exporter/repo";
export const DEPLOY_TO_ANNOTATION = "dora-exporter/deploy-to";

/** One `argocd_apps:` block of the config file. */
export interface AppMappingBlock {
  /** Glob on `<project>/<name>`. */
  readonly apps: string;
  /** A repo's `full_name`. */
  readonly repo?: string;
  readonly deployTo?: string;
}

/** A tracked Woodpecker repo as the mapping reads it. */
export interface MappableRepo {
  readonly id: number;
  readonly fullName: string;
  /** Clone URLs (https, ssh) and the forge URL. */
  readonly urls: readonly string[];
}

/** How the repo was decided. */
export type MappingVia = "config" | "annotation" | "images" | "source" | "none";

export interface AppMapping {
  /** `<project>/<name>`. */
  readonly app: string;
  readonly uid: string;
  /** The tracked repo's id; null when the app maps to no tracked repo (lead time: source missing). */
  readonly repoId: number | null;
  /** The `repo` label. */
  readonly repo: string;
  readonly target: string;
  readonly via: MappingVia;
  /** One line for `check`: why this mapping. */
  readonly why: string;
}

/** Every tracked repo's push commits, lower-cased and sorted, for prefix lookups. */
export interface PushCommits {
  readonly commits: readonly string[];
  /** Repo ids per commit (same index), sorted, without repeats. */
  readonly repos: readonly (readonly number[])[];
}

/** Builds the index from (repo id, push commit) pairs, in any order. */
export function pushCommitIndex(pairs: Iterable<readonly [number, string]>): PushCommits {
  const byCommit = new Map<string, Set<number>>();
  for (const [repoId, commit] of pairs) {
    if (commit === "") continue;
    const k = commit.toLowerCase();
    let set = byCommit.get(k);
    if (!set) byCommit.set(k, (set = new Set()));
    set.add(repoId);
  }
  const commits = [...byCommit.keys()].sort(compareCodeUnits);
  return { commits, repos: commits.map((c) => [...byCommit.get(c)!].sort((a, b) => a - b)) };
}

/** The repos having a push commit that `candidate` equals or prefixes. */
export function reposNamedBy(index: PushCommits, candidate: string): Set<number> {
  const out = new Set<number>();
  const list = index.commits;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < candidate) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && list[i]!.startsWith(candidate); i++) for (const r of index.repos[i]!) out.add(r);
  return out;
}

export function appName(app: ArgoApp): string {
  return `${app.project}/${app.name}`;
}

export function mapApp(
  app: ArgoApp,
  repos: readonly MappableRepo[],
  commits: PushCommits,
  blocks: readonly AppMappingBlock[],
): AppMapping {
  const name = appName(app);
  const blockIndex = blocks.findIndex((b) => globMatch(b.apps, name));
  const block = blocks[blockIndex];
  const annotatedRepo = nonEmpty(app.annotations[REPO_ANNOTATION]);
  const annotatedTarget = nonEmpty(app.annotations[DEPLOY_TO_ANNOTATION]);
  const target = nonEmpty(block?.deployTo) ?? annotatedTarget ?? app.name;
  const byName = (fullName: string) => repos.find((r) => r.fullName === fullName)?.id ?? null;
  const base = { app: name, uid: app.uid, target };

  const blockRepo = nonEmpty(block?.repo);
  if (blockRepo !== undefined) {
    return {
      ...base,
      repoId: byName(blockRepo),
      repo: blockRepo,
      via: "config",
      why: `argocd_apps[${blockIndex}] (apps: "${block!.apps}")`,
    };
  }
  if (annotatedRepo !== undefined) {
    return {
      ...base,
      repoId: byName(annotatedRepo),
      repo: annotatedRepo,
      via: "annotation",
      why: `annotation ${REPO_ANNOTATION}`,
    };
  }
  const byImages = mapByImages(app.images, commits);
  if (byImages !== null) {
    const repo = repos.find((r) => r.id === byImages.repoId);
    if (repo)
      return {
        ...base,
        repoId: repo.id,
        repo: repo.fullName,
        via: "images",
        why: `image ${byImages.image} names a push commit of ${repo.fullName}`,
      };
  }
  for (const url of app.repoURLs) {
    const key = repoUrlKey(url);
    if (key === "") continue;
    const repo = repos.find((r) => r.urls.some((u) => repoUrlKey(u) === key));
    if (repo)
      return { ...base, repoId: repo.id, repo: repo.fullName, via: "source", why: `source ${url} is the repo's URL` };
  }
  const path = app.repoURLs.map(repoPathOf).find((p) => p !== "");
  const why =
    byImages === null && app.images.length > 0
      ? "no image names a push commit of exactly one tracked repo, no source URL matches"
      : "nothing maps it";
  // Without any path (a Helm chart repository at a host's root) the app's own name stands in.
  return { ...base, repoId: null, repo: path ?? name, via: "none", why };
}

/** The one repo the app's images name, with an image that names it; null when none or they disagree. */
export function mapByImages(images: readonly string[], commits: PushCommits): { repoId: number; image: string } | null {
  let found: { repoId: number; image: string } | null = null;
  for (const image of images) {
    const named = new Set<number>();
    for (const c of commitCandidates(image)) for (const r of reposNamedBy(commits, c)) named.add(r);
    if (named.size !== 1) continue; // names no commit, or commits of several repos: ignored
    const repoId = [...named][0]!;
    if (found !== null && found.repoId !== repoId) return null; // the images disagree
    found ??= { repoId, image };
  }
  return found;
}

/** The core's events of one app's observations under its mapping. */
export function argoEvents(mapping: AppMapping, observations: readonly ArgoObservation[]): ArgoEvent[] {
  const mapped = mapping.repoId !== null;
  return observations.map((o): ArgoEvent => {
    const common = { target: mapping.target, app: mapping.app, key: o.key, time: o.time };
    switch (o.kind) {
      case "deployment":
        return {
          ...common,
          kind: "deployment",
          created: o.created,
          number: o.id,
          order: o.id,
          imageCommits: mapped ? (o.images ?? []).flatMap(commitCandidates) : [],
          revisions: mapped ? o.revisions : [],
        };
      case "failure":
        return {
          ...common,
          kind: "failure",
          created: o.created,
          number: o.cause === "degraded" ? o.ref : 0,
          order: o.ref,
          imageCommits: [],
          revisions: [],
        };
      case "restore":
        return {
          ...common,
          kind: "restore",
          created: o.time,
          number: 0,
          order: o.time,
          imageCommits: [],
          revisions: [],
        };
    }
  });
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === "" ? undefined : s.trim();
}
