// What the exporter holds of one repo between polls: every pipeline it has seen (merged by id,
// so repeated or stale snapshots change nothing), the highest number listed so far (where the
// next incremental listing can stop) and the pipelines still to re-check because they were seen
// in a non-terminal state.
import { compareSnapshots, mergePipeline } from "../core/merge.ts";
import { isTerminal, type Pipeline } from "../core/model.ts";
import { PipelineStore } from "./compact.ts";

export class RepoHistory {
  /** Column-wise, lossless (compact.ts): a few dozen bytes per pipeline instead of ~400. */
  readonly pipelines = new PipelineStore();
  /** Non-terminal pipelines to re-check: id -> number. */
  readonly pending = new Map<number, number>();
  /** Numbers of list items that failed validation: fetched again one by one until valid or gone. */
  readonly invalid = new Set<number>();
  /**
   * Highest pipeline number of a listing that ran to its end. Set only when a listing completes:
   * a listing that failed on page 3 must not let the next one stop at page 1 and skip pages 2-3.
   */
  highWater = 0;
  /** True once the whole history back to DORA_SINCE has been listed. */
  backfilled = false;
  /** `last_pipeline.id` of the repo listing at the last complete listing; skip when unchanged. */
  listedLastPipelineId: number | null | undefined = undefined;
  /** Lowest `created` of any pipeline ingested (deleted ones included); null before the first. */
  minCreated: number | null = null;
  /** Bumped whenever `pipelines` changes: the DORA state is recomputed only then. */
  revision = 0;
  /**
   * Ids whose stored snapshot changed since the durable state last saved this history
   * (src/state/): it writes only those. null = not journaled (no state file, or not saved yet).
   */
  journal: Set<number> | null = null;

  /**
   * @param keepMessage what of a commit message to store (core/rework.ts messageKeeper: only the
   *   messages a rework reason can match; the DORA state is the same as with every message).
   */
  constructor(private readonly keepMessage: (message: string) => string = (m) => m) {}

  /** Merge one snapshot; returns true when it changed what is stored. */
  ingest(snapshot: Pipeline): boolean {
    const message = this.keepMessage(snapshot.message);
    if (this.minCreated === null || snapshot.created < this.minCreated) this.minCreated = snapshot.created;
    const old = this.pipelines.get(snapshot.id);
    if (old === undefined) {
      // A pipeline seen for the first time (every one, in a backfill): stored with the message
      // kept, without copying the snapshot to carry it (a profile had that copy at ~1.6 %).
      if (isTerminal(snapshot.status)) this.pending.delete(snapshot.id);
      else this.pending.set(snapshot.id, snapshot.number);
      this.pipelines.set(snapshot.id, snapshot, message);
      this.journal?.add(snapshot.id);
      this.revision++;
      return true;
    }
    const p = message === snapshot.message ? snapshot : { ...snapshot, message };
    const merged = mergePipeline(old, p);
    if (isTerminal(merged.status)) this.pending.delete(p.id);
    else this.pending.set(p.id, merged.number);
    if (compareSnapshots(old, merged) === 0) return false;
    this.pipelines.set(p.id, merged);
    this.journal?.add(p.id);
    this.revision++;
    return true;
  }

  /** A pending pipeline Woodpecker no longer has (deleted, or its number reused by another id). */
  forgetPending(id: number): void {
    this.pending.delete(id);
  }
}
