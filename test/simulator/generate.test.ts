// Generated histories must contain what DEFINITIONS.md makes matter (deployment vs push mode,
// incidents restored by restart and by fix-forward, a rollback, killed/canceled attempts, a
// missing source, clock skew, an incident open at the end) and keep Woodpecker's invariants.

import { beforeAll, describe, expect, test } from "bun:test";
import {
  createDemoSimulator,
  generateHistory,
  SimulatedWoodpecker,
  type PipelineRecord,
} from "../../src/simulator/index.ts";
import { get, T0, TOKEN } from "./helpers.ts";

const END = T0 + 40 * 86400;
const DAYS = 28;
let sim: SimulatedWoodpecker;
const byName = (name: string) => {
  const r = sim.findRepo(name);
  if (!r) throw new Error(`no repo ${name}`);
  return r;
};
const prod = (ps: PipelineRecord[]) => ps.filter((p) => p.event === "deployment" && p.deploy_to === "production");
const isAttempt = (p: PipelineRecord) => ["success", "failure", "error"].includes(p.status);
/** DEFINITIONS.md "time of an attempt". */
const timeOf = (p: PipelineRecord) => p.finished || p.updated || p.created;

/** Follow parent through deployments; the pipeline reached (push = a source exists). */
function origin(repoId: number, p: PipelineRecord): PipelineRecord | undefined {
  let cur: PipelineRecord | undefined = p;
  while (cur && cur.event === "deployment") cur = cur.parent > 0 ? sim.getPipeline(repoId, cur.parent) : undefined;
  return cur;
}

beforeAll(() => {
  sim = new SimulatedWoodpecker({ token: TOKEN, admin: true, now: () => END });
  generateHistory(sim, { seed: 42, days: DAYS, end: END, repos: 5 });
});

describe("Woodpecker invariants", () => {
  test("numbers and created agree; ids are globally unique; everything lies in [end - days, end]", () => {
    const ids = new Set<number>();
    for (const repo of sim.listRepos()) {
      const asc = sim.listPipelines(repo.id).reverse();
      for (let i = 0; i < asc.length; i++) {
        const p = asc[i]!;
        expect(ids.has(p.id)).toBe(false);
        ids.add(p.id);
        expect(p.created).toBeGreaterThanOrEqual(END - DAYS * 86400);
        expect(p.created).toBeLessThanOrEqual(END);
        if (i > 0) expect(p.created).toBeGreaterThanOrEqual(asc[i - 1]!.created);
        if (p.status === "running") expect([p.started > 0, p.finished]).toEqual([true, 0]);
        if (p.status === "pending" || p.status === "blocked") expect([p.started, p.finished]).toEqual([0, 0]);
      }
    }
  });

  test("deleted pipelines: a gap after an admin delete, and numbers reused after no-config deletes", () => {
    const shop = sim.listPipelines(byName("acme/shop-api").id).map((p) => p.number);
    expect(shop.length).toBeLessThan(shop[0]!); // a gap below the highest number
    const web = sim.listPipelines(byName("acme/web").id);
    const numbers = web.map((p) => p.number);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i)); // no gaps ...
    const allIds = sim
      .listRepos()
      .flatMap((r) => sim.listPipelines(r.id).map((p) => p.id))
      .sort((a, b) => a - b);
    expect(allIds.at(-1)! - allIds.length).toBeGreaterThan(0); // ... yet ids were consumed by deleted pipelines
  });

  test("a renamed repo: lookup follows the rename, early pipelines link to the old name", async () => {
    const repo = byName("acme/notify");
    expect(repo.full_name).toBe("acme/notifications");
    const oldest = sim.listPipelines(repo.id).at(-1)!;
    expect(oldest.forge_url).toContain("/acme/notify/commit/");
    expect(((await get(sim, "/api/repos/lookup/acme/notify")).json as { id: number }).id).toBe(repo.id);
  });

  test("an inactive repo appears only with ?all=true", async () => {
    const names = async (q: string) =>
      ((await get(sim, `/api/user/repos${q}`)).json as Array<{ full_name: string }>).map((r) => r.full_name);
    expect(await names("")).not.toContain("acme/legacy-admin");
    expect(await names("?all=true")).toContain("acme/legacy-admin");
  });
});

