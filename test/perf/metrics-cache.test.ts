// The cached /metrics (src/metrics/cache.ts) is byte-for-byte what one plain registry gives, and
// never serves DORA series older than the last change; live gauges stay live.
import { describe, expect, test } from "bun:test";
import { Gauge, Registry } from "prom-client";
import type { RepoState, TargetState } from "../../src/core/state.ts";
import { CachedRegistry, DoraSeriesCache } from "../../src/metrics/cache.ts";
import { DoraMetrics } from "../../src/metrics/dora-metrics.ts";

function target(name: string, deployments: number): TargetState {
  return {
    target: name,
    attempts: [],
    deployments,
    failures: 1,
    lastSuccessAt: 1_780_000_000 + deployments,
    lastFailureAt: 1_780_000_000,
    incidents: [],
    failingSince: 0,
    restoreSeconds: [120, 7200],
    leadTimes: [{ deploymentNumber: 3, deployedAt: 1_780_000_000, changeNumber: 2, seconds: 4000 }],
    leadTimeSourceMissing: 0,
    rework: [],
  };
}

const state = (id: number, deployments: number): RepoState => ({
  repoId: id,
  mode: "deployment-events",
  targets: [target("production", deployments), target("staging", deployments * 2)],
});

/** The same metrics in a cached registry and in one plain registry, driven alike. */
function pair() {
  let live = 0;
  const cachedDora = new DoraSeriesCache();
  const cached = new CachedRegistry(cachedDora);
  const plain = new Registry();
  for (const reg of [cached, plain]) {
    new Gauge({
      name: "dora_woodpecker_up",
      help: "live",
      registers: [reg],
      collect() {
        this.set(live);
      },
    });
  }
  const plainDora = new DoraMetrics(plain);
  return {
    cached,
    plain,
    setLive: (v: number) => (live = v),
    setRepo: (id: number, name: string, s: RepoState) => {
      cachedDora.setRepo(id, name, s);
      plainDora.setRepo(id, name, s);
    },
  };
}

/** The same lines, whatever the order of the repos (the cache orders them by name). */
const lines = (text: string) => text.split("\n").sort();

describe("CachedRegistry", () => {
  test("metrics() and body() hold one plain registry's lines, through changes", async () => {
    const p = pair();
    const same = async () => {
      const expected = lines(await p.plain.metrics());
      expect(lines(await p.cached.metrics())).toEqual(expected);
      expect(lines(await (await p.cached.body()).text())).toEqual(expected);
    };
    await same();
    p.setRepo(1, "acme/a", state(1, 3));
    await same();
    await p.cached.warm();
    p.setRepo(2, "acme/b", state(2, 5));
    await same();
    p.setRepo(1, "acme/a-renamed", state(1, 4));
    await same();
    p.setLive(1); // a gauge computed at collect time is not cached
    await same();
    expect(await p.cached.metrics()).toContain("dora_woodpecker_up 1");
  });

  test.each([0, 3, 10, 40, 120, 400])(
    "changes %d microtasks into a render end up exactly as in one registry",
    async (ticks) => {
      const p = pair();
      for (let i = 1; i <= 30; i++) p.setRepo(i, `acme/r${i}`, state(i, i));
      const first = p.cached.warm(); // renders 30 repos, awaiting prom-client between families
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      p.setRepo(3, "acme/r3", state(3, 100)); // changed again mid-render
      p.setRepo(31, "acme/new", state(31, 1));
      await first;
      expect(lines(await p.cached.metrics())).toEqual(lines(await p.plain.metrics()));
      expect(lines(await (await p.cached.body()).text())).toEqual(lines(await p.plain.metrics()));
    },
  );

  test(
    "repos are served in name order, whatever order they " +
      "changed in: byte-identical to a registry fed in that " +
      "order",
    async () => {
      const p = pair();
      for (const [id, name] of [
        [3, "acme/c"],
        [1, "acme/a"],
        [2, "acme/b"],
      ] as const)
        p.setRepo(id, name, state(id, id));
      p.setRepo(1, "acme/a", state(1, 7)); // a later change must not move acme/a to the end
      const ordered = pair();
      for (const [id, name, n] of [
        [1, "acme/a", 7],
        [2, "acme/b", 2],
        [3, "acme/c", 3],
      ] as const)
        ordered.setRepo(id, name, state(id, n));
      expect(await p.cached.metrics()).toBe(await ordered.plain.metrics());
    },
  );

  test("concurrent scrapes right after a change all see the change", async () => {
    const p = pair();
    p.setRepo(1, "acme/a", state(1, 3));
    await p.cached.warm();
    p.setRepo(1, "acme/a", state(1, 9));
    const texts = await Promise.all([p.cached.metrics(), p.cached.metrics(), p.cached.body().then((b) => b.text())]);
    for (const t of texts) expect(t).toContain('dora_deployments_total{repo="acme/a",deploy_to="production"} 9');
  });
});
