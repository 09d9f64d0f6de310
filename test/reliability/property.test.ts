// The central promise, as a property: random histories x random poll timings x random faults.
// After the faults stop and one more poll, the exporter's state and its /metrics DORA series
// equal the oracle's (an independent transcription of DEFINITIONS.md), no poll ever threw, and
// between any two scrapes no series vanished and no counter moved backwards.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { diffWithOracle, doraSamples, inProcessExporter, monotonicProblems, World } from "./harness.ts";
import { reliabilityParams } from "./params.ts";
import { applyStep, armFaults, scenarioArb, setupRepos, type Scenario } from "./scenario.ts";

setDefaultTimeout(180_000);

const RUNS = 400;

async function run(s: Scenario, seed: number): Promise<void> {
  const world = new World({ seed });
  setupRepos(world, s);
  const exp = inProcessExporter(world);
  let previous = doraSamples(await exp.scrape());
  /** Labels whose series may legitimately vanish: renamed repos, push repos that got a deployment. */
  const exempt = new Set<string>();
  const labelOf = (i: number) => world.sim.getRepo(world.repos[i]!.id)!.full_name;

  for (const st of s.steps) {
    if (st.t !== "poll") {
      if (st.t === "rename" || st.t === "deploy") exempt.add(labelOf(st.repo));
      applyStep(world, st);
      // A rename applies as soon as the repo listing shows it, a first deployment only once its
      // pipeline is read (maybe a failed poll later): the mode switch can land under the new name.
      if (st.t === "rename" || st.t === "deploy") exempt.add(labelOf(st.repo));
      continue;
    }
    armFaults(world, st.faults);
    const invalidBefore = invalidObjects(await exp.scrape());
    // A poll never throws, whatever Woodpecker does: it reports false and keeps what it had.
    const ok = await exp.poller.poll();
    expect(typeof ok).toBe("boolean");
    world.faults.clear();
    const now = doraSamples(await exp.scrape());
    const problems = monotonicProblems(previous, now, (k) => [...exempt].some((l) => k.includes(`repo="${l}"`)));
    expect(problems).toEqual([]);
    // A complete poll that skipped no bad object has seen the renames and mode switches.
    if (ok && invalidObjects(await exp.scrape()) === invalidBefore) exempt.clear();
    previous = now;
  }
  // Faults stop; one more poll.
  world.faults.clear();
  expect(await exp.poller.poll()).toBe(true);
  const scrape = await exp.scrape();
  const diffs = diffWithOracle(scrape, world.expected(exp.kept));
  if (diffs.length > 0) {
    throw new Error(
      `exporter and oracle differ after recovery:\n${diffs.slice(0, 15).join("\n")}\nfaults \
injected: ${world.faults.injected.length}`,
    );
  }
  // State (not only the rendering): every tracked repo's targets match the oracle's per target.
  const want = world.expected(exp.kept);
  for (const r of exp.poller.repos.values()) {
    for (const t of r.state?.targets ?? []) {
      const o = want.find((x) => x.repo === r.stateLabel && x.deployTo === t.target);
      expect(o, `${r.stateLabel}/${t.target}`).toBeDefined();
      expect([t.deployments, t.failures, t.failingSince, t.leadTimeSourceMissing]).toEqual([
        o!.deployments,
        o!.failures,
        o!.failingSince,
        o!.sourceMissing,
      ]);
      expect([...t.restoreSeconds]).toEqual(o!.restore);
      expect(t.leadTimes.map((l) => l.seconds).sort(num)).toEqual([...o!.leadTimes].sort(num));
    }
  }
  const up = doraUp(scrape);
  expect(up).toBe(1);
}

const num = (a: number, b: number) => a - b;

function invalidObjects(scrape: string): number {
  let n = 0;
  for (const m of scrape.matchAll(/^dora_invalid_objects_total\{[^}]*\} (\S+)$/gm)) n += Number(m[1]);
  return n;
}

function doraUp(scrape: string): number | undefined {
  const m = /^dora_woodpecker_up (\S+)$/m.exec(scrape);
  return m ? Number(m[1]) : undefined;
}

describe("reliability property (in-process exporter)", () => {
  test(
    "random histories x poll timings x faults: after " + "faults stop and one poll, DORA series equal the oracle",
    async () => {
      const params = reliabilityParams(RUNS, "in-process");
      await fc.assert(
        fc.asyncProperty(scenarioArb, fc.integer({ min: 1, max: 1_000_000 }), async (s, seed) => {
          await run(s, seed);
        }),
        params,
      );
    },
  );

  test("the same on a 2.8 server (2.x keys, no event filter, no last_pipeline)", async () => {
    const params = reliabilityParams(Math.ceil(RUNS / 4), "in-process-2.8");
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const world = new World({ version: "2.8.0" });
        setupRepos(world, s);
        const exp = inProcessExporter(world);
        for (const st of s.steps) {
          if (st.t === "poll") {
            armFaults(world, st.faults);
            await exp.poller.poll();
            world.faults.clear();
          } else applyStep(world, st);
        }
        expect(await exp.poller.poll()).toBe(true);
        expect(diffWithOracle(await exp.scrape(), world.expected(exp.kept))).toEqual([]);
      }),
      params,
    );
  });
});
