// Whatever the state, /metrics never emits one label set twice (issue 9; DEFINITIONS: "never two
// series with one label set, in any exposition"). This test tries hard to make it: random
// sequences of repo states under colliding labels (a repo re-created under its old name, names
// swapped, removals), with scrapes started in the middle of changes, against both ways the
// exporter renders DORA series (metrics/cache.ts and metrics/dora-metrics.ts). A repo that takes a
// label takes it whole: the series of the repo that held it go (as the poller removes or relabels
// that repo in the same step), and each label shows exactly the series of its last taker.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Registry } from "prom-client";
import type { RepoState, TargetState } from "../../src/core/state.ts";
import { CachedRegistry, DoraSeriesCache } from "../../src/metrics/cache.ts";
import { DoraMetrics } from "../../src/metrics/dora-metrics.ts";
import { duplicateSeries } from "./harness.ts";
import { reliabilityParams } from "./params.ts";

const LABELS = ["acme/app", "acme/web", "other/app"];

function target(name: string, n: number): TargetState {
  return {
    target: name,
    attempts: [],
    rework: [],
    deployments: n,
    failures: n % 3,
    lastSuccessAt: 1_780_000_000 + n,
    lastFailureAt: 0,
    incidents: [],
    failingSince: 0,
    restoreSeconds: n % 2 ? [60 * n] : [],
    leadTimes: [{ deploymentNumber: n, deployedAt: 1_780_000_000, changeNumber: null, seconds: 100 * n }],
    leadTimeSourceMissing: 1,
  };
}

type Op =
  | { t: "set"; id: number; label: string; n: number; targets: string[] }
  | { t: "remove"; id: number }
  | { t: "scrape" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("set" as const),
    id: fc.integer({ min: 1, max: 4 }),
    label: fc.constantFrom(...LABELS),
    n: fc.integer({ min: 1, max: 50 }),
    targets: fc.subarray(["production", "staging", "default"], { minLength: 0 }),
  }),
  fc.record({ t: fc.constant("remove" as const), id: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ t: "scrape" as const }),
);

const stateOf = (op: Extract<Op, { t: "set" }>): RepoState => ({
  repoId: op.id,
  mode: "deployment-events",
  targets: op.targets.map((name) => target(name, op.n)),
});

/** What must be served: the model's repos (one per label), rendered one by one in a registry each. */
async function expected(model: Map<number, { label: string; state: RepoState }>): Promise<string[]> {
  const out: string[] = [];
  for (const [id, m] of model) {
    const registry = new Registry();
    new DoraMetrics(registry).setRepo(id, m.label, m.state);
    out.push(...samples(await registry.metrics()));
  }
  return out.sort();
}

function samples(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .sort();
}

describe("no duplicate label set in any exposition", () => {
  test(
    "random repo states under colliding labels, " + "scrapes mid-change: the cached /metrics and DoraMetrics",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
          const cache = new DoraSeriesCache();
          const cached = new CachedRegistry(cache);
          const plainRegistry = new Registry();
          const plain = new DoraMetrics(plainRegistry);
          const model = new Map<number, { label: string; state: RepoState }>();
          const inFlight: Promise<string>[] = [];
          for (const op of ops) {
            if (op.t === "scrape") {
              inFlight.push(cached.metrics()); // not awaited: later changes land while it renders
              expect(duplicateSeries(await plainRegistry.metrics())).toEqual([]);
              continue;
            }
            if (op.t === "set") {
              cache.setRepo(op.id, op.label, stateOf(op));
              plain.setRepo(op.id, op.label, stateOf(op));
              for (const [id, m] of model) if (m.label === op.label) model.delete(id);
              model.set(op.id, { label: op.label, state: stateOf(op) });
            } else {
              cache.removeRepo(op.id);
              plain.removeRepo(op.id);
              model.delete(op.id);
            }
          }
          for (const text of await Promise.all(inFlight)) expect(duplicateSeries(text)).toEqual([]);
          const want = await expected(model);
          const gotCached = await cached.metrics();
          expect(duplicateSeries(gotCached)).toEqual([]);
          expect(samples(gotCached)).toEqual(want);
          const gotPlain = await plainRegistry.metrics();
          expect(duplicateSeries(gotPlain)).toEqual([]);
          expect(samples(gotPlain)).toEqual(want);
        }),
        reliabilityParams(150, "exposition-guard"),
      );
    },
  );

  test("a repo re-created under its old name while the old id still has series: one set, the newer", async () => {
    const cache = new DoraSeriesCache();
    const cached = new CachedRegistry(cache);
    cache.setRepo(1, "acme/app", stateOf({ t: "set", id: 1, label: "acme/app", n: 7, targets: ["production"] }));
    cache.setRepo(2, "acme/app", stateOf({ t: "set", id: 2, label: "acme/app", n: 2, targets: ["production"] }));
    const text = await cached.metrics();
    expect(duplicateSeries(text)).toEqual([]);
    expect(text).toContain('dora_deployments_total{repo="acme/app",deploy_to="production"} 2\n');
    const registry = new Registry();
    const plain = new DoraMetrics(registry);
    plain.setRepo(1, "acme/app", stateOf({ t: "set", id: 1, label: "acme/app", n: 7, targets: ["production"] }));
    plain.setRepo(2, "acme/app", stateOf({ t: "set", id: 2, label: "acme/app", n: 2, targets: ["production"] }));
    // Not 9: one series never sums two repos either.
    expect(await registry.metrics()).toContain('dora_deployments_total{repo="acme/app",deploy_to="production"} 2\n');
  });
});
