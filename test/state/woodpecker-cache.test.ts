// The Woodpecker history cache of DORA_STATE_FILE on its own: what is saved is what loads back
// (pipelines, re-check lists, cursors, listing), through any number of restarts between polls, so
// the core computes the same state; a write that fails is retried whole; a cache read with
// another DORA_SINCE or event set, or that does not read back as written, is dropped.
import type { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackedRepo, type Poller } from "../../src/collector/poller.ts";
import { RepoHistory } from "../../src/collector/repo-history.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { createLogger } from "../../src/log.ts";
import { openStateDb } from "../../src/state/db.ts";
import { DurableHistories } from "../../src/collector/durable.ts";
import { WoodpeckerCache, type CollectionKey } from "../../src/state/woodpecker-cache.ts";
import type { RepoListing } from "../../src/woodpecker/schemas.ts";
import { REPO, historyArb } from "../core/history-arb.ts";
import { fcParams } from "../core/property-params.ts";

const URL = "https://ci.example.com";
const KEY: CollectionKey = { since: 0, events: ["deployment", "push"], messagePatterns: [] };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), "dora-wpcache-"));
  dirs.push(d);
  return join(d, "state.db");
}

/** The store and the collector's adapter on it, as the exporter wires them. */
function openCache(
  path: string,
  lines: string[] = [],
): { db: Database; cache: WoodpeckerCache; durable: DurableHistories } {
  const log = createLogger({ write: (l) => lines.push(l) });
  const db = openStateDb({ path, woodpeckerUrl: URL, log, now: () => 0 });
  const cache = new WoodpeckerCache(db, log);
  return { db, cache, durable: new DurableHistories(cache, (m) => m) };
}

/** Load and take every kept history, as the poller would when it lists the repos. */
function loadAll(durable: DurableHistories, key: CollectionKey): TrackedRepo[] {
  return durable.load(key).ids.map((id) => new TrackedRepo({ ...LISTING, id }, durable.restore({ ...LISTING, id })!));
}

/** The listing kept in the file for a repo. */
function keptListing(db: Database, id: number): unknown {
  return JSON.parse(
    db.query<{ listing: string }, [number]>("SELECT listing FROM wp_repos WHERE repo_id = ?").get(id)!.listing,
  );
}

const LISTING: RepoListing = {
  ...REPO,
  active: true,
  forgeUrl: "https://forge/acme/app",
  cloneUrls: ["https://forge/acme/app.git"],
  lastPipeline: { id: 9, number: 3 },
};

/** Everything of a history that the poller relies on, as plain data. */
function snapshot(h: RepoHistory) {
  return {
    pipelines: [...h.pipelines.values()].sort((a, b) => a.id - b.id),
    pending: [...h.pending].sort((a, b) => a[0] - b[0]),
    invalid: [...h.invalid].sort((a, b) => a - b),
    highWater: h.highWater,
    backfilled: h.backfilled,
    listedLast: h.listedLastPipelineId,
  };
}

