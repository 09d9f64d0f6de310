// DORA_STATE_FILE as the exporter sees it: the opened file, its Woodpecker history cache and its
// ArgoCD observation store. Without the setting there is no StateFile and state lives in memory.
import type { Database } from "bun:sqlite";
import type { Poller, TrackedRepo } from "../collector/poller.ts";
import type { RepoHistory } from "../collector/repo-history.ts";
import type { Logger } from "../log.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import { openStateDb, SETTING, type OpenStateOptions } from "./db.ts";
import { SqliteObservationStore, type ObservationStore } from "./observations.ts";
import { WoodpeckerCache, type CollectionKey } from "./woodpecker-cache.ts";

export { SCHEMA_VERSION } from "./db.ts";
export { MemoryObservationStore, SqliteObservationStore } from "./observations.ts";
export type { LoadedObservations, ObservationRecord, ObservationStore } from "./observations.ts";
export type { CollectionKey } from "./woodpecker-cache.ts";

/** A write to the state file failed: the data stays unpublished (and is retried) rather than exposed unsaved. */
export class StateWriteError extends Error {}

export class StateFile {
  readonly observations: ObservationStore;
  private readonly woodpecker: WoodpeckerCache;
  /** Histories loaded from the file that no listing has claimed yet, by repo id. */
  private readonly unclaimed = new Map<number, RepoHistory>();

  private constructor(
    private readonly db: Database,
    readonly path: string,
    log: Logger,
  ) {
    this.woodpecker = new WoodpeckerCache(db, log);
    const observations = new SqliteObservationStore(db);
    this.observations = {
      put: (records) => this.writing(() => observations.put(records)),
      load: (kind, schema) => observations.load(kind, schema),
    };
  }

  /** Open or create the file; ConfigError (exit 2) for a file it must refuse. */
  static open(opts: OpenStateOptions): StateFile {
    return new StateFile(openStateDb(opts), opts.path, opts.log);
  }

  /**
   * Load the cached histories (before the first poll); returns how many repos and pipelines. The
   * poller then takes each one through `restoreRepo` when the repo is first listed.
   */
  load(key: CollectionKey): { repos: number; pipelines: number } {
    let pipelines = 0;
    for (const r of this.woodpecker.load(key)) {
      this.unclaimed.set(r.listing.id, r.history);
      pipelines += r.history.pipelines.size;
    }
    return { repos: this.unclaimed.size, pipelines };
  }

  /** The poller's `restoreRepo` hook: the kept history of a repo met for the first time. */
  restoreRepo(listing: RepoListing): RepoHistory | undefined {
    const h = this.unclaimed.get(listing.id);
    this.unclaimed.delete(listing.id);
    return h;
  }

  /** The poller's `commitRepo` hook: one transaction per synced repo, before it is published. */
  saveRepo(tracked: TrackedRepo): void {
    this.writing(() => this.woodpecker.save(tracked));
  }

  /**
   * After a poll: drop from the file the repos the poller no longer holds. Kept histories of repos
   * not listed since the start stay (a repo listed again later continues from them).
   */
  retain(poller: Poller): void {
    this.writing(() => this.woodpecker.retain({ has: (id) => poller.repos.has(id) || this.unclaimed.has(id) }));
  }

  close(): void {
    this.db.close(false);
  }

  private writing<T>(write: () => T): T {
    try {
      return write();
    } catch (e) {
      throw new StateWriteError(`${SETTING} ${this.path}: cannot write: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
