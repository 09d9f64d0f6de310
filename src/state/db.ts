// The durable state file (DORA_STATE_FILE): one SQLite database (bun:sqlite, WAL mode) that
// outlives the process. This module opens it and decides whether it can be trusted:
//   - missing: created (with its directory);
//   - written by a newer schema, or for another Woodpecker URL, or not ours at all: refused with
//     a StateFileError (exit 2), because using it could give wrong numbers and replacing it could
//     destroy someone's data;
//   - corrupt or unreadable: moved aside (`<file>.corrupt-<time>`) and replaced by
//     an empty one, so the exporter backfills in full: never wrong numbers, never a crash loop.
// The file is opened in exclusive locking mode: a second exporter on the same file (a shard or a
// replica given the same path) would interleave its writes with ours, so it is refused instead.
// The lock is the OS's file lock, released when the process dies, even by kill -9.
import { Database, SQLiteError } from "bun:sqlite";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../log.ts";

export const SETTING = "DORA_STATE_FILE";

/**
 * A state file the exporter must not use as it is (refused), or cannot create: a configuration
 * problem (the exporter maps it to exit 2). `problem` is one line without the setting's name.
 */
export class StateFileError extends Error {
  constructor(readonly problem: string) {
    super(`${SETTING}: ${problem}`);
  }
}

/**
 * Version of the tables below. Bump it with every change of their shape and add a migration from
 * the previous version to `migrate`; a file with a higher version than this is refused.
 */
export const SCHEMA_VERSION = 1;