describe("Woodpecker history cache", () => {
  test("round trip through restarts at random polls: same history, cursors and DORA state", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(
          fc.record({ take: fc.nat(12), restart: fc.boolean(), invalid: fc.nat(3), last: fc.option(fc.nat(50)) }),
          { minLength: 1, maxLength: 8 },
        ),
        (h, polls) => {
          const path = tmpFile();
          let { db, durable } = openCache(path);
          expect(loadAll(durable, KEY)).toEqual([]);
          // `live` never restarts; `tracked` is the restarted exporter's view.
          const live = new RepoHistory();
          let tracked = new TrackedRepo(LISTING, new RepoHistory());
          const feed = [...h.snapshots];
          for (const [i, poll] of polls.entries()) {
            for (const p of feed.splice(0, poll.take)) {
              live.ingest(p);
              tracked.history.ingest(p);
            }
            for (const hh of [live, tracked.history]) {
              hh.highWater = Math.max(hh.highWater, i * 7);
              hh.backfilled = true;
              hh.listedLastPipelineId = poll.last ?? (i % 2 ? undefined : null);
              hh.invalid.clear();
              for (let n = 0; n < poll.invalid; n++) hh.invalid.add(100 + n);
            }
            const listing = {
              ...LISTING,
              fullName: `acme/app-${i % 3}`,
              lastPipeline: poll.last === null ? null : { id: poll.last + 1, number: poll.last + 1 },
            };
            (tracked as { listing: RepoListing }).listing = listing;
            durable.save(tracked);
            if (poll.restart) {
              db.close(false);
              ({ db, durable } = openCache(path));
              const loaded = loadAll(durable, KEY);
              expect(loaded).toHaveLength(1);
              tracked = loaded[0]!;
              expect(keptListing(db, LISTING.id)).toEqual(listing);
              expect(tracked.state).toBeNull();
            }
            expect(snapshot(tracked.history)).toEqual(snapshot(live));
          }
          db.close(false);
          ({ db, durable } = openCache(path));
          const final = loadAll(durable, KEY)[0]!;
          expect(snapshot(final.history)).toEqual(snapshot(live));
          expect(computeRepoDora(REPO, final.history.pipelines.values(), h.options)).toEqual(
            computeRepoDora(REPO, live.pipelines.values(), h.options),
          );
          db.close(false);
        },
      ),
      fcParams(40),
    );
  }, 60_000);

  test(
    "repos are kept apart by id: a rename updates the row, " + "a re-created repo (same name, new id) is another row",
    () => {
      const path = tmpFile();
      let { db, durable } = openCache(path);
      loadAll(durable, KEY);
      const a = new TrackedRepo({ ...LISTING, id: 1, fullName: "acme/app" }, new RepoHistory());
      a.history.ingest(pipeline(1, 1, "success"));
      durable.save(a);
      (a as { listing: RepoListing }).listing = { ...a.listing, fullName: "acme/renamed" };
      durable.save(a);
      const b = new TrackedRepo({ ...LISTING, id: 2, fullName: "acme/app" }, new RepoHistory());
      b.history.ingest(pipeline(2, 1, "failure"));
      durable.save(b);
      db.close(false);
      ({ db, durable } = openCache(path));
      const loaded = loadAll(durable, KEY);
      expect(
        loaded.map((r) => [
          r.listing.id,
          (keptListing(db, r.listing.id) as RepoListing).fullName,
          [...r.history.pipelines.values()].map((p) => p.status),
        ]),
      ).toEqual([
        [1, "acme/renamed", ["success"]],
        [2, "acme/app", ["failure"]],
      ]);
      // The poller dropped repo 1 (and holds no unlisted kept history): so does the file.
      const poller = { repos: new Map([[2, loaded[1]!]]) } as unknown as Poller;
      durable.retain(poller);
      db.close(false);
      ({ db, durable } = openCache(path));
      expect(loadAll(durable, KEY).map((r) => r.listing.id)).toEqual([2]);
      expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_pipelines WHERE repo_id = 1").get()!.n).toBe(0);
      db.close(false);
    },
  );

  test("a save writes only what changed; an unchanged repo writes nothing", () => {
    const path = tmpFile();
    const { db, durable } = openCache(path);
    loadAll(durable, KEY);
    const t = new TrackedRepo(LISTING, new RepoHistory());
    for (let i = 1; i <= 50; i++) t.history.ingest(pipeline(i, i, "success"));
    const changes = () => db.query<{ n: number }, []>("SELECT total_changes() AS n").get()!.n;
    let before = changes();
    durable.save(t);
    expect(changes() - before).toBe(1 + 50); // the repo row and 50 pipelines
    before = changes();
    durable.save(t);
    expect(changes() - before).toBe(0);
    t.history.ingest(pipeline(51, 51, "running"));
    t.history.ingest(pipeline(7, 7, "success")); // same snapshot again: not a change
    before = changes();
    durable.save(t);
    expect(changes() - before).toBe(2); // the repo row (pending changed) and pipeline 51
    db.close(false);
    // After a restart, a repo synced with nothing new writes nothing either.
    const again = openCache(path);
    const [restored] = loadAll(again.durable, KEY);
    const count = () => again.db.query<{ n: number }, []>("SELECT total_changes() AS n").get()!.n;
    before = count();
    again.durable.save(restored!);
    expect(count() - before).toBe(0);
    again.db.close(false);
  });

  test("a write that fails publishes nothing and is retried whole by the next save", () => {
    const path = tmpFile();
    let { db, durable } = openCache(path);
    loadAll(durable, KEY);
    const t = new TrackedRepo(LISTING, new RepoHistory());
    t.history.ingest(pipeline(1, 1, "success"));
    durable.save(t);
    db.exec(
      `CREATE TEMP TRIGGER fail BEFORE INSERT ON wp_pipelines BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`,
    );
    t.history.ingest(pipeline(2, 2, "success"));
    t.history.highWater = 2;
    expect(() => durable.save(t)).toThrow("disk full (simulated)");
    db.exec("DROP TRIGGER fail");
    // Nothing of the failed save is in the file: not even the cursor.
    expect(JSON.parse(db.query<{ cursors: string }, []>("SELECT cursors FROM wp_repos").get()!.cursors).highWater).toBe(
      0,
    );
    durable.save(t);
    db.close(false);
    ({ db, durable } = openCache(path));
    const h = loadAll(durable, KEY)[0]!.history;
    expect([...h.pipelines.values()].map((p) => p.id)).toEqual([1, 2]);
    expect(h.highWater).toBe(2);
    db.close(false);
  });

  test("a history replaced in the poller (same repo id) is written in full, not merged with the old rows", () => {
    const path = tmpFile();
    let { db, durable } = openCache(path);
    loadAll(durable, KEY);
    const t = new TrackedRepo(LISTING, new RepoHistory());
    t.history.ingest(pipeline(1, 1, "success"));
    t.history.ingest(pipeline(2, 2, "success"));
    durable.save(t);
    const fresh = new TrackedRepo(LISTING, new RepoHistory());
    fresh.history.ingest(pipeline(3, 1, "success"));
    durable.save(fresh);
    db.close(false);
    ({ db, durable } = openCache(path));
    expect([...loadAll(durable, KEY)[0]!.history.pipelines.values()].map((p) => p.id)).toEqual([3]);
    db.close(false);
  });

  test("another DORA_SINCE or event set: the cached history is dropped (full backfill), with one line", () => {
    const path = tmpFile();
    let { db, durable } = openCache(path);
    loadAll(durable, KEY);
    const t = new TrackedRepo(LISTING, new RepoHistory());
    t.history.ingest(pipeline(1, 1, "success"));
    durable.save(t);
    db.close(false);
    for (const other of [
      { since: 1_700_000_000, events: KEY.events, messagePatterns: [] },
      { since: 0, events: null, messagePatterns: [] },
      { since: 0, events: null, messagePatterns: ["^perf"] },
    ]) {
      const lines: string[] = [];
      ({ db, durable } = openCache(path, lines));
      expect(loadAll(durable, other)).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("full backfill");
      durable.save(t);
      db.close(false);
    }
    // The same key again finds what was saved under it.
    ({ db, durable } = openCache(path));
    expect(loadAll(durable, { since: 0, events: null, messagePatterns: ["^perf"] })).toHaveLength(1);
    db.close(false);
  });

  const tamperings: [string, string][] = [
    ["cursors that are not JSON", "UPDATE wp_repos SET cursors = '{not json'"],
    ["a negative high-water mark", `UPDATE wp_repos SET cursors = json_set(cursors, '$.highWater', -1)`],
    ["a listing of another repo id", `UPDATE wp_repos SET listing = json_set(listing, '$.id', 999)`],
    ["a pipeline with a text number", "UPDATE wp_pipelines SET number = 'seven'"],
    ["a pending pipeline that is not stored", "DELETE FROM wp_pipelines WHERE id = 2"],
  ];
  for (const [what, sql] of tamperings) {
    test(`a cache that does not read back as written (${what}) is dropped whole, with one error line`, () => {
      const path = tmpFile();
      let { db, durable } = openCache(path);
      loadAll(durable, KEY);
      const t = new TrackedRepo(LISTING, new RepoHistory());
      t.history.ingest(pipeline(1, 1, "success"));
      t.history.ingest(pipeline(2, 2, "running"));
      durable.save(t);
      db.exec(sql);
      db.close(false);
      const lines: string[] = [];
      ({ db, durable } = openCache(path, lines));
      expect(loadAll(durable, KEY)).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).level).toBe("error");
      expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM wp_pipelines").get()!.n).toBe(0);
      db.close(false);
    });
  }
});

function pipeline(id: number, number: number, status: string): Pipeline {
  return {
    id,
    number,
    parent: 0,
    event: "push",
    status,
    created: 1_780_000_000 + id,
    updated: 1_780_000_000 + id,
    started: 1_780_000_000 + id,
    finished: status === "running" ? 0 : 1_780_000_100 + id,
    branch: "main",
    commit: id.toString(16).padStart(40, "a"),
    ref: "refs/heads/main",
    deployTo: "",
    message: id % 2 === 0 ? 'Revert "x"' : "",
  };
}
