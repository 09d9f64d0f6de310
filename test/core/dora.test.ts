// Attempts, incidents, ordering, DORA_SINCE and default modes of computeRepoDora.
import { describe, expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Pipeline } from "../../src/core/model.ts";
import type { TargetState } from "../../src/core/state.ts";
import { REPO, deploy, opts, pl } from "./helpers.ts";

function only(pipelines: Pipeline[], options = opts()): TargetState {
  const state = computeRepoDora(REPO, pipelines, options);
  expect(state.targets.length).toBe(1);
  return state.targets[0]!;
}

describe("incidents and time to restore", () => {
  const ok1 = pl({ id: 1, finished: 1000 });
  const fail2 = pl({ id: 2, status: "failure", finished: 2000 });
  const err3 = pl({ id: 3, status: "error", finished: 3000 });
  const ok4 = pl({ id: 4, finished: 5000 });
  const fail5 = pl({ id: 5, status: "failure", finished: 6000 });

  test("first failure opens an incident; later failures only move the last failure", () => {
    const t = only([ok1, fail2, err3]);
    expect(t.incidents).toEqual([
      { openedAt: 2000, openedBy: 2, lastFailureAt: 3000, closedAt: null, closedBy: null, failures: 2 },
    ]);
    expect(t.failingSince).toBe(2000);
    expect(t.restoreSeconds).toEqual([]);
    expect(t.deployments).toBe(1);
    expect(t.failures).toBe(2);
    expect(t.lastSuccessAt).toBe(1000);
    expect(t.lastFailureAt).toBe(3000);
  });

  test("next success closes it with close time - open time", () => {
    const t = only([ok1, fail2, err3, ok4, fail5]);
    expect(t.incidents).toEqual([
      { openedAt: 2000, openedBy: 2, lastFailureAt: 3000, closedAt: 5000, closedBy: 4, failures: 2 },
      { openedAt: 6000, openedBy: 5, lastFailureAt: 6000, closedAt: null, closedBy: null, failures: 1 },
    ]);
    expect(t.restoreSeconds).toEqual([3000]);
    expect(t.failingSince).toBe(6000);
    expect(t.deployments).toBe(2);
    expect(t.failures).toBe(3);
    expect(t.lastSuccessAt).toBe(5000);
    expect(t.lastFailureAt).toBe(6000);
  });

  test("a failure as the very first attempt opens an incident", () => {
    const t = only([pl({ id: 1, status: "failure", finished: 100 }), pl({ id: 2, finished: 400 })]);
    expect(t.incidents).toEqual([
      { openedAt: 100, openedBy: 1, lastFailureAt: 100, closedAt: 400, closedBy: 2, failures: 1 },
    ]);
    expect(t.restoreSeconds).toEqual([300]);
    expect(t.failingSince).toBe(0);
  });

  test("healthy target: failingSince 0, last failure 0", () => {
    const t = only([ok1, ok4]);
    expect(t.incidents).toEqual([]);
    expect(t.failingSince).toBe(0);
    expect(t.lastFailureAt).toBe(0);
    expect(t.lastSuccessAt).toBe(5000);
  });
});

