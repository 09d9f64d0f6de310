// Memory safety (src/memory.ts, issue 14): which limit applies (DORA_MEMORY_LIMIT, else the
// cgroup v2 or v1 limit), one warning per approach to it, and the expected use of a history.
import { describe, expect, test } from "bun:test";
import type { Logger } from "../../src/log.ts";
import { cgroupMemoryLimit, expectedMemory, memoryLimit, watchMemory } from "../../src/memory.ts";

const files = (map: Record<string, string>) => (path: string) => {
  const text = map[path];
  if (text === undefined) throw new Error(`ENOENT ${path}`);
  return text;
};
const V2 = "/sys/fs/cgroup/memory.max";
const V1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes";

describe("the limit", () => {
  test("cgroup v2 memory.max, then v1; unlimited or unreadable is none", () => {
    expect(cgroupMemoryLimit(files({ [V2]: "536870912\n" }))).toBe(536870912);
    expect(cgroupMemoryLimit(files({ [V2]: "max\n", [V1]: "1000" }))).toBeNull();
    expect(cgroupMemoryLimit(files({ [V1]: "268435456\n" }))).toBe(268435456);
    expect(cgroupMemoryLimit(files({ [V1]: "9223372036854771712\n" }))).toBeNull();
    expect(cgroupMemoryLimit(files({}))).toBeNull();
  });

  test("DORA_MEMORY_LIMIT wins over the cgroup", () => {
    expect(memoryLimit(2 ** 30, () => 2 ** 29)).toEqual({ bytes: 2 ** 30, from: "DORA_MEMORY_LIMIT" });
    expect(memoryLimit(null, () => 2 ** 29)).toEqual({ bytes: 2 ** 29, from: "cgroup" });
    expect(memoryLimit(null, () => null)).toBeNull();
  });
});

describe("the warning", () => {
  function watch(limit: number) {
    const warnings: Record<string, unknown>[] = [];
    const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => warnings.push({ msg, ...fields }) };
    let rss = 0;
    const w = watchMemory({ limit: { bytes: limit, from: "cgroup" }, log, rss: () => rss, everyMs: 3_600_000 });
    return {
      warnings,
      set: (x: number) => {
        rss = x;
        return w.check();
      },
      stop: w.stop,
    };
  }

  test("once past 80 %, again only after dropping below 70 %", () => {
    const w = watch(1000 * 2 ** 20);
    for (const mb of [100, 790, 810, 950, 900, 750, 850, 690, 820]) w.set(mb * 2 ** 20);
    w.stop();
    expect(w.warnings).toHaveLength(2);
    expect(w.warnings[0]).toMatchObject({
      msg: "memory use nears its limit",
      rss_mb: 810,
      limit_mb: 1000,
      limit_from: "cgroup",
    });
    expect(String(w.warnings[0]!.hint)).toContain("DORA_SHARD");
    expect(w.warnings[1]).toMatchObject({ rss_mb: 820 });
  });
});

test("expected memory grows with the stored pipelines, the peak faster than the settled use", () => {
  const small = expectedMemory(0);
  const big = expectedMemory(1_000_000);
  expect(small.peak).toBeGreaterThan(0);
  expect(big.settled).toBeGreaterThan(small.settled);
  expect(big.peak - small.peak).toBeGreaterThan(big.settled - small.settled);
});
