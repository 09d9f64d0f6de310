// Properties of the observation model over random GitOps activity on the simulated ArgoCD:
// the same sightings in any order, any split, or repeated give the same facts and observations,
// and when every state was sighted the observations are exactly what the activity was.
import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  addSighting,
  deriveObservations,
  emptyFacts,
  emptyMutableFacts,
  factsToJson,
  mergeFacts,
  mergeInto,
  snapshotFacts,
  type Facts,
} from "../../src/argocd/observe.ts";
import type { ArgoApp } from "../../src/argocd/schemas.ts";
import { fcParams } from "../core/property-params.ts";
import { makeArgo, sight } from "./helpers.ts";

type Action =
  | {
      kind: "sync";
      app: number;
      rev: string;
      outcome: "Succeeded" | "Failed" | "Error";
      dryRun: boolean;
      partial: boolean;
      retries: number;
      dt: number;
    }
  | { kind: "health"; app: number; status: "Healthy" | "Degraded" | "Progressing"; dt: number }
  | { kind: "limit"; app: number; limit: number; dt: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("sync" as const),
    app: fc.integer({ min: 0, max: 1 }),
    rev: fc.constantFrom("r1", "r2", "r3"),
    outcome: fc.constantFrom("Succeeded" as const, "Succeeded" as const, "Failed" as const, "Error" as const),
    dryRun: fc.boolean(),
    partial: fc.boolean(),
    retries: fc.integer({ min: 0, max: 2 }),
    dt: fc.integer({ min: 1, max: 2000 }),
  }),
  fc.record({
    kind: fc.constant("health" as const),
    app: fc.integer({ min: 0, max: 1 }),
    status: fc.constantFrom("Healthy" as const, "Degraded" as const, "Progressing" as const),
    dt: fc.integer({ min: 1, max: 2000 }),
  }),
  fc.record({
    kind: fc.constant("limit" as const),
    app: fc.integer({ min: 0, max: 1 }),
    limit: fc.integer({ min: 1, max: 4 }),
    dt: fc.integer({ min: 1, max: 50 }),
  }),
);

interface Sighting {
  app: ArgoApp;
  seenAt: number;
}

interface Run {
  sightings: Sighting[];
  /** What really happened, per app uid. */
  truth: Map<string, { revisions: string[]; failures: number }>;
}

/** Plays the actions; `seen[i]` says whether the state after action i was sighted (both apps). */
function play(actions: Action[], seen: boolean[]): Run {
  const { state, clock } = makeArgo();
  const names = ["api", "web"];
  for (const name of names) state.addApp({ name, health: "Missing", revisionHistoryLimit: 3 });
  const truth = new Map<string, { revisions: string[]; failures: number }>();
  for (const name of names) truth.set(state.get(name)!.uid, { revisions: [], failures: 0 });
  const sightings: Sighting[] = [];
  actions.forEach((a, i) => {
    clock.t += a.dt;
    const name = names[a.app] as string;
    const t = truth.get(state.get(name)!.uid)!;
    if (a.kind === "sync") {
      state.sync(name, {
        revision: a.rev,
        images: [`registry.example.com/acme/${name}:${a.rev}00000`],
        outcome: a.outcome,
        dryRun: a.dryRun,
        resources: a.partial ? [{ kind: "Deployment", name }] : undefined,
        retries: a.retries,
        duration: 5,
      });
      clock.t += 5;
      if (!a.dryRun && !a.partial) {
        if (a.outcome === "Succeeded") t.revisions.push(a.rev);
        else t.failures++;
      }
    } else if (a.kind === "health") state.setHealth(name, a.status);
    else state.setRevisionHistoryLimit(name, a.limit);
    if (seen[i] ?? true) for (const n of names) sightings.push({ app: sight(state, n), seenAt: i });
  });
  return { sightings, truth };
}

const fold = (ss: readonly Sighting[], start: Facts = emptyFacts()) =>
  ss.reduce((f, s) => addSighting(f, s.app, s.seenAt), start);
const same = (a: Facts, b: Facts) => expect(factsToJson(a)).toEqual(factsToJson(b));

