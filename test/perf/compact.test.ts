// The compact pipeline store (src/collector/compact.ts) gives the core exactly what the full
// objects gave it: computeRepoDora over the compact history equals computeRepoDora over the
// complete history, for random Woodpecker histories (restarts, deployment chains, reused numbers,
// stale snapshots, rules, DORA_SINCE), fed to a RepoHistory in any order and in several polls.
// No timing here: speed and memory are measured by `bun run bench`.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { anyStoredNumber } from "./any-number.ts";
import { PipelineStore } from "../../src/collector/compact.ts";
import { RepoHistory } from "../../src/collector/repo-history.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import { mergePipeline } from "../../src/core/merge.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { REPO, historyArb, type History } from "../core/history-arb.ts";
import { fcParams } from "../core/property-params.ts";

// 1,500 random histories take ~2.5 s alone and timed out at the default 5 s on a machine shared
// with other test runs: the property is what is checked here, not its speed.
setDefaultTimeout(60_000);

/** Woodpecker sends 40-digit hex SHAs; the arbitrary's commits are short names. Map half the runs. */
function hexCommits(h: History): History {
  const sha = (c: string) => new Bun.CryptoHasher("sha1").update(c).digest("hex");
  const map = (p: Pipeline): Pipeline => ({ ...p, commit: sha(p.commit) });
  return { ...h, finals: h.finals.map(map), snapshots: h.snapshots.map(map) };
}

const arb = fc
  .tuple(historyArb, fc.boolean())
  .map(([h, hex]) => (hex ? hexCommits(h) : h))
  .chain((h) => {
    const all = [...h.snapshots, ...h.finals];
    return fc.tuple(
      fc.constant(h),
      fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
      fc.array(fc.nat(Math.max(1, all.length)), { maxLength: 4 }),
    );
  });