/** How long to wait for another process (an exporter being replaced) to release the file. */
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
-- Woodpecker history cache: per repo (by id) what the poller knows between polls.
CREATE TABLE IF NOT EXISTS wp_repos (
  repo_id  INTEGER PRIMARY KEY,
  listing  TEXT NOT NULL,
  cursors  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wp_pipelines (
  repo_id   INTEGER NOT NULL,
  id        INTEGER NOT NULL,
  number    INTEGER NOT NULL,
  parent    INTEGER NOT NULL,
  event     TEXT NOT NULL,
  status    TEXT NOT NULL,
  created   INTEGER NOT NULL,
  updated   INTEGER NOT NULL,
  started   INTEGER NOT NULL,
  finished  INTEGER NOT NULL,
  branch    TEXT NOT NULL,
  commit_   TEXT NOT NULL,
  ref       TEXT NOT NULL,
  deploy_to TEXT NOT NULL,
  message   TEXT NOT NULL,
  PRIMARY KEY (repo_id, id)
) WITHOUT ROWID;
-- ArgoCD observations: what ArgoCD itself forgets, kept once (first write wins).
CREATE TABLE IF NOT EXISTS observations (
  app_uid TEXT NOT NULL,
  kind    TEXT NOT NULL,
  key     TEXT NOT NULL,
  payload TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (app_uid, kind, key)
) WITHOUT ROWID;
`;

export interface OpenStateOptions {
  readonly path: string;
  /** WOODPECKER_URL as configured (normalised by the config loader). */
  readonly woodpeckerUrl: string;
  readonly log: Logger;
  /** Unix ms; names the moved-aside copy of a corrupt file. */
  readonly now: () => number;
  /** How long to wait for another process to release the file (default 10 s). */
  readonly busyTimeoutMs?: number;
}

/** A file we could not use and must move aside (corrupt, unreadable, or meta we cannot read). */
class Unusable extends Error {}

/**
 * Open (or create) the state file. Throws StateFileError for the refusals; a corrupt or unreadable
 * file is logged, moved aside and replaced by a fresh one.
 */
export function openStateDb(opts: OpenStateOptions): Database {
  const { path, log } = opts;
  // A directory (say, systemd's StateDirectory itself) is a slip in the setting, never a corrupt
  // file: moving it aside would move everything in it.
  const kind = existsSync(path) ? statSync(path) : null;
  if (kind?.isDirectory())
    throw new StateFileError(`${path} is a directory; name a file in it (e.g. ${join(path, "state.db")})`);
  if (kind !== null && !kind.isFile()) throw new StateFileError(`${path} is not a regular file`);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new StateFileError(`cannot create the directory of ${path}: ${fsReason(e)}`);
  }
  try {
    return openChecked(opts);
  } catch (e) {
    if (!(e instanceof Unusable)) throw e;
    const aside = `${path}.corrupt-${stamp(opts.now())}`;
    moveAside(path, aside);
    log.error("state file unreadable; moved aside, starting over with a full backfill", {
      setting: SETTING,
      file: path,
      moved_to: aside,
      problem: e.message,
    });
    try {
      return openChecked(opts);
    } catch (again) {
      if (again instanceof Unusable)
        throw new StateFileError(`${path}: a fresh file is unusable too: ${again.message}`);
      throw again;
    }
  }
}

function openChecked({ path, woodpeckerUrl, busyTimeoutMs = BUSY_TIMEOUT_MS }: OpenStateOptions): Database {
  let db: Database;
  try {
    db = new Database(path, { create: true, readwrite: true, strict: true });
  } catch (e) {
    throw classify(path, e);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // One writer, and no -shm file: the WAL index lives in this process's memory.
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new StateFileError(`${path}: cannot use WAL mode (journal mode is ${mode ?? "unknown"})`);
    // FULL: a commit is on disk (WAL fsynced) before the metrics it guards are exposed, so not
    // even a power cut can take back a counter value that was scraped.
    db.exec("PRAGMA synchronous = FULL");
    const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
    if (check.length !== 1 || check[0]!.quick_check !== "ok") {
      throw new Unusable(`integrity check failed: ${check[0]?.quick_check ?? "no answer"}`);
    }
    checkMeta(db, path, woodpeckerUrl);
    return db;
  } catch (e) {
    db.close(false);
    throw classify(path, e);
  }
}

/** Create the tables of a new file, or check an existing file's schema version and server. */
function checkMeta(db: Database, path: string, woodpeckerUrl: string): void {
  const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  const names = new Set(tables.map((t) => t.name));
  if (names.size > 0 && !names.has("meta")) {
    throw new StateFileError(`${path} is an SQLite database but not a dora-exporter state file; name another file`);
  }
  if (names.size === 0) {
    db.transaction(() => {
      db.exec(SCHEMA);
      const put = db.query("INSERT INTO meta (key, value) VALUES (?, ?)");
      put.run("schema_version", String(SCHEMA_VERSION));
      put.run("woodpecker_url", woodpeckerUrl);
    })();
    return;
  }
  const meta = new Map(
    db
      .query<{ key: string; value: string }, []>("SELECT key, value FROM meta")
      .all()
      .map((r) => [r.key, r.value]),
  );
  const version = meta.get("schema_version");
  if (version === undefined || !/^[1-9]\d{0,8}$/.test(version))
    throw new Unusable(`schema version unreadable (${JSON.stringify(version ?? null)})`);
  if (Number(version) > SCHEMA_VERSION) {
    throw new StateFileError(
      `${path} was written by a newer dora-exporter (state schema ${version}; this version reads up to ` +
        `${SCHEMA_VERSION}); upgrade, or name another file`,
    );
  }
  const url = meta.get("woodpecker_url");
  if (url === undefined) throw new Unusable("no Woodpecker URL in its meta table");
  if (url !== woodpeckerUrl) {
    throw new StateFileError(`${path} was written for Woodpecker ${url}, not ${woodpeckerUrl}; name another file`);
  }
  migrate(db, Number(version));
}

/** Bring an older file up to SCHEMA_VERSION (none yet: version 1 is the first). */
function migrate(db: Database, _from: number): void {
  // Tables added since the file was made, and any lost with a partial create.
  db.exec(SCHEMA);
}

function classify(path: string, e: unknown): Error {
  if (e instanceof StateFileError || e instanceof Unusable) return e;
  if (e instanceof SQLiteError) {
    switch (e.code) {
      case "SQLITE_BUSY":
      case "SQLITE_LOCKED":
        return new StateFileError(`${path} is in use by another process (one exporter per state file)`);
      case "SQLITE_NOTADB":
      case "SQLITE_CORRUPT":
      case "SQLITE_FORMAT":
      case "SQLITE_IOERR":
      case "SQLITE_CANTOPEN":
      case "SQLITE_PERM":
      case "SQLITE_READONLY":
      case "SQLITE_AUTH":
        // An existing file we cannot read goes aside; a new one we cannot create is a setup problem.
        if (existsSync(path)) return new Unusable(`${e.code}: ${e.message}`);
        return new StateFileError(`cannot create ${path}: ${e.message}`);
      default:
        return new Unusable(`${e.code ?? "SQLite error"}: ${e.message}`);
    }
  }
  return e instanceof Error ? e : new Error(String(e));
}

function moveAside(path: string, aside: string): void {
  try {
    renameSync(path, aside);
    // The WAL belongs to the file it was written for; a stale one must never meet the new file.
    if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${aside}-wal`);
    rmSync(`${path}-shm`, { force: true });
  } catch (e) {
    throw new StateFileError(`${path} is unreadable and cannot be moved aside: ${fsReason(e)}`);
  }
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
}

function fsReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (typeof code === "string") return code;
  return e instanceof Error ? e.message : String(e);
}
