// The poller's histories in DORA_STATE_FILE (src/state/): the adapter between RepoHistory and
// the state file's plain records, and the two poller hooks that use it.
//   - At start, `load` reads every kept history; the poller takes one through `restore` when it
//     first lists that repo (so a repo that vanished while the exporter was down is never shown
//     from the file), and its next sync is incremental.
//   - `save` is the poller's `commitRepo`: after a repo's sync, before it is published, it writes
//     the repo's cursors and the pipelines that changed since the last save (RepoHistory's
//     journal), or the whole history the first time this process saves that history object.
//   - `retain` after each poll drops the repos the poller no longer holds; kept histories of repos
//     not listed since the start stay, for when they are listed again.
import type { Pipeline } from "../core/model.ts";
import type { CollectionKey, RepoCursors, WoodpeckerStore } from "../state/index.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import type { Poller, TrackedRepo } from "./poller.ts";
import { RepoHistory } from "./repo-history.ts";

export class DurableHistories {
  /** Histories loaded from the file that no listing has claimed yet, by repo id. */
  private readonly unclaimed = new Map<number, RepoHistory>();

  /**
   * @param keepMessage what of a commit message a history keeps (the poller's, from the rework
   *   rules), so a restored history stores new pipelines as a new one would.
   */
  constructor(
    private readonly store: WoodpeckerStore,
    private readonly keepMessage: (message: string) => string,
  ) {}

  /** Read the kept histories (before the first poll). */
  load(key: CollectionKey): { repos: number; pipelines: number; ids: number[] } {
    const loaded = new Map<number, RepoHistory>();
    let pipelines = 0;
    const ok = this.store.load(key, (repo) => {
      const h = new RepoHistory(this.keepMessage);
      repo.pipelines({
        // Exactly the room the rows need: grown row by row, a store leaves ~2x its size in
        // discarded columns behind it (73 MB at 637k rows, 1000 repos) and keeps 1.5x slack.
        expect: (count) => h.pipelines.reserve(count),
        add: (p) => {
          h.pipelines.set(p.id, p);
          // The history's origin (window coverage) is the lowest created of what was read.
          if (h.minCreated === null || p.created < h.minCreated) h.minCreated = p.created;
        },
      });
      h.highWater = repo.cursors.highWater;
      h.backfilled = repo.cursors.backfilled;
      h.listedLastPipelineId = repo.cursors.listedLast;
      for (const [id, number] of repo.cursors.pending) h.pending.set(id, number);
      for (const n of repo.cursors.invalid) h.invalid.add(n);
      h.revision = 1;
      // Saved as it is: from here on only changes are written.
      h.journal = new Set();
      loaded.set(repo.listing.id, h);
      pipelines += h.pipelines.size;
    });
    // Reading the rows left ~100 MB of garbage (a row's array, strings and object each) that the
    // first poll, which computes every repo's state at once, would otherwise pile on top of:
    // one collection here lowers the restart's peak (~13 MB at 637k rows) for ~50 ms.
    Bun.gc(true);
    if (!ok) return { repos: 0, pipelines: 0, ids: [] };
    for (const [id, h] of loaded) this.unclaimed.set(id, h);
    return { repos: loaded.size, pipelines, ids: [...loaded.keys()] };
  }

  /** The poller's `restoreRepo` hook: the kept history of a repo met for the first time. */
  restore(listing: RepoListing): RepoHistory | undefined {
    const h = this.unclaimed.get(listing.id);
    this.unclaimed.delete(listing.id);
    return h;
  }

  /** The poller's `commitRepo` hook: one transaction per synced repo, before it is published. */
  save(tracked: TrackedRepo): void {
    const h = tracked.history;
    const complete = h.journal === null;
    const changed: Iterable<Pipeline> = complete
      ? h.pipelines.values()
      : [...h.journal!].map((id) => h.pipelines.get(id)!);
    this.store.save({ listing: tracked.listing, cursors: cursorsOf(h), pipelines: changed, complete });
    // Only after the commit: a failed write leaves the journal as it was, to be written next time.
    if (complete) h.journal = new Set();
    else h.journal!.clear();
  }

  /** After a poll: the file keeps the repos the poller holds and the kept ones not listed yet. */
  retain(poller: Poller): void {
    this.store.retain({ has: (id) => poller.repos.has(id) || this.unclaimed.has(id) });
  }
}

function cursorsOf(h: RepoHistory): RepoCursors {
  return {
    highWater: h.highWater,
    backfilled: h.backfilled,
    listedLast: h.listedLastPipelineId,
    pending: [...h.pending],
    invalid: [...h.invalid],
  };
}
