// The Woodpecker history cache in the state file: per repo (by id, so renames and re-created
// repos stay apart) the pipeline snapshots the core needs and the poller's cursors. Read at
// start, so the first poll after a restart is a normal incremental poll instead of a backfill;
// the DORA state is a pure function of this history, so the counters come back as they were.
//
// Plain data in and out: the collector (src/collector/durable.ts) turns its RepoHistory into
// what is saved here and back. Writes happen through `save`, which runs when the poller has
// synced a repo and before it publishes that repo's state: one transaction per repo, committed
// before anything derived from it reaches /metrics, the page or the API. A kill -9 at any moment
// therefore leaves a file whose every repo is as of one of its completed syncs, never behind
// what was exposed. Cursors are only ever as far as the pipelines saved with them (same
// transaction), so an older file costs extra requests at worst, never a missed pipeline.
import type { Database, Statement } from "bun:sqlite";
import * as v from "valibot";
import type { Pipeline } from "../core/model.ts";
import type { Logger } from "../log.ts";
import { SETTING } from "./db.ts";

const Count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const Id = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

const ListingSchema = v.strictObject({
  id: Id,
  fullName: v.pipe(v.string(), v.minLength(1)),
  defaultBranch: v.string(),
  active: v.boolean(),
  forgeUrl: v.string(),
  /** Clone URLs (for the ArgoCD mapping by source URL); absent in files written before them. */
  cloneUrls: v.pipe(v.optional(v.array(v.string()), []), v.readonly()),
  /** Absent: the server does not report it (RepoListing's undefined). */
  lastPipeline: v.optional(v.nullable(v.strictObject({ id: Id, number: Id }))),
});

const CursorsSchema = v.strictObject({
  highWater: Count,
  backfilled: v.boolean(),
  /** Absent: RepoHistory's undefined (never listed, or the server does not report it). */
  listedLast: v.optional(v.nullable(Count)),
  pending: v.array(v.tuple([Count, Count])),
  invalid: v.array(Count),
});

/** A repo as the Woodpecker listing gave it (the collector's RepoListing, structurally). */
export type CachedListing = v.InferOutput<typeof ListingSchema>;

/** Where the poller stands in a repo's history (collector/repo-history.ts). */
export interface RepoCursors {
  readonly highWater: number;
  readonly backfilled: boolean;
  /** undefined: not known (never listed, or the server does not report it). */
  readonly listedLast?: number | null | undefined;
  /** Pipelines to re-check: [id, number]. */
  readonly pending: readonly (readonly [number, number])[];
  readonly invalid: readonly number[];
}

/** One repo to save: its listing, cursors, and the pipelines to write (all of them, or the changed ones). */
export interface RepoRecord {
  readonly listing: CachedListing;
  readonly cursors: RepoCursors;
  readonly pipelines: Iterable<Pipeline>;
  /** true: `pipelines` is the whole history (rows not in it are removed); false: only changed ones. */
  readonly complete: boolean;
}

/** Where a loaded repo's rows go, one at a time (no array of them is built). */
export interface PipelineSink {
  /** How many rows follow; called once, before the first `add` (room for all of them at once). */
  expect(count: number): void;
  /** One row, as a fresh object. */
  add(p: Pipeline): void;
}

/** A loaded repo; `pipelines` reads its rows into `sink` (once, right away: within the load call). */
export interface LoadedRepo {
  readonly listing: CachedListing;
  readonly cursors: RepoCursors;
  readonly pipelines: (sink: PipelineSink) => void;
}

/** What decides which pipelines a history holds: a history read with other values is not reusable. */
export interface CollectionKey {
  /** DORA_SINCE (Unix seconds, 0 = all). */
  readonly since: number;
  /** The events the poller reads (null = all), from the deployment rules. */
  readonly events: readonly string[] | null;
  /**
   * The rework rules' message expressions (their sources): they decide which commit messages a
   * history keeps (core/rework.ts messageKeeper), so a history kept under other ones is not reused.
   */
  readonly messagePatterns: readonly string[];
}

