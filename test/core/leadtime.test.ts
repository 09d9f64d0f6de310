// Lead time for changes: change sets, watermarks, sources, fallbacks (DEFINITIONS "Lead time").
import { describe, expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Pipeline } from "../../src/core/model.ts";
import type { LeadTimeObservation, TargetState } from "../../src/core/state.ts";
import { REPO, deploy, opts, pl } from "./helpers.ts";

function target(pipelines: Pipeline[], name = "production"): TargetState {
  const t = computeRepoDora(REPO, pipelines, opts()).targets.find((x) => x.target === name);
  if (!t) throw new Error(`no target ${name}`);
  return t;
}

/** [deploymentNumber, changeNumber, seconds] per observation. */
function triples(obs: readonly LeadTimeObservation[]): (number | null)[][] {
  return obs.map((o) => [o.deploymentNumber, o.changeNumber, o.seconds]);
}

describe("change sets", () => {
  test("first deploy delivers only its source; several pushes then one deploy delivers all of them", () => {
    const p1 = pl({ id: 1, created: 1000 });
    const p3 = pl({ id: 3, created: 3000 });
    const p4 = pl({ id: 4, created: 4000, status: "failure" }); // a change whatever its status
    const p5 = pl({ id: 5, created: 5000, status: "running", finished: 0 });
    const t = target([
      pl({ id: 0, created: 500 }), // earlier push, not delivered by the first deploy
      p1,
      deploy(p1, { id: 2, created: 2000, finished: 2100 }),
      p3,
      p4,
      p5,
      deploy(p5, { id: 6, created: 6000, finished: 6500 }),
    ]);
    expect(triples(t.leadTimes)).toEqual([
      [2, 1, 1100],
      [6, 3, 3500],
      [6, 4, 2500],
      [6, 5, 1500],
    ]);
    expect(t.leadTimes[1]!.deployedAt).toBe(6500);
    expect(t.leadTimeSourceMissing).toBe(0);
  });

  test("in push mode every successful push is its own deploy; failed pushes are delivered by the next success", () => {
    const t = target([
      pl({ id: 1, created: 1000, finished: 1100 }),
      pl({ id: 2, created: 2000, status: "failure" }),
      pl({ id: 3, created: 3000, finished: 3300 }),
      pl({ id: 4, created: 3500, branch: "dev" }), // other branch: not a change of main
    ]);
    expect(triples(t.leadTimes)).toEqual([
      [1, 1, 100],
      [3, 2, 1300],
      [3, 3, 300],
    ]);
  });

  test("rollback delivers nothing and keeps the watermark; redeploy of the same commit delivers nothing", () => {
    const p1 = pl({ id: 1, created: 1000 });
    const p2 = pl({ id: 2, created: 2000 });
    const p3 = pl({ id: 3, created: 3000 });
    const p6 = pl({ id: 6, created: 6000 });
    const p7 = pl({ id: 7, created: 6500 });
    const t = target([
      p1,
      p2,
      p3,
      deploy(p3, { id: 4, created: 4000, finished: 4000 }),
      deploy(p1, { id: 5, created: 5000, finished: 5000 }), // rollback to c1
      p6,
      p7,
      deploy(p7, { id: 8, created: 8000, finished: 8000 }), // W still 3: delivers 6 and 7
      deploy(p7, { id: 9, created: 9000, finished: 9000 }), // redeploy
    ]);
    expect(triples(t.leadTimes)).toEqual([
      [4, 3, 1000],
      [8, 6, 2000],
      [8, 7, 1500],
    ]);
    expect(t.deployments).toBe(4);
  });

  test("watermark is per branch", () => {
    const m1 = pl({ id: 1, created: 1000 });
    const d3 = pl({ id: 3, created: 3000, branch: "dev" });
    const m5 = pl({ id: 5, created: 5000 });
    const d6 = pl({ id: 6, created: 6000, branch: "dev" });
    const m7 = pl({ id: 7, created: 7000 });
    const t = target(
      [
        m1,
        deploy(m1, { id: 2, deployTo: "staging", created: 1900, finished: 2000 }),
        d3,
        deploy(d3, { id: 4, deployTo: "staging", created: 3900, finished: 4000 }),
        m5,
        d6,
        m7,
        deploy(m7, { id: 8, deployTo: "staging", created: 7900, finished: 8000 }),
        deploy(d6, { id: 9, deployTo: "staging", created: 8900, finished: 9000 }),
      ],
      "staging",
    );
    expect(triples(t.leadTimes)).toEqual([
      [2, 1, 1000],
      [4, 3, 1000],
      [8, 5, 3000],
      [8, 7, 1000],
      [9, 6, 3000],
    ]);
  });

  test("targets keep separate watermarks", () => {
    const p1 = pl({ id: 1, created: 1000 });
    const p4 = pl({ id: 4, created: 4000 });
    const p6 = pl({ id: 6, created: 6000 });
    const history = [
      p1,
      deploy(p1, { id: 2, deployTo: "staging", created: 1900, finished: 2000 }),
      deploy(p1, { id: 3, deployTo: "production", created: 2900, finished: 3000 }),
      p4,
      deploy(p4, { id: 5, deployTo: "staging", created: 4900, finished: 5000 }),
      p6,
      deploy(p6, { id: 7, deployTo: "production", created: 6900, finished: 7000 }),
    ];
    expect(triples(target(history, "staging").leadTimes)).toEqual([
      [2, 1, 1000],
      [5, 4, 1000],
    ]);
    expect(triples(target(history, "production").leadTimes)).toEqual([
      [3, 1, 2000],
      [7, 4, 3000],
      [7, 6, 1000],
    ]);
  });

  test("failed deployments deliver nothing and do not move the watermark", () => {
    const p1 = pl({ id: 1, created: 1000 });
    const p2 = pl({ id: 2, created: 2000 });
    const p4 = pl({ id: 4, created: 4000 });
    const t = target([
      p1,
      deploy(p1, { id: 10, created: 1500, finished: 1500 }),
      p2,
      deploy(p2, { id: 3, created: 3000, finished: 3000, status: "failure" }),
      p4,
      deploy(p4, { id: 5, created: 5000, finished: 5000 }),
    ]);
    expect(triples(t.leadTimes)).toEqual([
      [10, 1, 500],
      [5, 2, 3000],
      [5, 4, 1000],
    ]);
  });

  test("a change is represented by its earliest push (restarted push = same change)", () => {
    const first = pl({ id: 1, created: 1000, commit: "x", status: "failure" });
    const restart = pl({ id: 2, parent: 1, created: 1500, commit: "x" });
    const t = target([first, restart, deploy(restart, { id: 3, created: 1900, finished: 2000 })]);
    expect(triples(t.leadTimes)).toEqual([[3, 1, 1000]]);
  });

  test("observations clamp at 0 (agent clock behind: finished before the change was pushed)", () => {
    const p1 = pl({ id: 1, created: 5000 });
    const t = target([p1, deploy(p1, { id: 2, created: 5100, finished: 4500 })]);
    expect(triples(t.leadTimes)).toEqual([[2, 1, 0]]);
  });

  test("a change pushed after the deployment was created is not its source (counter stays monotonic)", () => {
    const manual = pl({ id: 1, event: "manual", created: 1000, commit: "c" });
    const d = deploy(manual, { id: 2, created: 1100, finished: 1200, commit: "c" });
    const before = target([manual, d]);
    expect([before.leadTimeSourceMissing, triples(before.leadTimes)]).toEqual([1, [[2, null, 100]]]);
    // The same commit pushed to the same branch later must not become the source retroactively.
    const laterPush = pl({ id: 3, created: 1300, commit: "c" });
    const after = target([manual, d, laterPush]);
    expect([after.leadTimeSourceMissing, triples(after.leadTimes)]).toEqual([1, [[2, null, 100]]]);
  });
});