describe("what is an attempt", () => {
  test.each(["killed", "canceled", "declined", "skipped"])("%s is not an attempt", (status) => {
    const t = only([
      pl({ id: 1, status: "failure", finished: 100 }),
      pl({ id: 2, status, finished: 200 }),
      pl({ id: 3, finished: 300 }),
    ]);
    expect(t.attempts.map((a) => a.number)).toEqual([1, 3]);
    expect(t.failures).toBe(1);
    expect(t.restoreSeconds).toEqual([200]);
    // alone it creates no target at all
    expect(computeRepoDora(REPO, [pl({ id: 2, status, finished: 200 })], opts()).targets).toEqual([]);
  });

  test.each(["created", "pending", "running", "blocked", "some-future-status"])(
    "non-terminal %s is not counted",
    (status) => {
      expect(computeRepoDora(REPO, [pl({ id: 1, status, finished: 0 })], opts()).targets).toEqual([]);
      const t = only([pl({ id: 1, status: "failure" }), pl({ id: 2, status, finished: 0 })]);
      expect(t.attempts.length).toBe(1);
      expect(t.failingSince).toBe(150);
    },
  );

  test("custom failure statuses", () => {
    const history = [pl({ id: 1, status: "error" }), pl({ id: 2, status: "killed" }), pl({ id: 3, status: "failure" })];
    expect(only(history, opts({ failureStatuses: ["failure"] })).attempts.map((a) => a.number)).toEqual([3]);
    const wide = only(history, opts({ failureStatuses: ["failure", "error", "killed"] }));
    expect(wide.failures).toBe(3);
    expect(wide.incidents[0]!.failures).toBe(3);
    // a non-terminal status in the failure set never counts; `success` is always a success
    expect(
      computeRepoDora(REPO, [pl({ id: 1, status: "running" })], opts({ failureStatuses: ["running"] })).targets,
    ).toEqual([]);
    expect(only([pl({ id: 1 })], opts({ failureStatuses: ["success"] })).deployments).toBe(1);
  });

  test("snapshots of one id count once; the terminal one wins", () => {
    const running = pl({ id: 7, status: "running", finished: 0, updated: 900 });
    const done = pl({ id: 7, status: "failure", finished: 800, updated: 850 });
    const t = only([done, running, done, running]);
    expect(t.attempts).toEqual([{ pipelineId: 7, number: 7, time: 800, success: false }]);
  });
});

describe("ordering", () => {
  test("equal times order by number", () => {
    const a = only([pl({ id: 5, status: "failure", finished: 1000 }), pl({ id: 4, finished: 1000 })]);
    expect(a.attempts.map((x) => x.number)).toEqual([4, 5]);
    expect(a.failingSince).toBe(1000);
    const b = only([pl({ id: 4, status: "failure", finished: 1000 }), pl({ id: 5, finished: 1000 })]);
    expect(b.restoreSeconds).toEqual([0]);
    expect(b.failingSince).toBe(0);
  });

  test("time beats number", () => {
    const t = only([pl({ id: 6, status: "failure", finished: 900 }), pl({ id: 7, finished: 500 })]);
    expect(t.attempts.map((x) => x.number)).toEqual([7, 6]);
    expect(t.failingSince).toBe(900);
    expect(t.lastSuccessAt).toBe(500);
  });

  test("finished 0 on a terminal pipeline uses updated, then created", () => {
    const t = only([
      pl({ id: 1, status: "error", created: 100, finished: 0, updated: 777 }),
      pl({ id: 2, status: "failure", created: 300, finished: 0, updated: 0 }),
      pl({ id: 3, created: 200, finished: 0, updated: 0 }),
    ]);
    expect(t.attempts.map((x) => [x.number, x.time])).toEqual([
      [3, 200],
      [2, 300],
      [1, 777],
    ]);
    expect(t.incidents).toEqual([
      { openedAt: 300, openedBy: 2, lastFailureAt: 777, closedAt: null, closedBy: null, failures: 2 },
    ]);
  });
});

describe("targets", () => {
  test("two targets in one repo are kept apart and sorted by name", () => {
    const push = pl({ id: 1 });
    const state = computeRepoDora(
      REPO,
      [
        push,
        deploy(push, { id: 2, deployTo: "staging", status: "failure", finished: 300 }),
        deploy(push, { id: 3, deployTo: "production", finished: 400 }),
        deploy(push, { id: 4, deployTo: "staging", finished: 500 }),
        deploy(push, { id: 5, deployTo: "", finished: 600 }),
      ],
      opts(),
    );
    expect(state.mode).toBe("deployment-events");
    expect(state.targets.map((t) => [t.target, t.deployments, t.failures, t.restoreSeconds])).toEqual([
      ["default", 1, 0, []],
      ["production", 1, 0, []],
      ["staging", 1, 1, [200]],
    ]);
  });

  test("restart of a failed deployment is a new attempt to the same target", () => {
    const push = pl({ id: 1 });
    const failed = deploy(push, { id: 2, status: "failure", finished: 1000 });
    const restart = deploy(failed, { id: 3, finished: 1600 });
    const t = only([push, failed, restart]);
    expect(t.target).toBe("production");
    expect(t.attempts).toEqual([
      { pipelineId: 2, number: 2, time: 1000, success: false },
      { pipelineId: 3, number: 3, time: 1600, success: true },
    ]);
    expect(t.restoreSeconds).toEqual([600]);
    // its source is the push reached through the failed deployment
    expect(t.leadTimes).toEqual([{ deploymentNumber: 3, deployedAt: 1600, changeNumber: 1, seconds: 1500 }]);
  });

  test("number reuse after deletion: different ids are different attempts", () => {
    const t = only([
      pl({ id: 50, number: 5, status: "failure", created: 500, finished: 550 }),
      pl({ id: 51, number: 5, created: 900, finished: 950, commit: "other" }),
    ]);
    expect(t.attempts.map((a) => [a.pipelineId, a.number, a.success])).toEqual([
      [50, 5, false],
      [51, 5, true],
    ]);
    expect(t.restoreSeconds).toEqual([400]);
  });
});

