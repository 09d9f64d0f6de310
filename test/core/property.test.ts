// Property tests: the state is a pure function of the set of final snapshots, whatever the order,
// duplication and staleness of what the collector fed in.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { computeRepoDora } from "../../src/core/dora.ts";
import { mergePipeline } from "../../src/core/merge.ts";
import type { Pipeline } from "../../src/core/model.ts";
import type { RepoState } from "../../src/core/state.ts";
import { REPO, historyArb, type History } from "./history-arb.ts";
import { fcParams } from "./property-params.ts";
import { referenceDora } from "./reference.ts";

const RUNS = 3000;

const expected = (h: History): RepoState => computeRepoDora(REPO, h.finals, h.options);

describe("properties of computeRepoDora", () => {
  test("(a) shuffled input with stale and repeated snapshots gives the identical state", () => {
    const arb = historyArb.chain((h) => {
      const all = [...h.snapshots, ...h.finals];
      return fc.tuple(fc.constant(h), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
    });
    fc.assert(
      fc.property(arb, ([h, shuffled]) => {
        expect(computeRepoDora(REPO, shuffled, h.options)).toEqual(expected(h));
      }),
      fcParams(RUNS),
    );
  });

  test("(b) polls accumulated through mergePipeline converge to the complete history", () => {
    const arb = historyArb.chain((h) =>
      fc.tuple(
        fc.constant(h),
        fc.array(
          fc.array(fc.nat(Math.max(0, h.snapshots.length - 1)), { maxLength: h.snapshots.length === 0 ? 0 : 12 }),
          { maxLength: 8 },
        ),
        fc.nat(8),
      ),
    );
    fc.assert(
      fc.property(arb, ([h, randomPolls, at]) => {
        // A poll that brings every final snapshot no random poll brought, somewhere in the sequence.
        const seen = new Set(randomPolls.flat().map((i) => h.snapshots[i]!));
        const completion = h.finals.filter((p) => !seen.has(p));
        const polls: Pipeline[][] = randomPolls.map((poll) => poll.map((i) => h.snapshots[i]!));
        polls.splice(Math.min(at, polls.length), 0, completion);

        const want = expected(h);
        const acc = new Map<number, Pipeline>();
        const delivered = new Set<Pipeline>();
        const finals = new Set(h.finals);
        for (const poll of polls) {
          for (const p of poll) {
            const known = acc.get(p.id);
            acc.set(p.id, known ? mergePipeline(known, p) : p);
            if (finals.has(p)) delivered.add(p);
          }
          // Once every final snapshot arrived, later (stale, repeated) polls change nothing.
          if (delivered.size === finals.size) expect(computeRepoDora(REPO, acc.values(), h.options)).toEqual(want);
        }
        expect(delivered.size).toBe(finals.size);
        expect(computeRepoDora(REPO, acc.values(), h.options)).toEqual(want);
      }),
      fcParams(RUNS),
    );
  });

  test("(d) agrees with a naive reading of the definitions", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        expect(computeRepoDora(REPO, h.snapshots, h.options)).toEqual(referenceDora(REPO, h.snapshots, h.options));
      }),
      fcParams(RUNS),
    );
  });

  test("(c) structural invariants of the state", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const state = expected(h);
        const names = state.targets.map((t) => t.target);
        expect(names).toEqual([...new Set(names)].sort());
        const ids = state.targets.flatMap((t) => t.attempts.map((a) => a.pipelineId));
        expect(new Set(ids).size).toBe(ids.length); // one pipeline, one attempt, one target
        for (const t of state.targets) {
          expect(t.attempts.length).toBeGreaterThan(0);
          expect(t.deployments + t.failures).toBe(t.attempts.length);
          for (let i = 1; i < t.attempts.length; i++) {
            const [p, q] = [t.attempts[i - 1]!, t.attempts[i]!];
            expect(p.time < q.time || (p.time === q.time && p.number <= q.number)).toBe(true);
          }
          const closed = t.incidents.filter((x) => x.closedAt !== null);
          expect(t.restoreSeconds.length).toBe(closed.length);
          expect(t.incidents.slice(0, -1).every((x) => x.closedAt !== null)).toBe(true);
          expect(t.incidents.reduce((n, x) => n + x.failures, 0)).toBe(t.failures);
          expect(t.failingSince).toBe(t.incidents.at(-1)?.closedAt === null ? t.incidents.at(-1)!.openedAt : 0);
          expect(t.leadTimes.every((o) => o.seconds >= 0)).toBe(true);
          expect(t.leadTimes.filter((o) => o.changeNumber === null).length).toBe(t.leadTimeSourceMissing);
          // Every successful deployment either delivers something or is a rollback/redeploy; never
          // more observations than changes delivered once per target and branch.
          expect(t.leadTimes.length).toBeLessThanOrEqual(h.finals.length);
        }
      }),
      fcParams(RUNS),
    );
  });
});
