// The demo's simulated ArgoCD: a GitOps app for acme/search whose history is generated from the
// simulated Woodpecker's pushes, joined by image tag (no mapping), and which follows new pushes
// while the demo runs.
import { expect, test } from "bun:test";
import { commitCandidates, namesCommit } from "../../src/argocd/images.ts";
import { createDemoArgoCD, DEMO_GITOPS_REPOS, gitOpsImage, startLiveGitOps } from "../../src/simulator/argocd/index.ts";
import { createDemoSimulator, type SimulatedWoodpecker } from "../../src/simulator/index.ts";
import { sight } from "./helpers.ts";

const T0 = 1_787_000_000;

function demo(seed = 42) {
  const clock = { t: T0 };
  const { sim } = createDemoSimulator({ seed, now: () => clock.t });
  const argo = createDemoArgoCD(sim, { seed });
  return { clock, sim, argo };
}

/** Commits of every tracked repo's push pipelines, by repo. */
function pushCommits(sim: SimulatedWoodpecker): Map<string, string[]> {
  return new Map(
    sim.listRepos().map((r) => [
      r.full_name,
      sim
        .listPipelines(r.id)
        .filter((p) => p.event === "push")
        .map((p) => p.commit),
    ]),
  );
}

/** The repos whose push commits an image names (the automatic join's first rule). */
function reposNamedBy(image: string, commits: Map<string, string[]>): string[] {
  const cands = commitCandidates(image);
  return [...commits.entries()]
    .filter(([, shas]) => shas.some((sha) => cands.some((c) => namesCommit(c, sha))))
    .map(([r]) => r);
}

test("one app per GitOps repo, with a deployment history whose images name commits of that repo only", () => {
  const { sim, argo } = demo();
  expect(DEMO_GITOPS_REPOS).toEqual(["acme/search"]);
  expect(argo.apps).toEqual(["search"]);
  const app = sight(argo.state, "search");
  const commits = pushCommits(sim);
  expect(app.history.length).toBeGreaterThan(3);
  expect(app.images.length).toBe(1);
  expect(reposNamedBy(app.images[0]!, commits)).toEqual(["acme/search"]);
  // The app's source is the config repo, not a tracked repo: only the images join it.
  expect(app.repoURLs).toEqual(["https://git.example.com/acme/gitops.git"]);
  expect(argo.state.token).toBe(argo.token);
  expect(argo.token).toContain("demo");
});

test("same seed, same ArgoCD", () => {
  const a = demo(7).argo;
  const b = demo(7).argo;
  expect(JSON.stringify(a.state.list().map((x) => a.state.json(x)))).toBe(
    JSON.stringify(b.state.list().map((x) => b.state.json(x))),
  );
});

/** A successful push on acme/search's default branch, finished now. */
function push(sim: SimulatedWoodpecker, commit: string) {
  const repo = sim.findRepo("acme/search")!;
  const p = sim.addPipeline(repo.id, { event: "push", branch: repo.default_branch, commit, status: "pending" });
  sim.startPipeline(repo.id, p.number);
  return sim.finishPipeline(repo.id, p.number, "success");
}

test(
  "live: a new push is synced a little later, as a new history entry running that commit's image, and the app " +
    "ends Healthy",
  () => {
    const { clock, sim, argo } = demo();
    const live = startLiveGitOps(argo, sim, { seed: 1, everyMs: 0, failureRate: 0, degradeRate: 0 });
    const before = sight(argo.state, "search").history.length;
    clock.t += 600; // let whatever the generated history left running end
    live.tick();
    const sha = "c0ffee1234567890c0ffee1234567890c0ffee12";
    clock.t += 10;
    push(sim, sha);
    live.tick(); // seen, planned
    for (let i = 0; i < 30; i++) {
      clock.t += 10;
      live.tick();
    }
    const app = sight(argo.state, "search");
    expect(app.history.length).toBe(Math.min(10, before + 1));
    expect(app.images).toEqual([gitOpsImage("registry.example.com", "acme/search", sha)]);
    expect(app.history.at(-1)!.deployedAt).toBeGreaterThan(T0 + 610);
    expect(app.health?.status).toBe("Healthy");
    expect(app.operation?.phase).toBe("Succeeded");
    live.stop();
  },
);

test(
  "live: a failed sync is a Failed operation and no " + "history entry; a push that did not succeed is not synced",
  () => {
    const { clock, sim, argo } = demo();
    const live = startLiveGitOps(argo, sim, { seed: 1, everyMs: 0, failureRate: 1 });
    clock.t += 600;
    live.tick();
    const before = sight(argo.state, "search").history.map((h) => h.id);
    const repo = sim.findRepo("acme/search")!;
    const broken = sim.addPipeline(repo.id, {
      event: "push",
      branch: repo.default_branch,
      commit: "badbadbadbadbad0000000000000000000000000",
      status: "pending",
    });
    sim.finishPipeline(repo.id, broken.number, "failure");
    clock.t += 10;
    live.tick();
    for (let i = 0; i < 10; i++) {
      clock.t += 10;
      live.tick();
    }
    expect(sight(argo.state, "search").operation?.startedAt).toBeLessThan(T0 + 600);
    push(sim, "feed0000feed0000feed0000feed0000feed0000");
    for (let i = 0; i < 12; i++) {
      clock.t += 10;
      live.tick();
    }
    const app = sight(argo.state, "search");
    expect(["Failed", "Error"]).toContain(app.operation!.phase);
    expect(app.operation!.startedAt).toBeGreaterThan(T0 + 600);
    expect(app.history.map((h) => h.id)).toEqual(before);
  },
);