const runArb = fc
  .array(actionArb, { minLength: 1, maxLength: 30 })
  .chain((actions) =>
    fc.tuple(fc.constant(actions), fc.array(fc.boolean(), { minLength: actions.length, maxLength: actions.length })),
  );

test("any order of the same sightings gives the same facts and observations", () => {
  fc.assert(
    fc.property(runArb, fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), ([actions, seen], keys) => {
      const { sightings } = play(actions, seen);
      const shuffled = sightings
        .map((s) => ({ s, k: keys.next().value as number }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.s);
      const a = fold(sightings);
      const b = fold(shuffled);
      same(a, b);
      expect(deriveObservations(a, 3600)).toEqual(deriveObservations(b, 3600));
    }),
    fcParams(150),
  );
});

test("any split of the sightings, merged, gives the same facts; merging is idempotent", () => {
  fc.assert(
    fc.property(runArb, fc.nat(), ([actions, seen], cut) => {
      const { sightings } = play(actions, seen);
      const k = sightings.length === 0 ? 0 : cut % (sightings.length + 1);
      const whole = fold(sightings);
      same(mergeFacts(fold(sightings.slice(0, k)), fold(sightings.slice(k))), whole);
      same(mergeFacts(fold(sightings.slice(k)), fold(sightings.slice(0, k))), whole);
      same(mergeFacts(whole, whole), whole);
      same(fold(sightings, whole), whole);
      // Associativity on three parts.
      const k2 = Math.floor((k + sightings.length) / 2);
      const [p, q, r] = [sightings.slice(0, k), sightings.slice(k, k2), sightings.slice(k2)].map((x) => fold(x)) as [
        Facts,
        Facts,
        Facts,
      ];
      same(mergeFacts(mergeFacts(p, q), r), mergeFacts(p, mergeFacts(q, r)));
    }),
    fcParams(150),
  );
});

test("with every state sighted, observations are exactly the activity", () => {
  fc.assert(
    fc.property(fc.array(actionArb, { minLength: 1, maxLength: 40 }), (actions) => {
      const { sightings, truth } = play(actions, []);
      const obs = deriveObservations(fold(sightings), 3600);
      for (const [uid, t] of truth) {
        const deployments = obs.filter((o) => o.kind === "deployment" && o.uid === uid);
        const expected = t.revisions.filter((r, i) => i === 0 || r !== t.revisions[i - 1]);
        expect(deployments.map((d) => (d.kind === "deployment" ? d.revisions[0] : ""))).toEqual(expected);
        const failures = obs.filter((o) => o.kind === "failure" && o.uid === uid);
        expect(failures.filter((f) => f.kind === "failure" && f.cause === "sync")).toHaveLength(t.failures);
        const degradations = failures.filter((f) => f.kind === "failure" && f.cause === "degraded");
        expect(degradations.length).toBeLessThanOrEqual(deployments.length);
        expect(new Set(degradations.map((d) => (d.kind === "failure" ? d.ref : -1))).size).toBe(degradations.length);
      }
    }),
    fcParams(150),
  );
});

test("mergeInto grows one set in place to the same facts, and reports exactly what changed", () => {
  fc.assert(
    fc.property(runArb, fc.nat(), ([actions, seen], cut) => {
      const { sightings } = play(actions, seen);
      const set = emptyMutableFacts();
      const written = new Map<string, unknown>();
      // Sightings out of order too: a later one first, then the rest.
      const k = sightings.length === 0 ? 0 : cut % sightings.length;
      for (const s of [...sightings.slice(k), ...sightings.slice(0, k)]) {
        for (const ch of mergeInto(set, snapshotFacts(s.app, s.seenAt))) written.set(ch.key, ch.fact);
      }
      same(set, fold(sightings));
      // What was written, last write per key, is the whole set: a store fed the changes has it all.
      const all = [...set.entries, ...set.failedSyncs, ...set.health];
      expect(written.size).toBe(all.length);
      for (const [key, fact] of all) expect(written.get(key)).toBe(fact);
      // Nothing new: nothing to write.
      for (const s of sightings) expect(mergeInto(set, snapshotFacts(s.app, s.seenAt))).toEqual([]);
    }),
    fcParams(150),
  );
});
