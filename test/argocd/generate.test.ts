// The GitOps activity generator: deterministic, driven by the commits it is given, and its images
// name those commits so the exporter's automatic join can find them.
import { expect, test } from "bun:test";
import { commitCandidates, namesCommit } from "../../src/argocd/images.ts";
import { gitOpsReposFrom } from "../../src/simulator/argocd/from-woodpecker.ts";
import { generateGitOps, type GitOpsRepo } from "../../src/simulator/argocd/generate.ts";
import { generateHistory, SimulatedWoodpecker } from "../../src/simulator/index.ts";
import { hashHex } from "../../src/simulator/prng.ts";
import { makeArgo, sight } from "./helpers.ts";

const END = 1_787_400_000;

function repos(n = 40): GitOpsRepo[] {
  return ["acme/shop-api", "acme/web"].map((r, k) => ({
    fullName: r,
    commits: Array.from({ length: n }, (_, i) => ({
      sha: hashHex(`${r}@${i}`, 40),
      time: END - 20 * 86400 + i * 30_000 + k * 333,
    })),
  }));
}

function run(seed: number, input = repos()) {
  const { state } = makeArgo({ now: () => END });
  const out = generateGitOps(state, input, { seed, end: END });
  return { state, out, json: JSON.stringify(state.list().map((a) => state.json(a))) };
}

test("same seed and commits, same state; another seed, another history", () => {
  expect(run(5).json).toBe(run(5).json);
  expect(run(5).json).not.toBe(run(6).json);
});

test("one app per repo, named after it, running images tagged with the repo's commits", () => {
  const input = repos();
  const { state, out } = run(3, input);
  expect(out.apps).toEqual(["shop-api", "web"]);
  for (const [i, name] of out.apps.entries()) {
    const app = sight(state, name);
    const commits = input[i]!.commits.map((c) => c.sha);
    expect(app.history.length).toBe(10);
    expect(app.images.length).toBe(1);
    for (const image of app.images) {
      expect(image).toStartWith(`registry.example.com/${input[i]!.fullName}:`);
      const named = commitCandidates(image).flatMap((cand) => commits.filter((sha) => namesCommit(cand, sha)));
      expect(named).toHaveLength(1);
    }
  }
});

test("nothing happens after `end`, and nothing before the first commit", () => {
  const input = repos();
  const { state } = makeArgo({ now: () => END });
  const early = END - 20 * 86400 + 5 * 30_000;
  generateGitOps(state, input, { seed: 1, end: early });
  for (const a of state.list()) {
    const app = sight(state, a.name);
    for (const h of app.history) expect(h.deployedAt).toBeLessThanOrEqual(early);
    for (const h of app.history) expect(h.deployStartedAt ?? 0).toBeGreaterThan(input[0]!.commits[0]!.time - 1000);
  }
});

test("from a simulated Woodpecker: every running image names a push commit of exactly one repo", () => {
  const wp = new SimulatedWoodpecker({ token: "t", admin: true, now: () => END });
  generateHistory(wp, { seed: 42, days: 28, end: END, repos: 6 });
  const names = wp
    .listRepos()
    .map((r) => r.full_name)
    .slice(0, 2);
  const input = gitOpsReposFrom(wp, names);
  expect(input.every((r) => r.commits.length > 5)).toBe(true);
  const { state } = makeArgo({ now: () => END });
  const { apps } = generateGitOps(state, input, { seed: 9, end: END });
  const pushCommits = wp.listRepos().map((r) => ({
    repo: r.full_name,
    shas: wp
      .listPipelines(r.id)
      .filter((p) => p.event === "push")
      .map((p) => p.commit),
  }));
  for (const name of apps) {
    const app = sight(state, name);
    expect(app.images.length).toBeGreaterThan(0);
    for (const image of app.images) {
      const repos = new Set(
        commitCandidates(image).flatMap((c) =>
          pushCommits.filter((r) => r.shas.some((sha) => namesCommit(c, sha))).map((r) => r.repo),
        ),
      );
      expect([...repos]).toEqual([names[apps.indexOf(name)] as string]);
    }
  }
});