describe("sources", () => {
  test("parent chain through deployment restarts reaches the push", () => {
    const push = pl({ id: 1, created: 1000, commit: "a" });
    const d2 = deploy(push, { id: 2, status: "error", created: 1900, finished: 2000 });
    const d3 = deploy(d2, { id: 3, status: "failure", created: 2900, finished: 3000 });
    // commit ignored when the chain resolves
    const d4 = deploy(d3, { id: 4, created: 3900, finished: 4000, commit: "not-pushed" });
    expect(triples(target([push, d2, d3, d4]).leadTimes)).toEqual([[4, 1, 3000]]);
  });

  test("promotion: a deployment deployed again to another target resolves to the same push for both", () => {
    const push = pl({ id: 1, created: 1000, commit: "a" });
    const staging = deploy(push, { id: 2, deployTo: "staging", created: 1100, finished: 1200, commit: "x" });
    const prod = deploy(staging, { id: 3, deployTo: "production", created: 1300, finished: 1400, commit: "x" });
    const history = [push, staging, prod];
    expect(triples(target(history, "production").leadTimes)).toEqual([[3, 1, 400]]);
    expect(triples(target(history, "staging").leadTimes)).toEqual([[2, 1, 200]]);
    expect(target(history, "staging").leadTimeSourceMissing).toBe(0);
  });

  test("a parent created in the same second as the child is still its parent", () => {
    const push = pl({ id: 1, created: 1000, commit: "a" });
    const d = deploy(push, { id: 2, created: 1000, finished: 1300, commit: "not-pushed" });
    expect(triples(target([push, d]).leadTimes)).toEqual([[2, 1, 300]]);
  });

  test("the chain runs through deployments only: a non-deployment parent stops it", () => {
    const a = pl({ id: 1, created: 100, commit: "a" });
    // artificial: a cron with a push parent
    const cron = pl({ id: 2, event: "cron", parent: 1, created: 200, commit: "b" });
    const b = pl({ id: 3, created: 300, commit: "b" });
    const d = pl({
      id: 4,
      event: "deployment",
      deployTo: "production",
      parent: 2,
      created: 400,
      finished: 500,
      commit: "b",
    });
    expect(triples(target([a, cron, b, d]).leadTimes)).toEqual([[4, 3, 200]]);
  });

  test("a parent that is a tag pipeline falls back to (branch, commit)", () => {
    const tag = pl({ id: 1, event: "tag", created: 1000, commit: "t" });
    const push = pl({ id: 2, created: 1500, commit: "t" });
    const d = deploy(tag, { id: 3, created: 2900, finished: 3000 });
    expect(triples(target([tag, push, d]).leadTimes)).toEqual([[3, 2, 1500]]);
  });

  test("source missing: one observation from the deployment's own created, counted, watermark unchanged", () => {
    const tag = pl({ id: 1, event: "tag", created: 1000, commit: "t" }); // no push of t
    const orphan = pl({
      id: 2,
      event: "deployment",
      deployTo: "production",
      created: 2000,
      finished: 2600,
      commit: "gh",
    });
    const p3 = pl({ id: 3, created: 2700 });
    const p4 = pl({ id: 4, created: 2800 });
    const t = target([
      tag,
      deploy(tag, { id: 10, created: 2100, finished: 2400 }),
      orphan,
      p3,
      p4,
      deploy(p4, { id: 5, created: 3000, finished: 3100 }),
    ]);
    expect(triples(t.leadTimes)).toEqual([
      [10, null, 300],
      [2, null, 600],
      [5, 4, 300], // W was still none: only the source, not #3
    ]);
    expect(t.leadTimeSourceMissing).toBe(2);
  });

  test("a parent cycle ends in the (branch, commit) fallback", () => {
    const push = pl({ id: 1, created: 100, commit: "z" });
    const a = pl({
      id: 2,
      number: 2,
      parent: 3,
      event: "deployment",
      deployTo: "production",
      created: 300,
      commit: "z",
    });
    const b = pl({
      id: 3,
      number: 3,
      parent: 2,
      event: "deployment",
      deployTo: "production",
      created: 300,
      commit: "z",
      status: "failure",
    });
    const t = target([push, a, b]);
    expect(triples(t.leadTimes)).toEqual([[2, 1, 250]]);
  });

  test("number reuse: parent is the pipeline with that number created latest but not after the child", () => {
    const p3 = pl({ id: 20, number: 3, created: 300, commit: "c3" });
    const d4 = deploy(p3, { id: 30, number: 4, created: 350, finished: 360 }); // admin then deletes #4
    const p4 = pl({ id: 40, number: 4, created: 400, commit: "c4" }); // reuses #4
    const d5 = deploy(p4, { id: 41, number: 5, created: 450, finished: 460 }); // parent 4 = id 40
    const t = target([p3, d4, p4, d5]);
    expect(t.attempts.map((a) => a.pipelineId)).toEqual([30, 41]);
    expect(triples(t.leadTimes)).toEqual([
      [4, 3, 60],
      [5, 4, 60],
    ]);
    // a same-number pipeline created after the child is never its parent
    const late = pl({ id: 25, number: 3, created: 380, commit: "late" });
    expect(triples(target([p3, late, d4]).leadTimes)).toEqual([[4, 3, 60]]);
  });
});
