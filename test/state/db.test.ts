// Opening DORA_STATE_FILE: created when missing, refused (ConfigError, exit 2) when newer or for
// another Woodpecker, moved aside when corrupt or unreadable, never shared by two processes.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log.ts";
import { openStateDb, SCHEMA_VERSION, StateFileError } from "../../src/state/db.ts";

const URL_A = "https://ci.example.com";
const NOW = Date.UTC(2026, 10, 29, 14, 30, 5);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "dora-state-"));
  dirs.push(d);
  return d;
}

function open(path: string, woodpeckerUrl = URL_A, lines: string[] = [], busyTimeoutMs = 100): Database {
  const log = createLogger({ write: (l) => lines.push(l) });
  return openStateDb({ path, woodpeckerUrl, log, now: () => NOW, busyTimeoutMs });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StateFileError);
    return (e as Error).message;
  }
  throw new Error("expected a StateFileError");
}

/** A file written by this version, closed, with one ordinary row to find again. */
function written(path: string): void {
  const db = open(path);
  db.query("INSERT INTO wp_repos (repo_id, listing, cursors) VALUES (1, '{}', '{}')").run();
  db.close(false);
}

describe("DORA_STATE_FILE: opening", () => {
  test("a missing file (and its directory) is created, in WAL mode, with schema version and Woodpecker URL", () => {
    const path = join(tmp(), "sub", "dir", "state.db");
    const db = open(path);
    expect(existsSync(path)).toBe(true);
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    const meta = Object.fromEntries(
      db
        .query<{ key: string; value: string }, []>("SELECT key, value FROM meta")
        .all()
        .map((r) => [r.key, r.value]),
    );
    expect(meta).toEqual({ schema_version: String(SCHEMA_VERSION), woodpecker_url: URL_A });
    db.close(false);
  });

  test("the same file opens again and keeps its rows", () => {
    const path = join(tmp(), "state.db");
    written(path);
    const db = open(path);
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_repos").get()!.n).toBe(1);
    db.close(false);
  });

  test("a file from a newer schema is refused with one line naming DORA_STATE_FILE, and left untouched", () => {
    const path = join(tmp(), "state.db");
    written(path);
    const raw = new Database(path);
    raw.query("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    raw.close(false);
    const before = readFileSync(path);
    const msg = refusal(() => open(path));
    expect(msg).toStartWith("DORA_STATE_FILE: ");
    expect(msg).toContain(path);
    expect(msg).toContain(`newer dora-exporter (state schema ${SCHEMA_VERSION + 1}`);
    expect(msg).not.toContain("\n");
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(join(path, ".."))).toEqual(["state.db"]);
  });

  test("a file written for another Woodpecker URL is refused with one line naming both URLs", () => {
    const path = join(tmp(), "state.db");
    written(path);
    const msg = refusal(() => open(path, "https://other.example.com/ci"));
    expect(msg).toBe(
      `DORA_STATE_FILE: ${path} was written for Woodpecker ${URL_A}, not https://other.example.com/ci; name ` +
        `another file`,
    );
    // Still intact for the server it belongs to.
    const db = open(path);
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_repos").get()!.n).toBe(1);
    db.close(false);
  });

  test("an SQLite database that is not a state file is refused, not moved", () => {
    const path = join(tmp(), "other.db");
    const raw = new Database(path);
    raw.exec("CREATE TABLE grafana_users (id INTEGER)");
    raw.close(false);
    expect(refusal(() => open(path))).toBe(
      `DORA_STATE_FILE: ${path} is an SQLite database but not a dora-exporter state file; name another file`,
    );
    expect(readdirSync(join(path, ".."))).toEqual(["other.db"]);
  });

  test("a second process (or handle) on the same file is refused while the first holds it", () => {
    const path = join(tmp(), "state.db");
    const first = open(path);
    expect(refusal(() => open(path))).toBe(
      `DORA_STATE_FILE: ${path} is in use by another process (one exporter per state file)`,
    );
    first.close(false);
    open(path).close(false); // released with the first
  });

  const corruptions: [string, (path: string) => void][] = [
    ["not a database at all", (p) => writeFileSync(p, "this is not an SQLite file\n".repeat(300))],
    [
      "an empty-looking header with garbage pages",
      (p) => writeFileSync(p, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(8000, 0xab)])),
    ],
    [
      "a real state file with damaged pages",
      (p) => {
        const db = open(p);
        const ins = db.query(
          "INSERT INTO wp_pipelines VALUES (1, ?, ?, 0, 'push', 'success', 1, 1, 1, 1, 'main', ?, " +
            "'refs/heads/main', '', '')",
        );
        db.transaction(() => {
          for (let i = 1; i <= 3000; i++) ins.run(i, i, "c".repeat(40));
        })();
        db.close(false);
        const bytes = readFileSync(p);
        bytes.fill(0x5a, 4096 * 3, 4096 * 6);
        writeFileSync(p, bytes);
      },
    ],
    [
      "an unreadable schema version",
      (p) => {
        written(p);
        const raw = new Database(p);
        raw.query("UPDATE meta SET value = 'banana' WHERE key = 'schema_version'").run();
        raw.close(false);
      },
    ],
    [
      "a meta table without the Woodpecker URL",
      (p) => {
        written(p);
        const raw = new Database(p);
        raw.query("DELETE FROM meta WHERE key = 'woodpecker_url'").run();
        raw.close(false);
      },
    ],
  ];

  for (const [what, damage] of corruptions) {
    test(`corrupt (${what}): one log line, moved aside as <file>.corrupt-<time>, a fresh file in its place`, () => {
      const dir = tmp();
      const path = join(dir, "state.db");
      damage(path);
      const original = readFileSync(path);
      const lines: string[] = [];
      const db = open(path, URL_A, lines);
      expect(lines).toHaveLength(1);
      const rec = JSON.parse(lines[0]!) as Record<string, string>;
      expect(rec.level).toBe("error");
      expect(rec.setting).toBe("DORA_STATE_FILE");
      const aside = `${path}.corrupt-20261129T143005Z`;
      expect(rec.moved_to).toBe(aside);
      expect(readFileSync(aside).equals(original)).toBe(true);
      // Fresh and empty: the exporter backfills in full.
      expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_pipelines").get()!.n).toBe(0);
      expect(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'woodpecker_url'").get()!.value).toBe(
        URL_A,
      );
      db.close(false);
      expect(statSync(path).size).toBeGreaterThan(0);
    });
  }

  test("a directory is refused (exit 2), never moved aside", () => {
    const dir = tmp();
    writeFileSync(join(dir, "keep.txt"), "x");
    expect(refusal(() => open(dir))).toBe(
      `DORA_STATE_FILE: ${dir} is a directory; name a file in it (e.g. ${join(dir, "state.db")})`,
    );
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
    expect(refusal(() => open("/dev/null"))).toBe("DORA_STATE_FILE: /dev/null is not a regular file");
  });

  test("a path that cannot be created is refused with one line", () => {
    const dir = tmp();
    writeFileSync(join(dir, "file"), "x");
    const msg = refusal(() => open(join(dir, "file", "state.db")));
    expect(msg).toStartWith("DORA_STATE_FILE: cannot create the directory of ");
    expect(msg).not.toContain("\n");
  });
});
