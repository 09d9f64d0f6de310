// ArgoCD events in the pure core (DEFINITIONS "ArgoCD deployments"): the shell maps each app to a
// (repo, target) and hands the repo's computation the app's deployments, failed deployments and
// health restores as plain data; here they are merged with the Woodpecker attempts of each target
// in one total order, and an ArgoCD deployment's lead-time source is resolved from the commits
// its images (or its revision) name.
import { compareCodeUnits } from "../util/strings.ts";
import type { Change, LeadTimeIndex } from "./leadtime.ts";

/** One ArgoCD observation, already mapped to a target of the repo being computed. */
export interface ArgoEvent {
  readonly kind: "deployment" | "failure" | "restore";
  readonly target: string;
  /** `<project>/<name>`: orders ArgoCD events at equal times, and names the app in incidents. */
  readonly app: string;
  /** Unique among all events (app uid + kind + key of the observation): the last tie-break. */
  readonly key: string;
  /** Attempt time: `deployedAt`, `finishedAt` or `health.lastTransitionTime`. */
  readonly time: number;
  /** The "created" of the lead-time rules: `deployStartedAt` else `deployedAt`; `startedAt`; the time. */
  readonly created: number;
  /** Shown as the attempt's `number`: the history id of a deployment (or of the degraded one); 0 otherwise. */
  readonly number: number;
  /** Tie-break after `app`: history id (deployment, degradation) or `startedAt` (failed sync); the time (restore). */
  readonly order: number;
  /**
   * Deployments of a mapped app: the commit candidates its images name (lower-case runs of 7-40
   * hex characters, images.ts `commitCandidates`), and its sync revision(s). Empty when unknown.
   */
  readonly imageCommits: readonly string[];
  readonly revisions: readonly string[];
}

/** What ArgoCD contributes to one repo's computation. */
export interface ArgoInput {
  /** An app maps to this repo: default rule 2 no longer applies (its pushes are builds). */
  readonly mapped: boolean;
  readonly events: readonly ArgoEvent[];
}

export const NO_ARGO: ArgoInput = Object.freeze({ mapped: false, events: Object.freeze([]) });

/** ArgoCD events among themselves: time, then app name, then history id / startedAt, then key. */
export function compareArgoEvents(a: ArgoEvent, b: ArgoEvent): number {
  return a.time - b.time || compareCodeUnits(a.app, b.app) || a.order - b.order || compareCodeUnits(a.key, b.key);
}

/** A repo's push commits (lower-case), each with its earliest change, sorted for prefix search. */
export interface CommitIndex {
  readonly commits: readonly string[];
  readonly changes: readonly Change[];
}

export function buildCommitIndex(index: LeadTimeIndex): CommitIndex {
  const earliest = new Map<string, Change>();
  for (const commits of index.changes.values()) {
    for (const c of commits.values()) {
      const k = c.commit.toLowerCase();
      const known = earliest.get(k);
      // A commit pushed on several branches: its earliest change (lowest created, then number).
      if (!known || compareAge(c, known) < 0) earliest.set(k, c);
    }
  }
  const keys = [...earliest.keys()].sort(compareCodeUnits);
  return { commits: keys, changes: keys.map((k) => earliest.get(k)!) };
}

/**
 * The source of an ArgoCD deployment: the change of the repo's commit its images name, else of
 * its sync revision when that is one of the repo's push commits; only a change created at or
 * before the deployment's `created` (as for Woodpecker deployments). Images naming several of
 * the repo's commits: the newest such change (it is what the app now runs, the older ones came
 * with it). A prefix that names more than one commit of the repo names none (ambiguous).
 */
export function argoSourceOf(e: ArgoEvent, commits: CommitIndex): Change | null {
  let best: Change | null = null;
  for (const candidate of e.imageCommits) {
    const c = byPrefix(commits, candidate.toLowerCase());
    if (c && c.created <= e.created && (best === null || compareAge(c, best) > 0)) best = c;
  }
  if (best) return best;
  for (const rev of e.revisions) {
    const r = rev.toLowerCase();
    const c = byPrefix(commits, r);
    if (c && c.commit.toLowerCase() === r && c.created <= e.created && (best === null || compareAge(c, best) > 0))
      best = c;
  }
  return best;
}

function byPrefix(index: CommitIndex, prefix: string): Change | null {
  if (prefix === "") return null;
  const list = index.commits;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= list.length || !list[lo]!.startsWith(prefix)) return null;
  if (lo + 1 < list.length && list[lo + 1]!.startsWith(prefix)) return null; // ambiguous
  return index.changes[lo]!;
}

function compareAge(a: Change, b: Change): number {
  return a.created - b.created || a.number - b.number || a.pipelineId - b.pipelineId;
}
