// Live activity moves the demo forward by the simulator clock, and serveSimulator exposes the
// same handler over real HTTP.

import { expect, test } from "bun:test";
import {
  createDemoSimulator,
  serveSimulator,
  startLiveActivity,
  type PipelineRecord,
} from "../../src/simulator/index.ts";
import { DEMO_SPEEDUP } from "../../src/simulator/pace.ts";
import { makeSim, repoWithPushes, T0, TOKEN } from "./helpers.ts";

test("live activity: pipelines arrive and progress, the open incident gets restored, stop() stops", async () => {
  const clock = { t: T0 };
  const { sim } = createDemoSimulator({ seed: 5, now: () => clock.t });
  const all = () => sim.listRepos().flatMap((r) => sim.listPipelines(r.id).map((p) => ({ ...p, repo: r.full_name })));
  const before = all();
  const runningBefore = before.filter((p) => p.status === "running");
  expect(runningBefore.length).toBeGreaterThan(0);

  const stop = startLiveActivity(sim, { seed: 5, everyMs: 2 });
  for (let i = 0; i < 120; i++) {
    clock.t += 60; // two virtual hours in all: two days of the history's activity
    await Bun.sleep(3);
  }
  const after = all();
  expect(after.length).toBeGreaterThan(before.length + 10);
  const created = after.filter((p) => p.created > T0);
  expect(created.some((p) => p.status === "success" && p.started > p.created && p.finished > p.started)).toBe(true);
  expect(created.some((p) => p.event === "deployment")).toBe(true);
  for (const p of runningBefore)
    expect(sim.getPipeline(sim.findRepo(p.repo)!.id, p.number)?.status).not.toBe("running");

  const billing = sim.findRepo("acme/billing")!;
  const lastProd = sim
    .listPipelines(billing.id)
    .filter(
      (p: PipelineRecord) =>
        p.event === "deployment" && p.deploy_to === "production" && ["success", "failure", "error"].includes(p.status),
    )
    .sort((a, b) => (b.finished || b.updated) - (a.finished || a.updated))[0];
  expect(lastProd?.status).toBe("success");

  stop();
  const frozen = JSON.stringify(all());
  clock.t += 600;
  await Bun.sleep(20);
  expect(JSON.stringify(all())).toBe(frozen);
});

test(
  `live activity goes on at the history's pipelines per day, ${DEMO_SPEEDUP} times faster: the demo's today ` +
    `never dwarfs a history day`,
  async () => {
    const DAY = 86400;
    const clock = { t: T0 };
    const { sim } = createDemoSimulator({ seed: 11, now: () => clock.t });
    const active = sim.listRepos().filter((r) => r.active);
    const created = () => active.flatMap((r) => sim.listPipelines(r.id).map((p) => p.created));
    // The history: 28 days ending at T0.
    const history = created();
    const perDay = history.length / 28;
    const busiestDay = Math.max(
      ...Array.from(
        { length: 28 },
        (_, d) => history.filter((t) => t > T0 - (d + 1) * DAY && t <= T0 - d * DAY).length,
      ),
    );
    expect(perDay).toBeGreaterThan(10);

    const stop = startLiveActivity(sim, { seed: 11, everyMs: 1 });
    const hours = 6;
    try {
      for (let i = 0; i < hours * 60; i++) {
        clock.t += 60;
        await Bun.sleep(2);
        if (i === 19) {
          // 20 minutes into the demo (the issue: "after 20 minutes today dwarfs every other day").
          const lastDay = created().filter((t) => t > clock.t - DAY).length;
          expect(lastDay).toBeLessThan(busiestDay * 1.5);
        }
      }
    } finally {
      stop();
    }
    const live = created().filter((t) => t > T0).length;
    // `hours` of demo = hours * DEMO_SPEEDUP / 24 history days.
    const expected = perDay * ((hours * DEMO_SPEEDUP) / 24);
    expect(live / expected).toBeGreaterThan(0.5);
    expect(live / expected).toBeLessThan(1.5);
  },
);

test("serveSimulator serves the handler over HTTP, root path included", async () => {
  const { sim, clock } = makeSim({ rootPath: "/ci" });
  const repo = repoWithPushes(sim, clock, 3);
  const served = serveSimulator(sim);
  try {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ci$/);
    const health = await fetch(`${served.url}/healthz`);
    expect([health.status, health.headers.get("x-woodpecker-version")]).toEqual([204, "3.17.0"]);
    const res = await fetch(`${served.url}/api/repos/${repo.id}/pipelines?perPage=2`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(((await res.json()) as Array<{ number: number }>).map((p) => p.number)).toEqual([3, 2]);
  } finally {
    served.stop();
  }
});
