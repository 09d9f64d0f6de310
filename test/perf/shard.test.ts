// DORA_SHARD=k/n: the union of n shards' DORA series equals one unsharded exporter's, with every
// series on exactly one shard. In process: each "exporter" is a Poller + DoraMetrics + Registry
// against the same simulated Woodpecker (bulk mix of bench/bulk.ts plus the generator's awkward
// cases: renames, reused numbers, an inactive repo, running pipelines).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BenchWoodpecker, bulkLoad } from "../../bench/bulk.ts";
import { inShard, shardOf, type Shard } from "../../src/collector/shard.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createExporterCore } from "../../src/exporter.ts";
import { silentLogger } from "../../src/log.ts";
import { generateHistory, simulatorFetch } from "../../src/simulator/index.ts";
import { fcParams } from "../core/property-params.ts";

const TOKEN = "shard-test-token";
const END = 1_780_000_000;

function world() {
  const sim = new BenchWoodpecker({ token: TOKEN, admin: true, now: () => END + 3600 });
  bulkLoad(sim, { repos: 40, pipelinesPerRepo: 120, end: END - 40 * 86400, seed: 3 });
  generateHistory(sim, { seed: 7, days: 28, end: END });
  return sim;
}

/** One exporter's DORA series (sorted sample lines), optionally as one shard: the binary's core. */
async function doraSeries(sim: BenchWoodpecker, shard: Shard | null): Promise<{ lines: string[]; repos: number }> {
  const config = loadConfig({
    WOODPECKER_URL: "http://woodpecker.test",
    WOODPECKER_TOKEN: TOKEN,
    DORA_SHARD: shard ? `${shard.index}/${shard.count}` : undefined,
  });
  const core = createExporterCore(config, {
    log: silentLogger,
    now: () => (END + 3600) * 1000,
    client: { timeoutMs: 5000, retries: 0 },
    fetch: simulatorFetch(sim) as typeof fetch,
  });
  expect(await core.poll()).toBe(true);
  const text = await core.scrape();
  // The DORA series carry a repo label; the health series (dora_repos, …) differ per shard by design.
  const lines = text.split("\n").filter((l) => l.startsWith("dora_") && l.includes('repo="'));
  return { lines: lines.sort(), repos: core.poller.status.trackedRepos };
}

describe("DORA_SHARD", () => {
  test("every repo id belongs to exactly one of n shards, and always the same one", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: 1024 }), (id, n) => {
        const owners = Array.from({ length: n }, (_, k) => k).filter((k) => inShard(id, { index: k, count: n }));
        expect(owners).toEqual([shardOf(id, n)]);
        expect(inShard(id, null)).toBe(true);
      }),
      fcParams(300),
    );
    // Pinned values: the hash is part of the operator contract (a repo must not move on upgrade).
    expect([1, 2, 3, 42, 1000, 123456].map((id) => shardOf(id, 4))).toEqual([0, 1, 2, 3, 0, 2]);
    expect([1, 2, 3, 42, 1000, 123456].map((id) => shardOf(id, 3))).toEqual([1, 1, 2, 2, 1, 0]);
  });

  test.each([2, 3])("the union of %d shards' series equals one unsharded exporter's", async (n) => {
    const sim = world();
    const all = await doraSeries(sim, null);
    expect(all.lines.length).toBeGreaterThan(1000);
    const shards = [];
    for (let k = 0; k < n; k++) shards.push(await doraSeries(sim, { index: k, count: n }));
    // Every shard got some repos, and together exactly the unsharded set.
    for (const s of shards) expect(s.repos).toBeGreaterThan(0);
    expect(shards.reduce((a, s) => a + s.repos, 0)).toBe(all.repos);
    // Series are disjoint between shards (by repo label) and their union is the unsharded set.
    const repoOf = (line: string) => /repo="([^"]*)"/.exec(line)![1];
    const owner = new Map<string, number>();
    shards.forEach((s, k) => {
      for (const l of s.lines) {
        const r = repoOf(l)!;
        expect(owner.get(r) ?? k).toBe(k);
        owner.set(r, k);
      }
    });
    expect(shards.flatMap((s) => s.lines).sort()).toEqual(all.lines);
  });
});
