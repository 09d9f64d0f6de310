// DORA_SHARD end to end: three compiled binaries (shards 0/3, 1/3, 2/3) and one unsharded binary
// against the same simulated Woodpecker. The union of the shards' DORA samples equals the
// unsharded exporter's, each sample is on exactly one shard, and dora_repos adds up.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BenchWoodpecker, bulkLoad } from "../../bench/bulk.ts";
import { generateHistory, serveSimulator, type ServedSimulator } from "../../src/simulator/index.ts";
import { samples, startExporterProcess, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";

const TOKEN = "shard-e2e-token-4c1d";
const END = 1_788_220_800;

setDefaultTimeout(60_000);

let served: ServedSimulator;
const running: ExporterProcess[] = [];

beforeAll(() => {
  const sim = new BenchWoodpecker({ token: TOKEN, now: () => END + 3600 });
  bulkLoad(sim, { repos: 30, pipelinesPerRepo: 100, end: END - 30 * 86400, seed: 11 });
  generateHistory(sim, { seed: 7, days: 21, end: END });
  served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  for (const p of running) if (p.proc.exitCode === null) await p.stop("SIGKILL");
  served?.stop();
});

async function run(shard?: string): Promise<Map<string, number>> {
  const p = await startExporterProcess({
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: TOKEN,
    DORA_POLL_INTERVAL: "3600",
    ...(shard ? { DORA_SHARD: shard } : {}),
  });
  running.push(p);
  await waitReady(p.url);
  const text = await (await fetch(p.url + "/metrics")).text();
  if (shard) expect(p.logs.some((l) => l.includes(`"shard":"${shard}"`))).toBe(true);
  await p.stop();
  return samples(text);
}

describe("DORA_SHARD with compiled binaries", () => {
  test("the union of 3 shards' DORA samples equals one unsharded exporter's", async () => {
    const [all, ...shards] = await Promise.all([run(), run("0/3"), run("1/3"), run("2/3")]);
    const dora = (m: Map<string, number>) => new Map([...m].filter(([k]) => /^dora_[a-z_]+\{.*\brepo="/.test(k)));
    const expected = dora(all!);
    expect(expected.size).toBeGreaterThan(500);
    const union = new Map<string, number>();
    for (const s of shards) {
      const part = dora(s);
      expect(part.size).toBeGreaterThan(0);
      for (const [k, v] of part) {
        expect(union.has(k)).toBe(false); // no series on two shards
        union.set(k, v);
      }
    }
    expect(new Map([...union].sort())).toEqual(new Map([...expected].sort()));
    expect(shards.reduce((a, s) => a + s.get("dora_repos")!, 0)).toBe(all!.get("dora_repos")!);
  });
});
