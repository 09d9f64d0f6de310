// Issue 9's property: random histories in which, between polls, repos are renamed, swapped,
// unlisted and relisted, deleted and re-created under the same name, change default branch, get
// their first deployment pipeline, and pipelines are deleted (also while a listing pages). After
// every poll the running exporter's DORA series equal, byte for byte after sorting, those of an
// exporter started fresh on the same history (DEFINITIONS: deletion is the documented exception,
// so the fresh one is shown the deleted pipelines the running one holds), no label set appears
// twice, and every exposition passes `promtool check metrics` (checked in one batch at the end).
// On the 3.x, 2.8 and 2.4 dialects of the simulator. Seed printed; replay with FC_SEED.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import type { PipelineRecord } from "../../src/simulator/index.ts";
import { doraLines, duplicateSeries, inProcessExporter, World, type InProcessExporter } from "./harness.ts";
import { reliabilityParams } from "./params.ts";

setDefaultTimeout(300_000);

const NAMES = ["acme/a", "acme/b", "acme/c", "ops/a"];
const BRANCHES = ["main", "master", "dev"];
const LIST = /\/api\/repos\/(\d+)\/pipelines$/;

type Step =
  | { t: "push"; slot: number; branch: string; end: string }
  | { t: "bulk"; slot: number; n: number }
  | { t: "deploy"; slot: number; target: string; end: string }
  | { t: "finish"; slot: number; status: string }
  | { t: "rename"; slot: number; name: number }
  | { t: "swap"; a: number; b: number }
  | { t: "unlist"; slot: number; how: "permission" | "inactive" }
  | { t: "relist"; slot: number }
  | { t: "recreate"; slot: number; branch: string }
  | { t: "branch"; slot: number; branch: string }
  | { t: "delete"; slot: number; index: number }
  | { t: "deleteWhilePaging"; slot: number; index: number; n: number }
  | { t: "poll" };

const slot = fc.integer({ min: 0, max: 2 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("push" as const),
      slot,
      branch: fc.constantFrom(...BRANCHES),
      end: fc.constantFrom("success", "success", "failure", "error", "killed", "running"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("bulk" as const), slot, n: fc.integer({ min: 20, max: 70 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("deploy" as const),
      slot,
      target: fc.constantFrom("production", "staging", ""),
      end: fc.constantFrom("success", "failure", "running"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("finish" as const), slot, status: fc.constantFrom("success", "failure") }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("rename" as const),
      slot,
      name: fc.integer({ min: 0, max: NAMES.length - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("swap" as const), a: slot, b: slot }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("unlist" as const),
      slot,
      how: fc.constantFrom("permission" as const, "inactive" as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("relist" as const), slot }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("recreate" as const), slot, branch: fc.constantFrom("main", "master") }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("branch" as const), slot, branch: fc.constantFrom("main", "master", "") }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delete" as const), slot, index: fc.nat(80) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("deleteWhilePaging" as const),
      slot,
      index: fc.nat(120),
      n: fc.integer({ min: 45, max: 110 }),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ t: "poll" as const }) },
);