describe("modes", () => {
  test("a push repo becomes a deployment repo when a deployment pipeline appears", () => {
    const pushes = [pl({ id: 1 }), pl({ id: 2, status: "failure" }), pl({ id: 3, branch: "dev" })];
    const before = computeRepoDora(REPO, pushes, opts());
    expect(before.mode).toBe("default-branch-push");
    expect(before.targets.map((t) => [t.target, t.deployments, t.failures])).toEqual([["production", 1, 1]]);
    // even a still-running deployment switches the mode (and the push series disappear)
    const running = deploy(pushes[0]!, { id: 4, status: "running", finished: 0 });
    const switched = computeRepoDora(REPO, [...pushes, running], opts());
    expect(switched.mode).toBe("deployment-events");
    expect(switched.targets).toEqual([]);
    const done = computeRepoDora(
      REPO,
      [...pushes, running, { ...running, status: "success", finished: 480, updated: 490 }],
      opts(),
    );
    expect(done.targets.map((t) => [t.target, t.deployments, t.failures])).toEqual([["production", 1, 0]]);
  });

  test("push mode counts only pushes to the default branch", () => {
    const t = only([
      pl({ id: 1 }),
      pl({ id: 2, branch: "dev" }),
      pl({ id: 3, event: "tag" }),
      pl({ id: 4, event: "pull_request" }),
    ]);
    expect(t.attempts.map((a) => a.number)).toEqual([1]);
  });
});

describe("DORA_SINCE: earlier pipelines do not exist in any role", () => {
  test("a deployment before since neither counts nor switches the mode", () => {
    const state = computeRepoDora(
      REPO,
      [pl({ id: 1, created: 500, event: "deployment" }), pl({ id: 2, created: 1500 })],
      opts({ since: 1000 }),
    );
    expect(state.mode).toBe("default-branch-push");
    expect(state.targets.map((t) => t.attempts.map((a) => a.number))).toEqual([[2]]);
  });

  test("created exactly at since exists", () => {
    expect(only([pl({ id: 1, created: 1000 })], opts({ since: 1000 })).deployments).toBe(1);
  });

  test("attempts before since are gone (an incident opened before since does not exist)", () => {
    const t = only(
      [pl({ id: 1, status: "failure", created: 900, finished: 950 }), pl({ id: 2, created: 1100, finished: 1200 })],
      opts({ since: 1000 }),
    );
    expect(t.failures).toBe(0);
    expect(t.incidents).toEqual([]);
  });

  test("a parent before since is not followed; the change is represented by its first visible push", () => {
    const old = pl({ id: 1, created: 500, commit: "c" });
    const restarted = pl({ id: 2, parent: 1, created: 1200, commit: "c", status: "failure" });
    const d = deploy(old, { id: 3, created: 1300, finished: 1400 });
    const t = only([old, restarted, d], opts({ since: 1000 }));
    expect(t.leadTimes).toEqual([{ deploymentNumber: 3, deployedAt: 1400, changeNumber: 2, seconds: 200 }]);
    expect(t.leadTimeSourceMissing).toBe(0);
  });

  test("a change before since makes the source missing", () => {
    const old = pl({ id: 1, created: 500 });
    const t = only([old, deploy(old, { id: 2, created: 1300, finished: 1400 })], opts({ since: 1000 }));
    expect(t.leadTimes).toEqual([{ deploymentNumber: 2, deployedAt: 1400, changeNumber: null, seconds: 100 }]);
    expect(t.leadTimeSourceMissing).toBe(1);
  });
});
