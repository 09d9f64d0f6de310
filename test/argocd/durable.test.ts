// The ArgoCD source with a durable store of its facts: what ArgoCD forgets (history beyond
// revisionHistoryLimit, a failed operation a later one replaced) survives a restart that reloads
// the records; a restart without them counts only what ArgoCD still shows (first contact).
import { afterEach, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ArgoCDClient } from "../../src/argocd/client.ts";
import {
  EntryFactSchema,
  FailedSyncFactSchema,
  HealthFactSchema,
  factRecords,
  factsFromRecords,
  KIND_ENTRY,
  KIND_FAILED_SYNC,
  KIND_HEALTH,
  type FactRecord,
} from "../../src/argocd/durable.ts";
import { pushCommitIndex } from "../../src/argocd/mapping.ts";
import { factsToJson } from "../../src/argocd/observe.ts";
import { ArgoSource } from "../../src/collector/argocd-source.ts";
import { silentLogger } from "../../src/log.ts";
import { serveArgoCD } from "../../src/simulator/argocd/serve.ts";
import { makeArgo, T0, TOKEN } from "./helpers.ts";

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A store keeping the last record per (appUid, kind, key), as the state file's upsert does. */
class RecordStore {
  readonly rows = new Map<string, FactRecord>();
  writes = 0;
  put(records: readonly FactRecord[]) {
    this.writes++;
    for (const r of records) this.rows.set(`${r.appUid}\u0000${r.kind}\u0000${r.key}`, JSON.parse(JSON.stringify(r)));
  }
  load() {
    const of = <T>(kind: string, schema: v.GenericSchema<unknown, T>) =>
      [...this.rows.values()].filter((r) => r.kind === kind).map((r) => v.parse(schema, r.payload));
    return factsFromRecords(
      of(KIND_ENTRY, EntryFactSchema),
      of(KIND_FAILED_SYNC, FailedSyncFactSchema),
      of(KIND_HEALTH, HealthFactSchema),
    );
  }
}

function count(source: ArgoSource, poll: Awaited<ReturnType<ArgoSource["poll"]>>) {
  const events = [...poll.unmapped.values()].flatMap((i) => i.events);
  return {
    deployments: events.filter((e) => e.kind === "deployment").length,
    failures: events.filter((e) => e.kind === "failure").length,
    keys: events.map((e) => e.key).sort(),
    facts: factsToJson(source.allFacts),
  };
}

describe("ArgoCD facts across restarts", () => {
  test(
    "with the kept records: nothing lower, nothing " + "lost, nothing counted twice; without: first contact",
    async () => {
      const { state, clock } = makeArgo();
      const served = serveArgoCD(state);
      stops.push(() => served.stop());
      state.addApp({
        name: "shop",
        repoURL: "https://git.example.com/acme/shop-deploy.git",
        revisionHistoryLimit: 2,
        health: "Missing",
      });
      const client = new ArgoCDClient({ baseUrl: served.url, token: TOKEN, timeoutMs: 2000, retries: 0 });
      const store = new RecordStore();
      const make = (initial?: ReturnType<RecordStore["load"]>) =>
        new ArgoSource({
          client,
          apps: [],
          selector: null,
          degradedWindow: 3600,
          blocks: [],
          log: silentLogger,
          watch: false,
          initialFacts: initial,
          persist: (changes) => store.put(factRecords(changes)),
        });
      const poll = (s: ArgoSource) => s.poll([], pushCommitIndex([]));

      const first = make();
      for (let i = 0; i < 4; i++) {
        clock.t = T0 + i * 1000;
        state.sync("shop", {
          revision: `r${i}`,
          images: [`reg/acme/shop:${String(i).repeat(7)}`],
          outcome: i === 2 ? "Failed" : "Succeeded",
        });
        await poll(first);
      }
      const before = count(first, await poll(first));
      expect(before.deployments).toBe(3);
      expect(before.failures).toBe(1);
      // ArgoCD itself now shows 2 entries and no failed operation.
      expect((state.json(state.get("shop")!).status as { history: unknown[] }).history).toHaveLength(2);

      // kill -9 here: a process keeps nothing; the store has every fact written before it was exposed.
      const restarted = make(store.load());
      const after = count(restarted, await poll(restarted));
      expect(after).toEqual(before);
      const writes = store.writes;
      await poll(restarted);
      expect(store.writes).toBe(writes); // nothing new: nothing written again

      // A new sighting after the restart does not replace what the first sighting recorded.
      clock.t = T0 + 9000;
      state.sync("shop", { revision: "r9", images: ["reg/acme/shop:9999999"] });
      const later = count(restarted, await poll(restarted));
      expect(later.deployments).toBe(4);
      expect(later.facts.entries.filter((e) => before.facts.entries.some((b) => b.id === e.id))).toEqual(
        before.facts.entries,
      );

      // Without the records: what ArgoCD still shows (2 entries, no failure).
      const fresh = make();
      const firstContact = count(fresh, await poll(fresh));
      expect(firstContact.deployments).toBe(2);
      expect(firstContact.failures).toBe(0);
    },
  );

  test("a failing durable write throws and keeps the facts for the next write", async () => {
    const { state } = makeArgo();
    const served = serveArgoCD(state);
    stops.push(() => served.stop());
    state.addApp({ name: "shop", health: "Missing" });
    state.sync("shop", { revision: "r1" });
    let fail = true;
    const written: FactRecord[] = [];
    const source = new ArgoSource({
      client: new ArgoCDClient({ baseUrl: served.url, token: TOKEN, timeoutMs: 2000, retries: 0 }),
      apps: [],
      selector: null,
      degradedWindow: 3600,
      blocks: [],
      log: silentLogger,
      watch: false,
      persist: (changes) => {
        if (fail) throw new Error("disk full");
        written.push(...factRecords(changes));
      },
    });
    await expect(source.poll([], pushCommitIndex([]))).rejects.toThrow("disk full");
    fail = false;
    await source.poll([], pushCommitIndex([]));
    expect(written.filter((r) => r.kind === KIND_ENTRY)).toHaveLength(1);
  });
});
