// Lead time for changes from Woodpecker data alone (DEFINITIONS "Lead time for changes").
//
// A change is a (branch, commit) of push pipelines; a successful deployment delivers, per target
// and branch, every change numbered above the target's watermark up to its own source. The index
// below is built once per repo so that each deployment costs a map lookup plus a binary search
// over its branch's changes, keeping a whole repo at O(n log n) however many targets it has.
import type { Pipeline, ReworkRule } from "./model.ts";
import { reworkReason } from "./rework.ts";
import type { LeadTimeObservation, ReworkObservation } from "./state.ts";

/** A change, represented by its earliest push pipeline (lowest created, then number, then id). */
export interface Change {
  readonly branch: string;
  readonly commit: string;
  readonly number: number;
  readonly created: number;
  /** Id of the representing push pipeline; only a tie-break for determinism. */
  readonly pipelineId: number;
  /** The representing push's commit message (read by the rework reasons). */
  readonly message: string;
}

export interface LeadTimeIndex {
  /** branch -> commit -> change. Nested maps: no separator can collide with a branch name. */
  readonly changes: ReadonlyMap<string, ReadonlyMap<string, Change>>;
  /** branch -> its changes sorted by (number, created, pipelineId), for range queries. */
  readonly byBranch: ReadonlyMap<string, readonly Change[]>;
  /** number -> pipelines with that number sorted by (created, id); several after number reuse. */
  readonly byNumber: ReadonlyMap<number, readonly Pipeline[]>;
}

/** One successful deployment as the lead-time walk needs it. */
export interface DeliveredBy {
  readonly pipeline: Pipeline;
  /** Attempt time (finished, else updated, else created). */
  readonly time: number;
  /**
   * The source when the caller resolved it (an ArgoCD deployment: the change of the commit its
   * images name; `pipeline` then carries only its number 0 and its `created`); absent: S(D) of
   * the pipeline.
   */
  readonly source?: Change | null;
}

export interface TargetLeadTimes {
  readonly observations: readonly LeadTimeObservation[];
  readonly sourceMissing: number;
  /** The deployments that are rework, in attempt order (DEFINITIONS "The fifth key"). */
  readonly rework: readonly ReworkObservation[];
}

/** Index the repo's existing pipelines (already deduplicated and filtered by DORA_SINCE). */
export function buildLeadTimeIndex(history: Iterable<Pipeline>): LeadTimeIndex {
  const changes = new Map<string, Map<string, Change>>();
  const byNumber = new Map<number, Pipeline[]>();
  for (const p of history) {
    pushTo(byNumber, p.number, p);
    if (p.event !== "push") continue;
    let commits = changes.get(p.branch);
    if (!commits) changes.set(p.branch, (commits = new Map()));
    const candidate: Change = {
      branch: p.branch,
      commit: p.commit,
      number: p.number,
      created: p.created,
      pipelineId: p.id,
      message: p.message,
    };
    const known = commits.get(p.commit);
    // Restarts and re-pushes of a commit are the same change; the earliest pipeline stands for it.
    if (!known || compareChangeAge(candidate, known) < 0) commits.set(p.commit, candidate);
  }
  const byBranch = new Map<string, Change[]>();
  for (const [branch, commits] of changes) {
    byBranch.set(branch, [...commits.values()].sort(compareChangeNumber));
  }
  for (const list of byNumber.values()) list.sort((a, b) => a.created - b.created || a.id - b.id);
  return { changes, byBranch, byNumber };
}

/**
 * Lead-time observations and rework of one target's successful deployments, given in attempt
 * order. Rework is decided here because a rollback is defined by the same watermark.
 * `pushAncestors` memoises parent-chain walks across targets; pass one map per repo computation.
 */
