// DORA_STATE_FILE as the exporter sees it: the opened file, its Woodpecker history cache and its
// ArgoCD observation store. Without the setting there is no StateFile and state lives in memory.
import type { Database } from "bun:sqlite";
import type { Poller, TrackedRepo } from "../collector/poller.ts";
import type { Logger } from "../log.ts";
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

  /** Put the cached repos into the poller's map; returns how many. Before the first poll. */
  restoreInto(poller: Poller, key: CollectionKey): number {
    const repos = this.woodpecker.load(key);
    for (const r of repos) poller.repos.set(r.listing.id, r);
    return repos.length;
  }

  /** The poller's `commitRepo` hook: one transaction per synced repo, before it is published. */
  saveRepo(tracked: TrackedRepo): void {
    this.writing(() => this.woodpecker.save(tracked));
  }

  /** After a poll: the file keeps exactly the repos the poller holds. */
  retain(poller: Poller): void {
    this.writing(() => this.woodpecker.retain(poller.repos));
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