const scenarioArb = fc.record({
  deploys: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  bulk: fc.tuple(fc.nat(60), fc.nat(60), fc.nat(60)),
  steps: fc.array(stepArb, { minLength: 4, maxLength: 28 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Every exposition scraped, each checked by promtool once at the end (batched, deduplicated). */
const expositions = new Set<string>();

class Life {
  readonly world: World;
  /** Slot -> current repo id (a re-created repo is a new id in the same slot). */
  readonly slots: number[] = [];

  constructor(version: string, s: Scenario) {
    this.world = new World({ version });
    for (let i = 0; i < 3; i++) {
      const r = this.world.sim.addRepo({ full_name: NAMES[i]!, allow_deploy: true, default_branch: "main" });
      this.slots.push(r.id);
      this.push(i, "main", "success", s.bulk[i]!, 20);
      if (s.deploys[i]) this.deploy(i, "production", "success");
    }
  }

  id(slot: number): number {
    return this.slots[slot]!;
  }

  push(slot: number, branch: string, end: string, n = 1, gap = 60): void {
    const id = this.id(slot);
    for (let i = 0; i < n; i++) {
      this.world.clock += gap;
      const p = this.world.sim.addPipeline(id, { event: "push", branch, commit: this.world.newCommit() });
      this.world.drive(id, p, n > 1 && i % 7 === 3 ? "failure" : end, 30);
    }
  }

  deploy(slot: number, target: string, end: string): void {
    const id = this.id(slot);
    const from = this.world.sim.listPipelines(id).find((p) => p.event === "push");
    if (!from) return;
    this.world.clock += 300;
    this.world.drive(id, this.world.sim.deploy(id, from.number, target), end, 60);
  }

  nameOf(slot: number): string {
    return this.world.sim.getRepo(this.id(slot))!.full_name;
  }

  nameTaken(name: string): boolean {
    return this.world.sim.listRepos().some((r) => r.full_name === name);
  }

  /** A pipeline to delete, never the newest (its number would be reused: not this test's subject). */
  victim(slot: number, index: number): PipelineRecord | undefined {
    const list = this.world.sim.listPipelines(this.id(slot));
    return list.length < 2 ? undefined : list[1 + (index % (list.length - 1))];
  }

  apply(st: Step): void {
    const { world } = this;
    const sim = world.sim;
    world.clock += 60;
    switch (st.t) {
      case "push":
        this.push(st.slot, st.branch, st.end);
        return;
      case "bulk":
        this.push(st.slot, "main", "success", st.n, 10);
        return;
      case "deploy":
        this.deploy(st.slot, st.target, st.end);
        return;
      case "finish": {
        const open = sim.listPipelines(this.id(st.slot)).find((p) => p.status === "running");
        if (open) world.finish(this.id(st.slot), open.number, st.status);
        return;
      }
      case "rename":
        if (!this.nameTaken(NAMES[st.name]!)) sim.renameRepo(this.id(st.slot), NAMES[st.name]!);
        return;
      case "swap": {
        if (st.a === st.b) return;
        const [a, b] = [this.nameOf(st.a), this.nameOf(st.b)];
        sim.renameRepo(this.id(st.a), "tmp/swap");
        sim.renameRepo(this.id(st.b), a);
        sim.renameRepo(this.id(st.a), b);
        return;
      }
      case "unlist":
        if (st.how === "permission") sim.setPermission(this.id(st.slot), { push: false });
        else sim.setActive(this.id(st.slot), false);
        return;
      case "relist":
        sim.setPermission(this.id(st.slot), { push: true });
        sim.setActive(this.id(st.slot), true);
        return;
      case "recreate": {
        const name = this.nameOf(st.slot);
        sim.deleteRepo(this.id(st.slot));
        this.slots[st.slot] = sim.addRepo({ full_name: name, allow_deploy: true, default_branch: st.branch }).id;
        this.push(st.slot, st.branch, "success");
        return;
      }
      case "branch":
        sim.setDefaultBranch(this.id(st.slot), st.branch);
        return;
      case "delete": {
        const v = this.victim(st.slot, st.index);
        if (v) world.delete(this.id(st.slot), v.number);
        return;
      }
      case "deleteWhilePaging": {
        // New pipelines enough for the next listing to page, and a deletion at the first list
        // request of this repo after its first page (by offset or by cursor).
        this.push(st.slot, "main", "success", st.n, 10);
        const id = this.id(st.slot);
        world.faults.add({
          match: (url) =>
            LIST.exec(url.pathname)?.[1] === String(id) &&
            (Number(url.searchParams.get("page") ?? 1) > 1 || url.searchParams.has("before")),
          times: 1,
          fault: { kind: "none" },
          action: () => {
            const v = this.victim(st.slot, st.index);
            if (v) world.delete(id, v.number);
          },
        });
        return;
      }
      case "poll":
        return;
    }
  }

  /**
   * What a fresh exporter serves on the same history: Woodpecker's history as it stands plus the
   * deleted pipelines the running exporter holds, each put back as the snapshot it holds.
   */
  async fresh(running: InProcessExporter): Promise<string[]> {
    const { world } = this;
    const restored: [number, number][] = [];
    for (const [pid, repoId] of world.deleted) {
      const k = running.kept(repoId, pid);
      if (!k || !world.sim.getRepo(repoId)) continue;
      const snaps = world.snapshots.get(pid) ?? [];
      const snap = snaps.find((s) => s.status === k.status && s.finished === k.finished);
      if (!snap)
        throw new Error(
          `running exporter holds deleted pipeline ${pid} as ${k.status}/${k.finished}, a state Woodpecker never had`,
        );
      world.sim.putPipeline(repoId, snap);
      restored.push([repoId, snap.number]);
    }
    try {
      const fresh = inProcessExporter(world);
      expect(await fresh.poller.poll()).toBe(true);
      return doraLines(await fresh.scrape());
    } finally {
      for (const [repoId, number] of restored) world.sim.deletePipeline(repoId, number);
    }
  }
}

async function run(version: string, s: Scenario): Promise<void> {
  const life = new Life(version, s);
  const exp = inProcessExporter(life.world);
  const check = async () => {
    const before = published(exp);
    const logged = exp.logs.length;
    const ok = await exp.poller.poll();
    STATS.pagingDeletes = (STATS.pagingDeletes ?? 0) + life.world.faults.injected.length;
    life.world.faults.clear();
    expect(ok).toBe(true);
    const scrape = await exp.scrape();
    expositions.add(scrape);
    expect(duplicateSeries(scrape)).toEqual([]);
    expect(doraLines(scrape)).toEqual(await life.fresh(exp));
    // Each by-design change of a repo's series is said by exactly one log line.
    expect(byDesignLines(exp.logs.slice(logged))).toEqual(expectedLines(before, published(exp)));
  };
  await check();
  for (const st of s.steps) {
    if (st.t === "poll") await check();
    else life.apply(st);
  }
  await check();
  for (const l of exp.logs) {
    const m = JSON.parse(l).msg as string;
    for (const k of ["no longer tracked", "renamed", "default branch changed", "changed mode"])
      if (m.includes(k)) STATS[k] = (STATS[k] ?? 0) + 1;
  }
}
/** What the runs exercised (printed: a property that never deleted while paging proves little). */
const STATS: Record<string, number> = { pagingDeletes: 0 };

type Published = Map<number, { label: string; branch: string; mode: string }>;

/** The repos whose series the exporter serves, with the facts they were derived from. */
function published(exp: InProcessExporter): Published {
  const out: Published = new Map();
  for (const [id, r] of exp.poller.repos)
    if (r.mode !== null) out.set(id, { label: r.stateLabel, branch: r.stateBranch, mode: r.mode });
  return out;
}

const BY_DESIGN: [RegExp, string][] = [
  [/^repo renamed/, "renamed"],
  [/^default branch changed/, "branch"],
  [/^deployment rules changed mode/, "mode"],
  [/^repo no longer tracked/, "removed"],
];

function byDesignLines(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const rec = JSON.parse(l) as { msg: string; id?: number; repo?: string };
    const kind = BY_DESIGN.find(([re]) => re.test(rec.msg))?.[1];
    if (kind) out.push(kind);
  }
  return out.sort();
}

function expectedLines(before: Published, after: Published): string[] {
  const out: string[] = [];
  for (const [id, b] of before) {
    const a = after.get(id);
    if (!a) {
      out.push("removed");
      continue;
    }
    if (a.label !== b.label) out.push("renamed");
    if (a.branch !== b.branch) out.push("branch");
    if (a.mode !== b.mode) out.push("mode");
  }
  return out.sort();
}

/** Prefix every metric name so that many expositions make one, then one promtool run checks them all. */
function batch(texts: Iterable<string>): string {
  let i = 0;
  const out: string[] = [];
  for (const text of texts) {
    const p = `e${i++}_`;
    for (const line of text.split("\n")) {
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) out.push(line.slice(0, 7) + p + line.slice(7));
      else if (line !== "" && !line.startsWith("#")) out.push(p + line);
      else out.push(line);
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

describe("lifecycle property: running exporter = fresh exporter after every poll", () => {
  for (const [version, runs] of [
    ["3.17.0", 30],
    ["2.8.0", 15],
    ["2.4.0", 15],
  ] as const) {
    test(`Woodpecker ${version}`, async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (s) => run(version, s)),
        reliabilityParams(runs, `lifecycle-${version}`),
      );
    });
  }

  afterAll(() => {
    console.log(
      `[lifecycle] exercised: ${JSON.stringify(STATS)}; ${expositions.size} distinct expositions for promtool`,
    );
    const promtool = Bun.which("promtool");
    if (!promtool) throw new Error("promtool not found: run `sh scripts/install-test-deps.sh` (as root; CI does this)");
    expect(expositions.size).toBeGreaterThan(0);
    const texts = [...expositions];
    // A few hundred expositions per promtool run keep its input small.
    for (let i = 0; i < texts.length; i += 200) {
      const r = Bun.spawnSync([promtool, "check", "metrics"], {
        stdin: new TextEncoder().encode(batch(texts.slice(i, i + 200))),
      });
      const out = r.stdout.toString() + r.stderr.toString();
      if (r.exitCode !== 0) throw new Error(`promtool check metrics failed:\n${out.slice(0, 2000)}`);
    }
  });
});