describe("what the DORA definitions need", () => {
  test("push-mode repos never use deployment events; deployment repos target staging and production", () => {
    for (const name of ["acme/web", "acme/search"])
      expect(sim.listPipelines(byName(name).id).filter((p) => p.event === "deployment")).toEqual([]);
    const targets = new Set(sim.listPipelines(byName("acme/shop-api").id).map((p) => p.deploy_to));
    expect([...targets].sort()).toEqual(["", "production", "staging"]);
  });

  test("deployments copy their parent's commit; promotions chain deployment -> deployment -> push", () => {
    let promotions = 0;
    let orphans = 0;
    for (const repo of sim.listRepos()) {
      for (const d of sim.listPipelines(repo.id).filter((p) => p.event === "deployment")) {
        expect(d.parent).toBeGreaterThan(0);
        const parent = sim.getPipeline(repo.id, d.parent);
        if (!parent)
          orphans++; // an admin deleted its source
        else expect(parent.commit).toBe(d.commit);
        if (parent?.event === "deployment" && parent.deploy_to !== d.deploy_to) promotions++;
      }
    }
    expect(promotions).toBeGreaterThan(0);
    expect(orphans).toBeLessThanOrEqual(2);
  });

  test("failed production deploys are restored by restart and by fix forward; killed and canceled occur", () => {
    const ps = prod(sim.listPipelines(byName("acme/shop-api").id)).reverse();
    const failed = ps.filter((p) => p.status === "failure" || p.status === "error");
    const restarted = failed.some((f) => ps.some((p) => p.parent === f.number && p.status === "success"));
    const fixedForward = failed.some((f) => {
      const next = ps.find((p) => isAttempt(p) && timeOf(p) > timeOf(f));
      return next?.status === "success" && next.commit !== f.commit && next.parent !== f.number;
    });
    expect([restarted, fixedForward]).toEqual([true, true]);
    expect(ps.some((p) => p.status === "killed")).toBe(true);
    expect(ps.some((p) => p.status === "canceled" && p.started === 0 && p.finished > 0)).toBe(true);
  });

  test("a rollback deploys an older commit to production", () => {
    const repo = byName("acme/shop-api");
    let highest = 0;
    let rollbacks = 0;
    for (const d of prod(sim.listPipelines(repo.id))
      .reverse()
      .filter((p) => p.status === "success")) {
      const src = origin(repo.id, d);
      if (src?.event !== "push") continue;
      if (src.number < highest) rollbacks++;
      highest = Math.max(highest, src.number);
    }
    expect(rollbacks).toBeGreaterThan(0);
  });

  test("a deployment without a push source, deployed by an agent whose clock is behind", () => {
    const repo = byName("acme/billing");
    const orphan = prod(sim.listPipelines(repo.id)).find((d) => origin(repo.id, d)?.event === "manual");
    expect(orphan).toBeDefined();
    expect(orphan!.finished).toBeLessThan(orphan!.created);
    const manual = origin(repo.id, orphan!)!;
    const pushes = sim.listPipelines(repo.id).filter((p) => p.event === "push" && p.commit === manual.commit);
    expect(pushes).toEqual([]); // its push pipeline was deleted (no matching config)
  });

  test("one incident is still open at end; other pipelines are still pending/running/blocked", () => {
    const attempts = prod(sim.listPipelines(byName("acme/billing").id)).filter(isAttempt);
    attempts.sort((a, b) => timeOf(a) - timeOf(b) || a.number - b.number);
    expect(["failure", "error"]).toContain(attempts.at(-1)!.status);
    const statuses = new Set(sim.listRepos().flatMap((r) => sim.listPipelines(r.id).map((p) => p.status)));
    for (const s of ["pending", "running", "blocked", "declined"]) expect(statuses.has(s as never)).toBe(true);
  });

  test("approval-gated pushes carry a reviewer; a declined pipeline keeps finished = 0", () => {
    const billing = sim
      .listPipelines(byName("acme/billing").id)
      .filter((p) => p.event === "push" && p.status === "success");
    expect(billing.every((p) => p.reviewed_by === "asmith" && p.reviewed >= p.created)).toBe(true);
    const declined = sim
      .listRepos()
      .flatMap((r) => sim.listPipelines(r.id))
      .filter((p) => p.status === "declined");
    expect(declined.every((p) => p.finished === 0 && p.reviewed > 0)).toBe(true);
  });

  test("business-hour rhythm: most pushes arrive on weekdays between 08:00 and 19:00 UTC", () => {
    const pushes = sim
      .listRepos()
      .flatMap((r) => sim.listPipelines(r.id))
      .filter((p) => p.event === "push");
    const inHours = pushes.filter((p) => {
      const d = new Date(p.created * 1000);
      return d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() >= 8 && d.getUTCHours() < 19;
    });
    expect(inHours.length / pushes.length).toBeGreaterThan(0.8);
  });
});

test("createDemoSimulator: fixed fake token, ~4 weeks ending at the clock", async () => {
  const now = T0 + 12345;
  const { sim: demo, token } = createDemoSimulator({ seed: 3, now: () => now });
  expect(token).toBe("demo-token");
  expect((await get(demo, "/api/user", token)).status).toBe(200);
  const created = demo.listRepos().flatMap((r) => demo.listPipelines(r.id).map((p) => p.created));
  expect(Math.max(...created)).toBeLessThanOrEqual(now);
  expect(Math.min(...created)).toBeLessThan(now - 27 * 86400);
});
