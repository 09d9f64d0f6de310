// Single-pipeline responses carry workflows with steps in `children`, derived from the pipeline's
// status and times: they must agree with the pipeline and follow the clock while it runs.

import { expect, test } from "bun:test";
import { get, makeSim, repoWithPushes } from "./helpers.ts";

interface Step {
  name: string;
  state: string;
  exit_code: number;
  started: number;
  finished: number;
}
interface Workflow {
  name: string;
  state: string;
  started: number;
  finished: number;
  children: Step[];
}

test("steps follow the pipeline: running progresses with the clock, failures show the failing step", async () => {
  const { sim, clock } = makeSim();
  const repo = repoWithPushes(sim, clock, 3);
  const workflows = async (n: number) =>
    ((await get(sim, `/api/repos/${repo.id}/pipelines/${n}`)).json as { workflows: Workflow[] }).workflows;

  expect((await workflows(1)).flatMap((w) => w.children.map((s) => s.state))).toEqual(Array(6).fill("pending"));

  sim.startPipeline(repo.id, 1);
  const early = (await workflows(1))[0]!.children.map((s) => s.state);
  clock.t += 100;
  const later = (await workflows(1))[0]!.children.map((s) => s.state);
  expect(early[0]).toBe("running");
  expect(later.filter((s) => s === "success").length).toBeGreaterThan(early.filter((s) => s === "success").length);

  clock.t += 200;
  const done = sim.finishPipeline(repo.id, 1, "failure");
  const [test1, build] = await workflows(1);
  expect([test1!.state, build!.state]).toEqual(["failure", "success"]);
  expect(test1!.children.map((s) => [s.state, s.exit_code])).toEqual([
    ["success", 0],
    ["success", 0],
    ["success", 0],
    ["failure", 1],
  ]);
  expect([test1!.started, test1!.finished]).toEqual([done.started, done.finished]);
  for (const s of test1!.children) expect(s.started >= done.started && s.finished <= done.finished).toBe(true);

  sim.finishPipeline(repo.id, 2, "canceled");
  expect((await workflows(2)).flatMap((w) => w.children.map((s) => [s.state, s.started]))).toEqual(
    Array(6).fill(["canceled", 0]),
  );

  const d = sim.deploy(repo.id, 3, "production");
  expect((await workflows(d.number)).map((w) => w.name)).toEqual(["deploy"]);
});
