// The ArgoCD observation store on its own, in the state file and in memory (same semantics):
// first record of each (app uid, kind, key) wins, kept across a reopen and a kill -9 (committed
// when put returns), loaded in first-put order with payloads checked by the caller's schema.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { silentLogger } from "../../src/log.ts";
import { openStateDb } from "../../src/state/db.ts";
import { MemoryObservationStore, SqliteObservationStore, type ObservationStore } from "../../src/state/observations.ts";
import { ROOT } from "../e2e/exporter-process.ts";

const URL = "https://ci.example.com";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), "dora-obs-"));
  dirs.push(d);
  return join(d, "state.db");
}

const open = (path: string) => openStateDb({ path, woodpeckerUrl: URL, log: silentLogger, now: () => 0 });

const Failed = v.object({ phase: v.picklist(["Failed", "Error"]), finishedAt: v.string() });
const History = v.object({ id: v.number(), revision: v.string() });

const stores: [string, () => { store: ObservationStore; reopen: () => ObservationStore }][] = [
  [
    "state file",
    () => {
      const path = tmpFile();
      let db = open(path);
      return {
        store: new SqliteObservationStore(db),
        reopen: () => {
          db.close(false);
          db = open(path);
          return new SqliteObservationStore(db);
        },
      };
    },
  ],
  [
    "memory",
    () => {
      const store = new MemoryObservationStore();
      return { store, reopen: () => store };
    },
  ],
];

for (const [name, make] of stores) {
  describe(`ArgoCD observation store (${name})`, () => {
    test("insert-or-ignore: the first record of a (app uid, kind, key) stays; put counts the new ones", () => {
      const { store } = make();
      expect(
        store.put([
          {
            kind: "operation",
            appUid: "u1",
            key: "2026-11-29T10:00:00Z",
            payload: { phase: "Failed", finishedAt: "t1" },
          },
          { kind: "history", appUid: "u1", key: "3", payload: { id: 3, revision: "abc" } },
        ]),
      ).toBe(2);
      expect(
        store.put([
          {
            kind: "operation",
            appUid: "u1",
            key: "2026-11-29T10:00:00Z",
            payload: { phase: "Error", finishedAt: "t2" },
          },
          // Same key, other app or other kind: different observations.
          {
            kind: "operation",
            appUid: "u2",
            key: "2026-11-29T10:00:00Z",
            payload: { phase: "Error", finishedAt: "t3" },
          },
          { kind: "history", appUid: "u1", key: "2026-11-29T10:00:00Z", payload: { id: 4, revision: "def" } },
        ]),
      ).toBe(2);
      expect(store.load("operation", Failed)).toEqual({
        records: [
          {
            kind: "operation",
            appUid: "u1",
            key: "2026-11-29T10:00:00Z",
            payload: { phase: "Failed", finishedAt: "t1" },
          },
          {
            kind: "operation",
            appUid: "u2",
            key: "2026-11-29T10:00:00Z",
            payload: { phase: "Error", finishedAt: "t3" },
          },
        ],
        invalid: 0,
      });
      expect(store.load("history", History).records.map((r) => r.key)).toEqual(["3", "2026-11-29T10:00:00Z"]);
      expect(store.load("restore", History)).toEqual({ records: [], invalid: 0 });
    });

    test("round trip: kept across a reopen, in first-put order, payloads as JSON gives them back", () => {
      const { store, reopen } = make();
      const keys = Array.from({ length: 30 }, (_, i) => String((i * 7919) % 101));
      for (const k of keys)
        store.put([
          {
            kind: "history",
            appUid: "app-ü/é",
            key: k,
            payload: { id: Number(k), revision: `r"${k}'\n`, dropped: undefined },
          },
        ]);
      const again = reopen();
      const loaded = again.load("history", v.looseObject({ id: v.number(), revision: v.string() }));
      expect(loaded.records.map((r) => r.key)).toEqual(keys);
      expect(loaded.records[0]!.payload).toEqual({ id: Number(keys[0]), revision: `r"${keys[0]}'\n` });
      expect("dropped" in loaded.records[0]!.payload).toBe(false);
      // Later puts still go after the loaded ones.
      again.put([{ kind: "history", appUid: "app-ü/é", key: "new", payload: { id: -1, revision: "x" } }]);
      expect(again.load("history", History).records.at(-1)!.key).toBe("new");
    });

    test("upsert replaces a kept payload in place (load order unchanged) and adds new ones", () => {
      const { store, reopen } = make();
      store.put([
        { kind: "history", appUid: "u", key: "1", payload: { id: 1, revision: "a" } },
        { kind: "history", appUid: "u", key: "2", payload: { id: 2, revision: "b" } },
      ]);
      expect(
        store.upsert([
          { kind: "history", appUid: "u", key: "1", payload: { id: 1, revision: "a2" } },
          { kind: "history", appUid: "u", key: "3", payload: { id: 3, revision: "c" } },
        ]),
      ).toBe(2);
      // put still ignores a kept key after an upsert.
      expect(store.put([{ kind: "history", appUid: "u", key: "1", payload: { id: 1, revision: "zzz" } }])).toBe(0);
      expect(
        reopen()
          .load("history", History)
          .records.map((r) => [r.key, r.payload.revision]),
      ).toEqual([
        ["1", "a2"],
        ["2", "b"],
        ["3", "c"],
      ]);
    });

    test("payloads that do not match the caller's schema are skipped and counted, never returned", () => {
      const { store } = make();
      store.put([
        { kind: "operation", appUid: "u", key: "a", payload: { phase: "Failed", finishedAt: "t" } },
        { kind: "operation", appUid: "u", key: "b", payload: { phase: "Succeeded", finishedAt: "t" } },
        { kind: "operation", appUid: "u", key: "c", payload: null },
      ]);
      const loaded = store.load("operation", Failed);
      expect(loaded.records.map((r) => r.key)).toEqual(["a"]);
      expect(loaded.invalid).toBe(2);
    });

    test("a payload that is not JSON is refused before anything of the batch is written", () => {
      const { store } = make();
      expect(() =>
        store.put([
          { kind: "k", appUid: "u", key: "1", payload: 1 },
          { kind: "k", appUid: "u", key: "2", payload: undefined },
        ]),
      ).toThrow("payload is not JSON");
      expect(store.load("k", v.number()).records).toEqual([]);
    });
  });
}

test("state file: a put is committed when it returns, so kill -9 right after it loses nothing", async () => {
  const path = tmpFile();
  // A child process puts, says so, and is killed with SIGKILL without closing anything.
  const script = `
    import { openStateDb } from "${join(ROOT, "src/state/db.ts")}";
    import { SqliteObservationStore } from "${join(ROOT, "src/state/observations.ts")}";
    import { silentLogger } from "${join(ROOT, "src/log.ts")}";
    const db = openStateDb({ path: ${JSON.stringify(path)}, woodpeckerUrl: ${JSON.stringify(URL)}, log: silentLogger, \
now: () => 0 });
    const s = new SqliteObservationStore(db);
    for (let i = 0; i < 200; i++) s.put([{ kind: "history", appUid: "u", key: String(i), payload: { id: i, revision: \
"r" } }]);
    console.log("put");
    setInterval(() => {}, 1000);
  `;
  const file = join(path, "..", "child.ts");
  await Bun.write(file, script);
  const child = Bun.spawn(["bun", file], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain("put");
  child.kill("SIGKILL");
  await child.exited;
  const db = open(path);
  expect(new SqliteObservationStore(db).load("history", History).records).toHaveLength(200);
  db.close(false);
});
