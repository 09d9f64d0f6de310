// A repo's whole life (issue 9): deleted and re-created under its name, leaving and re-entering
// the token's repo list, a default-branch change, deletion while an old server pages, an empty
// default branch. After every poll the running exporter serves what a freshly started one serves
// on the same history, never two series with one label set, and each by-design change of series
// is said by exactly one log line. The random version of all this: lifecycle-property.test.ts.
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { runCheck } from "../../src/cli/check.ts";
import { serveSimulator } from "../../src/simulator/index.ts";
import {
  diffWithOracle,
  doraLines,
  duplicateSeries,
  inProcessExporter,
  World,
  TOKEN,
  type InProcessExporter,
} from "./harness.ts";

const LIST = /\/api\/repos\/\d+\/pipelines$/;

function pushes(world: World, repoId: number, n: number, branch = "main", status = "success"): void {
  for (let i = 0; i < n; i++) {
    world.clock += 60;
    const p = world.sim.addPipeline(repoId, { event: "push", branch, commit: world.newCommit() });
    world.drive(repoId, p, i % 4 === 3 ? "failure" : status, 30);
  }
}

/** What a freshly started exporter serves for the history as it now stands. */
async function freshLines(world: World): Promise<string[]> {
  const fresh = inProcessExporter(world);
  expect(await fresh.poller.poll()).toBe(true);
  return doraLines(await fresh.scrape());
}

async function expectLikeFresh(world: World, exp: InProcessExporter): Promise<string> {
  const scrape = await exp.scrape();
  expect(duplicateSeries(scrape)).toEqual([]);
  expect(doraLines(scrape)).toEqual(await freshLines(world));
  return scrape;
}

function logLines(exp: InProcessExporter, msg: RegExp): Record<string, unknown>[] {
  return exp.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => msg.test(String(r.msg)));
}

describe("a repo's life, one poll at a time (running exporter = fresh exporter)", () => {
  test("deleted and re-created under the same name: one set of series, the new repo's (defect 1)", async () => {
    const world = new World();
    const old = world.addRepo("acme/app", false);
    pushes(world, old.id, 6);
    const exp = inProcessExporter(world);
    expect(await exp.poller.poll()).toBe(true);
    expect(await exp.scrape()).toContain('dora_deployments_total{repo="acme/app",deploy_to="production"} 5');
    world.sim.deleteRepo(old.id);
    const again = world.addRepo("acme/app", false);
    pushes(world, again.id, 2);
    expect(await exp.poller.poll()).toBe(true);
    const scrape = await expectLikeFresh(world, exp);
    expect(scrape).toContain('dora_deployments_total{repo="acme/app",deploy_to="production"} 2');
    expect(logLines(exp, /no longer tracked/)).toHaveLength(1);
  });

  test(
    "leaving the token's repo list: all its series vanish at the next poll, one log line; back again: as fresh " +
      "(defect 2)",
    async () => {
      const world = new World();
      const a = world.addRepo("acme/a", false);
      const b = world.addRepo("acme/b", false);
      pushes(world, a.id, 4);
      pushes(world, b.id, 3);
      const exp = inProcessExporter(world);
      expect(await exp.poller.poll()).toBe(true);
      for (const [leave, back] of [
        [() => world.sim.setPermission(a.id, { push: false }), () => world.sim.setPermission(a.id, { push: true })],
        [() => world.sim.setActive(a.id, false), () => world.sim.setActive(a.id, true)],
      ] as const) {
        const before = logLines(exp, /no longer tracked/).length;
        leave();
        expect(await exp.poller.poll()).toBe(true);
        const scrape = await expectLikeFresh(world, exp);
        expect(scrape).not.toContain('repo="acme/a"');
        expect(scrape).toContain('repo="acme/b"');
        expect(await exp.poller.poll()).toBe(true);
        expect(logLines(exp, /no longer tracked/)).toHaveLength(before + 1);
        back();
        pushes(world, a.id, 1);
        expect(await exp.poller.poll()).toBe(true);
        expect(await expectLikeFresh(world, exp)).toContain('repo="acme/a"');
      }
    },
  );

  test("a repo object the listing could not validate is not a repo that left: its series stay", async () => {
    const world = new World();
    const a = world.addRepo("acme/a", false);
    pushes(world, a.id, 3);
    const exp = inProcessExporter(world);
    expect(await exp.poller.poll()).toBe(true);
    const before = await exp.scrape();
    world.faults.add({ match: /^\/api\/user\/repos$/, fault: { kind: "wrong-types", item: 0 }, times: 1 });
    await exp.poller.poll();
    expect(doraLines(await exp.scrape())).toEqual(doraLines(before));
    expect(logLines(exp, /no longer tracked/)).toEqual([]);
    expect(await exp.poller.poll()).toBe(true);
    await expectLikeFresh(world, exp);
  });

  test("a default-branch change applies when the repo listing shows it, with one log line (defect 3)", async () => {
    const world = new World();
    const r = world.sim.addRepo({ full_name: "acme/legacy", default_branch: "master" });
    pushes(world, r.id, 5, "master");
    pushes(world, r.id, 2, "main");
    const exp = inProcessExporter(world);
    expect(await exp.poller.poll()).toBe(true);
    expect(await exp.scrape()).toContain('dora_deployments_total{repo="acme/legacy",deploy_to="production"} 4');
    world.sim.setDefaultBranch(r.id, "main");
    // No new pipeline: the repo listing is the only thing that changed.
    expect(await exp.poller.poll()).toBe(true);
    const scrape = await expectLikeFresh(world, exp);
    expect(scrape).toContain('dora_deployments_total{repo="acme/legacy",deploy_to="production"} 2');
    expect(await exp.poller.poll()).toBe(true);
    const lines = logLines(exp, /default branch changed/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ repo: "acme/legacy", from: "master", to: "main" });
  });

  test("an empty default branch: no push counts as a deployment (defect 5)", async () => {
    const world = new World();
    const r = world.sim.addRepo({ full_name: "acme/nobranch", default_branch: "" });
    pushes(world, r.id, 3, "main");
    pushes(world, r.id, 1, "");
    const exp = inProcessExporter(world);
    expect(await exp.poller.poll()).toBe(true);
    const scrape = await exp.scrape();
    // No DORA series; the repo is tracked, so it has its dora_repo_info (DEFINITIONS, groups).
    expect(doraLines(scrape).join("\n")).not.toContain('repo="acme/nobranch"');
    expect(scrape).toContain('dora_repo_info{repo="acme/nobranch"} 1');
    expect(diffWithOracle(scrape, world.expected())).toEqual([]);
  });
});

