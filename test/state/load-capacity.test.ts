// Loading DORA_STATE_FILE fills each repo's column store at its final size (issue 14 item 4):
// grown row by row, the stores of 637k pipelines left ~73 MB of discarded columns behind and
// kept 1.5x slack until the first state computation trimmed them (another copy), which is what
// made the peak right after a restart higher than after a backfill.
import { afterAll, describe, expect, test } from "bun:test";
import { PipelineStore } from "../../src/collector/compact.ts";
import { TrackedRepo } from "../../src/collector/poller.ts";
import { RepoHistory } from "../../src/collector/repo-history.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { KEY, pushPipeline, repoListing as listing, tempStateFile } from "./durable-fixture.ts";

const files: (() => void)[] = [];
afterAll(() => {
  for (const remove of files) remove();
});

function pipeline(id: number): Pipeline {
  return pushPipeline(id, {
    event: id % 3 === 0 ? "deployment" : "push",
    status: id % 7 === 0 ? "failure" : "success",
    commit: (id * 2654435761).toString(16).padStart(40, "0").slice(-40),
    deployTo: id % 3 === 0 ? "production" : "",
    message: id % 5 === 0 ? `Revert "${id}"` : "",
  });
}

describe("PipelineStore.reserve", () => {
  test("room reserved up front is filled without slack: reading (which trims spare room) copies nothing", () => {
    const s = new PipelineStore();
    s.reserve(1000);
    const ps = Array.from({ length: 1000 }, (_, i) => pipeline(i + 1));
    for (const p of ps) s.set(p.id, p);
    const full = s.columnBytes();
    expect([...s.values()]).toEqual(ps);
    expect(s.columnBytes()).toBe(full);
    // Without the reservation the same rows leave spare room behind (what the load used to do).
    const grown = new PipelineStore();
    for (const p of ps) grown.set(p.id, p);
    const before = grown.columnBytes();
    expect([...grown.values()]).toEqual(ps);
    expect(grown.columnBytes()).toBeLessThan(before);
  });

  test("reserving on a filled store keeps its rows; it never shrinks", () => {
    const s = new PipelineStore();
    for (let i = 1; i <= 40; i++) s.set(i, pipeline(i));
    s.reserve(10);
    s.reserve(100);
    expect([...s.values()]).toEqual(Array.from({ length: 40 }, (_, i) => pipeline(i + 1)));
    expect(s.size).toBe(40);
  });
});

describe("loading the state file", () => {
  test("each loaded history's columns are exactly as long as its rows (no growth slack to trim)", () => {
    const file = tempStateFile("dora-load-capacity-");
    files.push(file.remove);
    const open = file.open;
    let { db, durable } = open();
    durable.load(KEY);
    const sizes = [1, 17, 300, 1000];
    for (const [i, n] of sizes.entries()) {
      const t = new TrackedRepo(listing(i + 1), new RepoHistory());
      for (let k = 1; k <= n; k++) t.history.ingest(pipeline(i * 10_000 + k));
      durable.save(t);
    }
    db.close(false);
    ({ db, durable } = open());
    const { ids } = durable.load(KEY);
    expect(ids).toEqual([1, 2, 3, 4]);
    for (const [i, id] of ids.entries()) {
      const h = durable.restore(listing(id))!;
      expect(h.pipelines.size).toBe(sizes[i]!);
      const loaded = h.pipelines.columnBytes();
      const read = [...h.pipelines.values()]; // trims any spare capacity
      expect(read.map((p) => p.id)).toEqual(Array.from({ length: sizes[i]! }, (_, k) => i * 10_000 + k + 1));
      if (sizes[i]! >= 16) expect(h.pipelines.columnBytes()).toBe(loaded);
    }
    db.close(false);
  });
});