describe("compact storage", () => {
  test("RepoHistory (compact) feeds the core the same RepoState as the complete history", () => {
    fc.assert(
      fc.property(arb, ([h, shuffled, cuts]) => {
        const history = new RepoHistory();
        // Several polls: the state is computed between them, as the poller does.
        const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, shuffled.length)), shuffled.length])].sort(
          (a, b) => a - b,
        );
        for (let i = 1; i < bounds.length; i++) {
          for (const p of shuffled.slice(bounds[i - 1], bounds[i])) history.ingest(p);
          computeRepoDora(REPO, history.pipelines.values(), h.options);
        }
        const full = computeRepoDora(REPO, h.finals, h.options);
        expect(computeRepoDora(REPO, history.pipelines.values(), h.options)).toEqual(full);
      }),
      fcParams(1500),
    );
  });

  test("the store is lossless: what was set is what comes back, for any field values", () => {
    const num = anyStoredNumber;
    const str = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.stringMatching(/^[0-9a-f]{40}$/),
      fc.stringMatching(/^[0-9A-Fa-f]{40}$/),
      fc.constantFrom("", "main", "push", "deployment", "success"),
    );
    const pipeline = fc.record({
      id: fc.oneof(fc.nat(50), num),
      number: num,
      parent: num,
      event: str,
      status: str,
      created: num,
      updated: num,
      started: num,
      finished: num,
      branch: str,
      commit: str,
      ref: str,
      deployTo: str,
      message: fc.oneof(str, fc.string()),
    });
    fc.assert(
      fc.property(fc.array(pipeline, { maxLength: 80 }), (ps) => {
        const store = new PipelineStore();
        const expected = new Map<number, Pipeline>();
        for (const p of ps) {
          store.set(p.id, p);
          expected.set(p.id, p);
        }
        expect(store.size).toBe(expected.size);
        for (const [id, p] of expected) expect(store.get(id)).toEqual(p);
        expect([...store.values()]).toEqual([...expected.values()]);
      }),
      fcParams(500),
    );
  });

  test("a commit's SHA is held once per repo: rows share it, widening past 255 and 65,535 distinct SHAs", () => {
    const store = new PipelineStore();
    const made: Pipeline[] = [];
    const sha = (k: number) => new Bun.CryptoHasher("sha1").update(String(k)).digest("hex");
    // SHAs equal in their first 8 digits (the table's hash) but not after: never taken for one another.
    const twin = (k: number) => `deadbeef${k.toString(16).padStart(32, "0")}`;
    for (let i = 1; i <= 140_000; i++) {
      const p: Pipeline = {
        id: i,
        number: i,
        parent: 0,
        event: i % 2 ? "push" : "deployment",
        status: "success",
        created: 1_780_000_000 + i,
        updated: 0,
        started: 0,
        finished: 0,
        branch: "main",
        commit: i % 10 === 0 ? twin(i % 300) : sha(i % 70_000), // each SHA on two rows
        ref: "refs/heads/main",
        deployTo: i % 2 ? "" : "production",
        message: "",
      };
      store.set(p.id, p);
      made.push(p);
    }
    expect(store.size).toBe(made.length);
    for (const i of [0, 255, 256, 65_535, 65_536, 69_999, 70_000, 139_999])
      expect(store.get(made[i]!.id)).toEqual(made[i]);
    expect([...store.values()]).toEqual(made);
    // Less than 20 bytes of SHA on every row (what it took before), even at 4 bytes of reference a row.
    expect(store.columnBytes()).toBeLessThan(140_000 * (7 * 4 + 6 + 20 + 1) + 2 ** 18 * 4);
  });

  test("the string column widens without altering stored values; numbers past uint32 are refused", () => {
    const store = new PipelineStore();
    const made: Pipeline[] = [];
    for (let i = 1; i <= 70_000; i++) {
      const p: Pipeline = {
        id: i,
        number: i,
        parent: i - 1,
        event: "push",
        status: "success",
        created: 1_780_000_000 + i,
        updated: 0,
        started: 0,
        finished: 0,
        branch: `feature/${i}`,
        commit: i % 2 ? `c${i}` : i.toString(16).padStart(40, "0"),
        ref: "refs/heads/x",
        deployTo: "",
        message: i % 50 ? `fix ${i}\n` : "", // > 65,535 distinct: the message column widens twice
      };
      store.set(p.id, p);
      made.push(p);
    }
    const edge: Pipeline = {
      ...made[0]!,
      id: 0xffffffff,
      number: 0xffffffff,
      created: 0xffffffff,
      finished: 0xffffffff,
    };
    store.set(edge.id, edge);
    made.push(edge);
    expect(store.size).toBe(made.length);
    for (const p of [made[0]!, made[255]!, made[256]!, made[65_535]!, made[69_999]!, edge])
      expect(store.get(p.id)).toEqual(p);
    expect([...store.values()]).toEqual(made);
    // The client's schema admits only uint32 (woodpecker/schemas.ts); anything else is a caller bug.
    for (const odd of [
      { id: 2 ** 40 },
      { number: -1 },
      { created: 1.5 },
      { finished: 2 ** 33 },
      { updated: Number.NaN },
    ]) {
      const p = { ...made[1]!, id: 5, ...odd };
      expect(() => store.set(p.id, p)).toThrow(RangeError);
    }
    expect(store.size).toBe(made.length);
  });

  test("ingest merges against the compact row exactly as against the object", () => {
    fc.assert(
      fc.property(arb, ([_h, shuffled]) => {
        const history = new RepoHistory();
        const reference = new Map<number, Pipeline>();
        for (const p of shuffled) {
          history.ingest(p);
          const known = reference.get(p.id);
          reference.set(p.id, known ? mergePipeline(known, p) : p);
        }
        const byId = new Map([...history.pipelines.values()].map((p) => [p.id, p]));
        expect(byId).toEqual(reference);
      }),
      fcParams(500),
    );
  });
});
