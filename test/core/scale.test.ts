// A large repo: exact results, and a generous time bound that only catches quadratic blow-ups
// (this runs on every poll for every changed repo).
import { expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { REPO, opts, pl } from "./helpers.ts";

function bigHistory(): Pipeline[] {
  const out: Pipeline[] = [];
  for (let i = 0; i < 4000; i++) {
    const created = 1000 + 100 * i;
    out.push(pl({ id: 2 * i + 1, created, commit: `c${i}` }));
    out.push(
      pl({
        id: 2 * i + 2,
        event: "deployment",
        deployTo: "production",
        parent: 2 * i + 1,
        commit: `c${i}`,
        created: created + 10,
        finished: created + 30,
        status: i % 10 === 9 ? "failure" : "success",
      }),
    );
  }
  // 3000 chained restarts of a staging deployment whose commit was never pushed: only the parent
  // chain finds the source, and a per-deployment walk of it would be quadratic.
  for (let j = 0; j < 3000; j++) {
    const id = 8001 + j;
    out.push(
      pl({
        id,
        event: "deployment",
        deployTo: "staging",
        parent: j === 0 ? 1 : id - 1,
        commit: "nope",
        created: 500_000 + 10 * j,
        finished: 500_005 + 10 * j,
      }),
    );
  }
  return out.reverse(); // API order: number DESC
}

// Speed is measured by `bun run bench`, never asserted here: this checks exactness at scale.
test("11000 pipelines with a 3000-long restart chain: exact numbers", () => {
  const history = bigHistory();
  const state = computeRepoDora(REPO, history, opts());

  const [production, staging] = state.targets;
  expect(state.targets.map((t) => t.target)).toEqual(["production", "staging"]);
  expect([production!.attempts.length, production!.deployments, production!.failures]).toEqual([4000, 3600, 400]);
  expect(production!.restoreSeconds.length).toBe(399);
  expect(production!.restoreSeconds.every((s) => s === 100)).toBe(true);
  expect(production!.failingSince).toBe(1000 + 100 * 3999 + 30);
  expect(production!.leadTimes.length).toBe(3999);
  expect(production!.leadTimes.filter((o) => o.seconds === 130).length).toBe(399);
  expect(production!.leadTimes.filter((o) => o.seconds === 30).length).toBe(3600);
  expect(production!.leadTimeSourceMissing).toBe(0);
  expect(staging!.deployments).toBe(3000);
  expect(staging!.leadTimes).toEqual([
    { deploymentNumber: 8001, deployedAt: 500_005, changeNumber: 1, seconds: 499_005 },
  ]);
  expect(staging!.leadTimeSourceMissing).toBe(0);
});