describe("DORA_ADMIN_REPOS: the server's repo listing pages by offset", () => {
  test(
    "a repo deleted while the listing pages hides another from it: that one keeps its series; the deleted one " +
      "loses them",
    async () => {
      const world = new World({ admin: true });
      const repos = Array.from({ length: 60 }, (_, i) => world.addRepo(`acme/r${String(i).padStart(2, "0")}`, false));
      for (const r of repos) pushes(world, r.id, 1);
      const exp = inProcessExporter(world, { adminRepos: true });
      expect(await exp.poller.poll()).toBe(true);
      expect((await exp.scrape()).match(/^dora_deployments_total\{/gm)).toHaveLength(60);
      // While page 2 of /api/repos is read, repo 10 (on page 1) is deleted: repo 50, first of
      // page 2, slides onto page 1 and is in neither page read. (Repo 10 itself, listed but gone,
      // makes this cycle incomplete: its pipelines answer 404.)
      world.faults.add({
        match: (url) => url.pathname === "/api/repos" && url.searchParams.get("page") === "2",
        times: 1,
        fault: { kind: "none" },
        action: () => world.sim.deleteRepo(repos[10]!.id),
      });
      await exp.poller.poll();
      expect(world.faults.injected.length).toBe(1);
      expect(await exp.scrape()).toContain('repo="acme/r50"');
      expect(logLines(exp, /no longer tracked/)).toEqual([]);
      expect(await exp.poller.poll()).toBe(true);
      const scrape = await expectLikeFresh(world, exp);
      expect(scrape).toContain('repo="acme/r50"');
      expect(scrape).not.toContain('repo="acme/r10"');
      expect(logLines(exp, /no longer tracked/).map((l) => l.repo)).toEqual(["acme/r10"]);
    },
  );
});

describe("servers before 2.5 (no `before` filter): deletion while the listing pages (defect 4)", () => {
  for (const deleteAt of [0, 10, 49]) {
    test(`a pipeline of page 1 (index ${deleteAt}) deleted while page 2 is read: nothing else is missed`, async () => {
      const world = new World({ version: "2.4.0" });
      const r = world.addRepo("acme/old", false);
      pushes(world, r.id, 140);
      const exp = inProcessExporter(world);
      world.faults.add({
        match: (url) =>
          LIST.test(url.pathname) && url.searchParams.get("page") === "2" && !url.searchParams.has("before"),
        times: 1,
        fault: { kind: "none" },
        action: () => world.delete(r.id, world.sim.listPipelines(r.id)[deleteAt]!.number),
      });
      expect(await exp.poller.poll()).toBe(true);
      expect(world.faults.injected.length).toBe(1);
      expect(diffWithOracle(await exp.scrape(), world.expected(exp.kept))).toEqual([]);
      // Incremental listings that page as well (a burst of new pipelines), with another deletion.
      pushes(world, r.id, 70);
      world.faults.add({
        match: (url) => LIST.test(url.pathname) && url.searchParams.get("page") === "2",
        times: 1,
        fault: { kind: "none" },
        action: () => world.delete(r.id, world.sim.listPipelines(r.id)[deleteAt]!.number),
      });
      expect(await exp.poller.poll()).toBe(true);
      expect(diffWithOracle(await exp.scrape(), world.expected(exp.kept))).toEqual([]);
    });
  }

  test(
    "new pipelines reusing the numbers of deleted highest " + "ones, one shifted onto page 1: read as a boundary gap",
    async () => {
      // Sibling of FC_SEED=1049276751: the gap between two pages was read only above the old
      // high-water number, but a deleted number below it can belong to a new pipeline by then.
      const world = new World({ version: "2.4.0" });
      const r = world.addRepo("acme/old", false);
      pushes(world, r.id, 4);
      const exp = inProcessExporter(world);
      expect(await exp.poller.poll()).toBe(true);
      for (const p of world.sim.listPipelines(r.id)) world.delete(r.id, p.number);
      pushes(world, r.id, 53); // numbers 1..53 again; page 1 is 53..4
      world.faults.add({
        match: (url) =>
          LIST.test(url.pathname) && url.searchParams.get("page") === "2" && !url.searchParams.has("before"),
        times: 1,
        fault: { kind: "none" },
        action: () => world.delete(r.id, 43), // #3 moves onto page 1, already read
      });
      expect(await exp.poller.poll()).toBe(true);
      expect(world.faults.injected.length).toBe(1);
      expect(exp.kept(r.id, world.sim.getPipeline(r.id, 3)!.id)).toBeDefined();
      expect(diffWithOracle(await exp.scrape(), world.expected(exp.kept))).toEqual([]);
    },
  );
});

describe("servers before 2.5: `parent` holds the parent's id", () => {
  test("deployments' lead times equal the definitions' (parent ids read as the parents' numbers)", async () => {
    const world = new World({ version: "2.4.0" });
    const other = world.addRepo("acme/noise", false);
    const r = world.addRepo("acme/deploys", true);
    const sources: number[] = [];
    for (let i = 0; i < 12; i++) {
      pushes(world, other.id, 2); // interleaved: pipeline ids and numbers differ
      world.clock += 600;
      const p = world.sim.addPipeline(r.id, { event: "push", branch: "main", commit: world.newCommit() });
      world.drive(r.id, p, "success", 30);
      sources.push(p.number);
      // Deploy an older push now and then, so the parent (not the newest push) decides the source.
      const from = i % 3 === 2 ? sources[i - 2]! : p.number;
      world.clock += 3600;
      const d = world.sim.deploy(r.id, from, i % 2 ? "production" : "staging");
      world.drive(r.id, d, i % 5 === 4 ? "failure" : "success", 60);
    }
    const exp = inProcessExporter(world);
    expect(await exp.poller.poll()).toBe(true);
    expect(diffWithOracle(await exp.scrape(), world.expected())).toEqual([]);
  });
});

describe("dora-exporter check", () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  async function check(world: World): Promise<{ code: number; out: string }> {
    world.faults.clear();
    world.clock = Math.floor(Date.now() / 1000) - 3600;
    const served = serveSimulator(world.sim, { faults: world.faults, requests: world.requests });
    stop = () => served.stop();
    const config = loadConfig({ WOODPECKER_URL: served.url, WOODPECKER_TOKEN: TOKEN });
    let out = "";
    const code = await runCheck(config, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
    });
    return { code, out };
  }

  test("warns about an empty default branch (defect 5)", async () => {
    const world = new World();
    world.clock = Math.floor(Date.now() / 1000) - 7200;
    const r = world.sim.addRepo({ full_name: "acme/nobranch", default_branch: "" });
    pushes(world, r.id, 3, "main");
    const { code, out } = await check(world);
    expect(code).toBe(1);
    expect(out).toContain(
      "acme/nobranch: Woodpecker reports an empty default branch, so no push counts as a deployment (default rule 2)",
    );
  });

  test("says when the server is older than 2.5 (defect 4)", async () => {
    const world = new World({ version: "2.4.0" });
    world.clock = Math.floor(Date.now() / 1000) - 7200;
    const r = world.addRepo("acme/web", false);
    pushes(world, r.id, 3, "main");
    const { code, out } = await check(world);
    expect(code).toBe(1);
    expect(out).toContain("Woodpecker 2.4.0 is older than 2.5: it ignores the `before` filter");
    const modern = new World({ version: "2.5.0" });
    modern.clock = Math.floor(Date.now() / 1000) - 7200;
    pushes(modern, modern.addRepo("acme/web", false).id, 3, "main");
    stop?.();
    expect((await check(modern)).out).not.toContain("older than 2.5");
  });
});