export class WoodpeckerCache {
  /** Repo id -> its listing and cursors as last saved (or loaded): unchanged ones are not written again. */
  private readonly saved = new Map<number, string>();
  private readonly upsertRepo: Statement;
  private readonly upsertPipeline: Statement;
  private readonly deletePipelines: Statement;
  private readonly deleteRepo: Statement;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {
    this.upsertRepo = db.query("INSERT OR REPLACE INTO wp_repos (repo_id, listing, cursors) VALUES (?, ?, ?)");
    this.upsertPipeline = db.query(
      `INSERT OR REPLACE INTO wp_pipelines
       (repo_id, id, number, parent, event, status, created, updated, started, finished, branch, commit_, ref, \
deploy_to, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deletePipelines = db.query("DELETE FROM wp_pipelines WHERE repo_id = ?");
    this.deleteRepo = db.query("DELETE FROM wp_repos WHERE repo_id = ?");
  }

  /**
   * Every cached repo, in repo id order, to `visit` (which reads its pipelines then), or none
   * when the file's history was read with another collection key (then it is emptied). A cache
   * that does not read back as written is dropped as a whole (and `visit`'s work with it: load
   * returns false): a full backfill is slow, a half-trusted history is wrong.
   */
  load(key: CollectionKey, visit: (repo: LoadedRepo) => void): boolean {
    const keyText = JSON.stringify({
      since: key.since,
      events: key.events === null ? null : [...key.events].sort(),
      messages: [...key.messagePatterns].sort(),
    });
    const stored = this.db
      .query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'woodpecker_collect'")
      .get()?.value;
    if (stored !== keyText) {
      const had = this.db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_repos").get()!.n;
      if (had > 0) {
        this.log.warn(
          "state file: cached Woodpecker history was read with another DORA_SINCE, other deployment-rule " +
            "events or other rework_rules messages; full backfill",
          {
            setting: SETTING,
            repos: had,
          },
        );
      }
      this.reset(keyText);
      return true;
    }
    try {
      this.readAll(visit);
      return true;
    } catch (e) {
      this.log.error("state file: cached Woodpecker history unreadable; dropped, full backfill", {
        setting: SETTING,
        problem: e instanceof Error ? e.message : String(e),
      });
      this.saved.clear();
      this.reset(keyText);
      return false;
    }
  }

  /**
   * Write one repo in one transaction (before it is published). Nothing to do when no pipeline
   * changed and the listing and cursors are as last saved.
   */
  save(repo: RepoRecord): void {
    const id = repo.listing.id;
    const listing = JSON.stringify(repo.listing, LISTING_KEYS);
    const cursors = cursorsText(repo.cursors);
    const fingerprint = listing + "\n" + cursors;
    // In id order: the poller holds a repo's pipelines newest first, and rows inserted in
    // descending key order between other repos' rows leave the table's pages about half full
    // (a 1,000 x 1,000 backfill wrote 141 MB of what VACUUM packs into 79: more to write, check, read).
    const pipelines = [...repo.pipelines].sort((a, b) => a.id - b.id);
    if (!repo.complete && pipelines.length === 0 && this.saved.get(id) === fingerprint) return;
    this.db.transaction(() => {
      this.upsertRepo.run(id, listing, cursors);
      // A complete history replaces the file's rows (the poller may hold another history object).
      if (repo.complete) this.deletePipelines.run(id);
      for (const p of pipelines) this.writePipeline(id, p);
    })();
    this.saved.set(id, fingerprint);
  }

  /** Drop the repos the poller no longer holds (the file mirrors its map). */
  retain(held: { has(id: number): boolean }): void {
    const gone = [...this.saved.keys()].filter((id) => !held.has(id));
    if (gone.length === 0) return;
    this.db.transaction(() => {
      for (const id of gone) {
        this.deletePipelines.run(id);
        this.deleteRepo.run(id);
      }
    })();
    for (const id of gone) this.saved.delete(id);
  }

  private reset(keyText: string): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM wp_pipelines");
      this.db.exec("DELETE FROM wp_repos");
      this.db.query("INSERT OR REPLACE INTO meta (key, value) VALUES ('woodpecker_collect', ?)").run(keyText);
    })();
  }

  private readAll(visit: (repo: LoadedRepo) => void): void {
    const repos = this.db.query<{ repo_id: number; listing: string; cursors: string }, []>(
      "SELECT repo_id, listing, cursors FROM wp_repos ORDER BY repo_id",
    );
    const pipelines = this.db.query<unknown[], [number]>(
      `SELECT id, number, parent, event, status, created, updated, started, finished, branch, commit_, ref, deploy_to,\
 message
       FROM wp_pipelines WHERE repo_id = ?`,
    );
    for (const row of repos.all()) {
      const listing = v.parse(ListingSchema, JSON.parse(row.listing));
      if (listing.id !== row.repo_id)
        throw new Error(`repo row ${row.repo_id} holds the listing of repo ${listing.id}`);
      const cursors = v.parse(CursorsSchema, JSON.parse(row.cursors));
      const read = (sink: PipelineSink): void => {
        const pending = new Set(cursors.pending.map(([id]) => id));
        // Per repo, not one scan of the table: a repo's rows at a time stay small garbage.
        const rows = pipelines.values(row.repo_id);
        sink.expect(rows.length);
        for (const r of rows) {
          sink.add(toPipeline(r));
          pending.delete(r[0] as number);
        }
        const [missing] = pending;
        if (missing !== undefined) throw new Error(`repo ${row.repo_id}: pending pipeline ${missing} is not stored`);
      };
      visit({ listing, cursors, pipelines: read });
      this.saved.set(listing.id, JSON.stringify(listing, LISTING_KEYS) + "\n" + cursorsText(cursors));
    }
  }

  private writePipeline(repoId: number, p: Pipeline): void {
    this.upsertPipeline.run(
      repoId,
      p.id,
      p.number,
      p.parent,
      p.event,
      p.status,
      p.created,
      p.updated,
      p.started,
      p.finished,
      p.branch,
      p.commit,
      p.ref,
      p.deployTo,
      p.message,
    );
  }
}

/** Cursors as stored, fields in a fixed order (also the fingerprint of what was saved). */
function cursorsText(c: RepoCursors): string {
  return JSON.stringify({
    highWater: c.highWater,
    backfilled: c.backfilled,
    listedLast: c.listedLast,
    pending: c.pending,
    invalid: c.invalid,
  });
}

/** The listing's fields in a fixed order (a fingerprint must not depend on key order). */
const LISTING_KEYS = ["id", "fullName", "defaultBranch", "active", "forgeUrl", "cloneUrls", "lastPipeline", "number"];

const NUMBER_COLUMNS = [0, 1, 2, 5, 6, 7, 8];
const TEXT_COLUMNS = [3, 4, 9, 10, 11, 12, 13];

/** A row back into a Pipeline; SQLite's loose typing is checked, not trusted. */
function toPipeline(r: unknown[]): Pipeline {
  for (const i of NUMBER_COLUMNS)
    if (typeof r[i] !== "number") throw new Error(`pipeline row ${String(r[0])}: column ${i} is not a number`);
  for (const i of TEXT_COLUMNS)
    if (typeof r[i] !== "string") throw new Error(`pipeline row ${String(r[0])}: column ${i} is not text`);
  return {
    id: r[0] as number,
    number: r[1] as number,
    parent: r[2] as number,
    event: r[3] as string,
    status: r[4] as string,
    created: r[5] as number,
    updated: r[6] as number,
    started: r[7] as number,
    finished: r[8] as number,
    branch: r[9] as string,
    commit: r[10] as string,
    ref: r[11] as string,
    deployTo: r[12] as string,
    message: r[13] as string,
  };
}
