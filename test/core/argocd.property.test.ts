// Properties of the core with ArgoCD events included: the state is a function of the set of
// pipeline snapshots and the set of events, whatever their order and however they were split
// between polls; and the packed form of such a state is lossless.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ArgoEvent } from "../../src/core/argocd.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import { packRepoState, unpackRepoState } from "../../src/core/packed-state.ts";
import { REPO, historyArb, type History } from "./history-arb.ts";
import { fcParams } from "./property-params.ts";

const RUNS = 1000;
// Generous: the machine running the suite may be busy; fast-check's run count is the real bound.
const TIMEOUT = 60_000;
const APPS = ["default/shop", "default/api", "ops/shop"] as const;
const TARGETS = ["production", "shop", "staging"] as const;

/** Events on the same clock as the history (created grows by 0..50 per action), with keys unique. */
function eventsArb(h: History): fc.Arbitrary<ArgoEvent[]> {
  const found = [...new Set(h.finals.map((p) => p.commit))];
  const commits = found.length > 0 ? found : ["c0"];
  const maxTime = Math.max(100, ...h.finals.map((p) => p.finished || p.created));
  const one = fc.record({
    kind: fc.constantFrom<ArgoEvent["kind"]>("deployment", "deployment", "failure", "restore"),
    target: fc.constantFrom(...TARGETS),
    app: fc.constantFrom(...APPS),
    // Coarse times so that ties between Woodpecker and ArgoCD, and among apps, are common.
    time: fc.nat(Math.ceil(maxTime / 50)).map((t) => t * 50),
    lag: fc.nat(200),
    order: fc.nat(5),
    images: fc.subarray(commits, { maxLength: Math.min(2, commits.length) }),
    revisions: fc.subarray([...commits, "x9"], { maxLength: 1 }),
  });
  return fc.array(one, { maxLength: 25 }).map((list) =>
    list.map((e, i) => ({
      kind: e.kind,
      target: e.target,
      app: e.app,
      key: `${e.app}/${e.kind}/${i}`,
      time: e.time,
      created: Math.max(0, e.time - e.lag),
      number: e.kind === "restore" ? 0 : e.order,
      order: e.order,
      imageCommits: e.kind === "deployment" ? e.images : [],
      revisions: e.kind === "deployment" ? e.revisions : [],
    })),
  );
}

const caseArb = historyArb.chain((h) => fc.tuple(fc.constant(h), eventsArb(h), fc.boolean()));

describe("properties of computeRepoDora with ArgoCD events", () => {
  test(
    "shuffled snapshots and shuffled events give the identical state",
    () => {
      const arb = caseArb.chain(([h, events, mapped]) => {
        const all = [...h.snapshots, ...h.finals];
        return fc.tuple(
          fc.constant(h),
          fc.constant(events),
          fc.constant(mapped),
          fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
          fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        );
      });
      fc.assert(
        fc.property(arb, ([h, events, mapped, pipelines, shuffled]) => {
          const want = computeRepoDora(REPO, h.finals, h.options, { mapped, events });
          expect(computeRepoDora(REPO, pipelines, h.options, { mapped, events: shuffled })).toEqual(want);
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  test(
    "events split over polls and seen again converge to the state of the whole set",
    () => {
      const arb = caseArb.chain(([h, events, mapped]) =>
        fc.tuple(
          fc.constant(h),
          fc.constant(events),
          fc.constant(mapped),
          fc.array(fc.nat(Math.max(0, events.length - 1)), { maxLength: 40 }),
        ),
      );
      fc.assert(
        fc.property(arb, ([h, events, mapped, picks]) => {
          // Polls see events repeatedly (a stream event and the next list show the same one): the shell
          // keeps them by key, so duplicates collapse; the union is the whole set.
          const byKey = new Map<string, ArgoEvent>();
          for (const i of picks) if (events[i]) byKey.set(events[i]!.key, events[i]!);
          for (const e of [...events].reverse()) byKey.set(e.key, e);
          const want = computeRepoDora(REPO, h.finals, h.options, { mapped, events });
          expect(computeRepoDora(REPO, h.finals, h.options, { mapped, events: [...byKey.values()] })).toEqual(want);
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  test(
    "invariants: attempts ordered; counts add up; incidents closed by restores never negative",
    () => {
      fc.assert(
        fc.property(caseArb, ([h, events, mapped]) => {
          const st = computeRepoDora(REPO, h.finals, h.options, { mapped, events });
          for (const t of st.targets) {
            expect(t.attempts.length).toBe(t.deployments + t.failures);
            for (let i = 1; i < t.attempts.length; i++)
              expect(t.attempts[i]!.time).toBeGreaterThanOrEqual(t.attempts[i - 1]!.time);
            for (const s of t.restoreSeconds) expect(s).toBeGreaterThanOrEqual(0);
            expect(t.leadTimes.filter((o) => o.changeNumber === null).length).toBe(t.leadTimeSourceMissing);
          }
          if (mapped && st.mode === "default-branch-push") throw new Error("a mapped repo kept default rule 2");
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  test(
    "packed states with ArgoCD attempts unpack to the same state",
    () => {
      fc.assert(
        fc.property(caseArb, ([h, events, mapped]) => {
          const st = computeRepoDora(REPO, h.finals, h.options, { mapped, events });
          expect(unpackRepoState(packRepoState(st))).toEqual(st);
        }),
        fcParams(300),
      );
    },
    TIMEOUT,
  );
});