export function leadTimesForTarget(
  deployments: readonly DeliveredBy[],
  index: LeadTimeIndex,
  pushAncestors: Map<number, Pipeline | null>,
  reworkRules: readonly ReworkRule[],
): TargetLeadTimes {
  const observations: LeadTimeObservation[] = [];
  const rework: ReworkObservation[] = [];
  let sourceMissing = 0;
  const watermark = new Map<string, number>(); // W(T, b), keyed by the source's branch
  for (const { pipeline: d, time, source: resolved } of deployments) {
    const observe = (changeNumber: number | null, created: number) =>
      observations.push({
        deploymentNumber: d.number,
        deployedAt: time,
        changeNumber,
        seconds: Math.max(0, time - created),
      });
    const source = resolved !== undefined ? resolved : sourceOf(d, index, pushAncestors);
    const w = source ? watermark.get(source.branch) : undefined;
    // Reasons 2-4 read the source's branch and message; without a source, D's own.
    const reason = reworkReason(
      {
        rollback: source !== null && w !== undefined && source.number < w,
        branch: source ? source.branch : d.branch,
        message: source ? source.message : d.message,
      },
      reworkRules,
    );
    if (reason !== null) rework.push({ deploymentNumber: d.number, deployedAt: time, reason });
    if (!source) {
      observe(null, d.created);
      sourceMissing++;
      continue;
    }
    if (w === undefined) {
      // First delivery from this branch: earlier history is unknown to us, so only the source.
      observe(source.number, source.created);
    } else if (source.number <= w) {
      continue; // rollback or redeploy: nothing new reaches the target
    } else {
      const list = index.byBranch.get(source.branch) ?? [];
      for (let i = firstAbove(list, w); i < list.length; i++) {
        const c = list[i]!;
        if (c.number > source.number) break;
        observe(c.number, c.created);
      }
    }
    watermark.set(source.branch, source.number);
  }
  return { observations, sourceMissing, rework };
}

/**
 * S(D): for a `deployment`, the change of the push pipeline reached through `parent` across
 * deployments; otherwise, or when no such push exists, the change (D.branch, D.commit); in both
 * cases only a change created no later than D itself.
 */
export function sourceOf(
  d: Pipeline,
  index: LeadTimeIndex,
  pushAncestors: Map<number, Pipeline | null>,
): Change | null {
  let change: Change | undefined;
  if (d.event === "deployment") {
    const push = pushAncestor(d, index, pushAncestors);
    if (push) change = index.changes.get(push.branch)?.get(push.commit);
  }
  change ??= index.changes.get(d.branch)?.get(d.commit);
  // A change pushed after the deployment was created cannot be what it deployed. Without this
  // reading a later push of the same commit would turn a counted "source missing" into a source,
  // and dora_lead_time_source_missing_total would go down within one process.
  return change && change.created <= d.created ? change : null;
}

/**
 * The pipeline `parent` resolves to: among the pipelines carrying that number, the one created
 * latest but not after the child (a reused number's newer owner cannot be the child's parent).
 */
export function parentOf(child: Pipeline, index: LeadTimeIndex): Pipeline | null {
  if (child.parent <= 0) return null;
  const list = index.byNumber.get(child.parent);
  if (!list) return null;
  // Last element with created <= child.created (list sorted by created, then id).
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.created <= child.created) lo = mid + 1;
    else hi = mid;
  }
  return list[lo - 1] ?? null;
}

// The push pipeline a deployment descends from through deployments only, or null (no parent,
// parent missing or before DORA_SINCE, a non-push non-deployment parent such as a tag, or a
// cycle). Iterative with memo so long restart chains stay linear overall and cannot overflow.
function pushAncestor(d: Pipeline, index: LeadTimeIndex, memo: Map<number, Pipeline | null>): Pipeline | null {
  const path: Pipeline[] = [];
  const onPath = new Set<number>();
  let cur: Pipeline = d;
  let result: Pipeline | null = null;
  for (;;) {
    const known = memo.get(cur.id);
    if (known !== undefined) {
      result = known;
      break;
    }
    path.push(cur);
    onPath.add(cur.id);
    const parent = parentOf(cur, index);
    if (!parent || onPath.has(parent.id)) break; // no parent, or a cycle: no push reachable
    if (parent.event === "push") {
      result = parent;
      break;
    }
    if (parent.event !== "deployment") break;
    cur = parent;
  }
  // Every deployment on the path reaches the same end, so they all share the answer.
  for (const p of path) memo.set(p.id, result);
  return result;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function compareChangeAge(a: Change, b: Change): number {
  return a.created - b.created || a.number - b.number || a.pipelineId - b.pipelineId;
}

function compareChangeNumber(a: Change, b: Change): number {
  return a.number - b.number || a.created - b.created || a.pipelineId - b.pipelineId;
}

/** Index of the first change with number > w (list sorted by number). */
function firstAbove(list: readonly Change[], w: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.number <= w) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
