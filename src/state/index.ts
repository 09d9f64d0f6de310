// DORA_STATE_FILE as the rest of the exporter sees it: the opened file, its Woodpecker history
// cache and its ArgoCD observation store. Without the setting there is no StateFile and state
// lives in memory. Plain data only: the collector adapts its own types (collector/durable.ts).
import type { Database } from "bun:sqlite";
import type { Logger } from "../log.ts";
import { openStateDb, SETTING, type OpenStateOptions } from "./db.ts";
import { SqliteObservationStore, type ObservationStore } from "./observations.ts";
import { WoodpeckerCache, type CollectionKey, type LoadedRepo, type RepoRecord } from "./woodpecker-cache.ts";

export { SCHEMA_VERSION, SETTING, StateFileError } from "./db.ts";
export { MemoryObservationStore, SqliteObservationStore } from "./observations.ts";
export type { LoadedObservations, ObservationRecord, ObservationStore } from "./observations.ts";
export type {
  CachedListing,
  CollectionKey,
  LoadedRepo,
  PipelineSink,
  RepoCursors,
  RepoRecord,
} from "./woodpecker-cache.ts";

/** A write to the state file failed: the data stays unpublished (and is retried) rather than exposed unsaved. */
export class StateWriteError extends Error {}

/** The Woodpecker history cache, as the collector uses it; every write throws StateWriteError on failure. */
export interface WoodpeckerStore {
  load(key: CollectionKey, visit: (repo: LoadedRepo) => void): boolean;
  save(repo: RepoRecord): void;
  retain(held: { has(id: number): boolean }): void;
}

export class StateFile {
  readonly observations: ObservationStore;
  readonly woodpecker: WoodpeckerStore;

  private constructor(
    private readonly db: Database,
    readonly path: string,
    log: Logger,
  ) {
    const cache = new WoodpeckerCache(db, log);
    this.woodpecker = {
      load: (key, visit) => cache.load(key, visit),
      save: (repo) => this.writing(() => cache.save(repo)),
      retain: (held) => this.writing(() => cache.retain(held)),
    };
    const observations = new SqliteObservationStore(db);
    this.observations = {
      put: (records) => this.writing(() => observations.put(records)),
      upsert: (records) => this.writing(() => observations.upsert(records)),
      load: (kind, schema) => observations.load(kind, schema),
    };
  }

  /** Open or create the file; StateFileError (a configuration problem: exit 2) for a file it must refuse. */
  static open(opts: OpenStateOptions): StateFile {
    return new StateFile(openStateDb(opts), opts.path, opts.log);
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
