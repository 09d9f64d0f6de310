// Hand-written GitOps histories through the whole pure path: the simulated ArgoCD is sighted as the
// client would parse it, the facts derive observations, the app is mapped to the Woodpecker repo
// by its images, and the core merges the events with the repo's pipelines (DEFINITIONS "ArgoCD
// deployments").
import { describe, expect, test } from "bun:test";
import { argoEvents, mapApp, pushCommitIndex, type MappableRepo } from "../../src/argocd/mapping.ts";
import { addSighting, deriveObservations, emptyFacts, type Facts } from "../../src/argocd/observe.ts";
import type { ArgoEvent } from "../../src/core/argocd.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Pipeline, Repo } from "../../src/core/model.ts";
import type { TargetState } from "../../src/core/state.ts";
import { makeArgo, sight, T0 } from "../argocd/helpers.ts";
import { opts, pl } from "./helpers.ts";

const HOUR = 3600;
const API: Repo = { id: 1, fullName: "acme/shop-api", defaultBranch: "main" };
const WEB: Repo = { id: 2, fullName: "acme/shop-web", defaultBranch: "main" };
const sha = (n: number, salt = "a") => (salt + n.toString(16)).padEnd(40, "0").replace(/^(.)/, (c) => c);
const img = (name: string, commit: string) => `registry.example.com/acme/${name}:${commit.slice(0, 7)}`;

/** Push pipelines of `repo` at T0 + created, one per commit. */
function pushes(repo: Repo, firstId: number, commits: readonly [string, number][]): Pipeline[] {
  return commits
    .map(([commit, created], i) =>
      pl({
        id: firstId + i,
        number: i + 1,
        commit,
        created: T0 + created,
        updated: T0 + created + 60,
        finished: T0 + created + 50,
      }),
    )
    .map((p) => ({ ...p, id: p.id + repo.id * 1000 }));
}

function session() {
  const { state, clock } = makeArgo();
  state.addApp({ name: "shop", repoURL: "https://git.example.com/acme/shop-deploy.git", health: "Missing" });
  let facts: Facts = emptyFacts();
  let seen = 0;
  const look = () => {
    facts = addSighting(facts, sight(state, "shop"), ++seen);
  };
  return {
    state,
    at(t: number) {
      clock.t = T0 + t;
    },
    sync(t: number, revision: string, images: string[], outcome: "Succeeded" | "Failed" | "Error" = "Succeeded") {
      this.at(t);
      state.startSync("shop", { revision, images });
      look();
      this.at(t + 30);
      state.finishSync("shop", outcome);
      look();
    },
    health(t: number, status: "Healthy" | "Degraded" | "Progressing") {
      this.at(t);
      state.setHealth("shop", status);
      look();
    },
    /** The core's state of every repo, with the app mapped automatically over the given pipelines. */
    compute(repos: { repo: Repo; pipelines: Pipeline[] }[]) {
      const mappable: MappableRepo[] = repos.map(({ repo }) => ({ id: repo.id, fullName: repo.fullName, urls: [] }));
      const index = pushCommitIndex(
        repos.flatMap(({ repo, pipelines }) =>
          pipelines.filter((p) => p.event === "push").map((p) => [repo.id, p.commit] as const),
        ),
      );
      const app = sight(state, "shop");
      const mapping = mapApp(app, mappable, index, []);
      const events = argoEvents(mapping, deriveObservations(facts, HOUR));
      const states = repos.map(({ repo, pipelines }) =>
        computeRepoDora(repo, pipelines, opts(), {
          mapped: mapping.repoId === repo.id,
          events: mapping.repoId === repo.id ? events : [],
        }),
      );
      return { mapping, states, events };
    },
  };
}

const target = (t: TargetState | undefined) => {
  if (!t) throw new Error("no target");
  return {
    deployments: t.deployments,
    failures: t.failures,
    failingSince: t.failingSince === 0 ? 0 : t.failingSince - T0,
    restore: t.restoreSeconds,
    lead: t.leadTimes.map((o) => o.seconds),
    missing: t.leadTimeSourceMissing,
  };
};

describe("GitOps histories", () => {
  const c1 = sha(1);
  const c2 = sha(2);
  const c3 = sha(3);
  const api = pushes(API, 1, [
    [c1, 0],
    [c2, 1000],
    [c3, 2000],
  ]);

  test("a rollout: the app maps to the repo by its images; pushes stop counting; lead time from the push", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.sync(3000, "d2", [img("shop-api", c3)]);
    const { mapping, states } = s.compute([{ repo: API, pipelines: api }]);
    expect(mapping).toMatchObject({ repoId: 1, repo: "acme/shop-api", target: "shop", via: "images" });
    const st = states[0]!;
    expect(st.mode).toBe("argocd-builds");
    expect(st.targets.map((t) => t.target)).toEqual(["shop"]); // no "production" from the pushes
    // First delivery: only its source (c1, pushed at 0, deployed at 1530). Then c2 and c3 (3030).
    expect(target(st.targets[0])).toEqual({
      deployments: 2,
      failures: 0,
      failingSince: 0,
      restore: [],
      lead: [1530, 2030, 1030],
      missing: 0,
    });
    expect(st.targets[0]!.attempts.map((a) => a.app)).toEqual(["default/shop", "default/shop"]);
  });

  test("a failed sync then fixed: an incident from the failure's finishedAt to the fixing deployment", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.sync(2500, "d2", [img("shop-api", c2)], "Failed");
    s.sync(4000, "d3", [img("shop-api", c3)]);
    const t = s.compute([{ repo: API, pipelines: api }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 2, failures: 1, failingSince: 0, restore: [4030 - 2530] });
    expect(t.incidents[0]).toMatchObject({
      openedAt: T0 + 2530,
      openedByApp: "default/shop",
      closedByApp: "default/shop",
    });
  });

  test("degraded after a rollout, then healthy without a new deployment: failure, closed by the restore", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.health(1600, "Healthy");
    s.sync(3000, "d2", [img("shop-api", c3)]);
    s.health(3100, "Degraded");
    s.health(3700, "Healthy");
    const t = s.compute([{ repo: API, pipelines: api }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 2, failures: 1, failingSince: 0, restore: [600] });
    expect(t.incidents[0]).toMatchObject({ openedAt: T0 + 3100, closedAt: T0 + 3700, closedByRestore: true });
  });

  test("degraded and still degraded: the target is failing since the degradation", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.health(1600, "Degraded");
    const t = s.compute([{ repo: API, pipelines: api }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 1, failures: 1, failingSince: 1600 });
  });

  test("self-heal re-syncs of the same revision are no deployments and deliver nothing", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.sync(1800, "d1", [img("shop-api", c1)]);
    s.sync(2100, "d1", [img("shop-api", c1)]);
    const t = s.compute([{ repo: API, pipelines: api }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 1, failures: 0, lead: [1530] });
  });

  test("a rollback to an older image is a deployment that delivers nothing", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    s.sync(2500, "d2", [img("shop-api", c3)]);
    s.sync(3000, "d1", [img("shop-api", c1)]);
    const t = s.compute([{ repo: API, pipelines: api }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 3, lead: [1530, 2530 - 1000, 2530 - 2000], missing: 0 });
  });

  test("an app whose images name commits of two repos maps to neither by images, and falls back", () => {
    const web = pushes(WEB, 1, [[sha(9, "b"), 500]]);
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1), img("shop-web", sha(9, "b"))]);
    const { mapping, states } = s.compute([
      { repo: API, pipelines: api },
      { repo: WEB, pipelines: web },
    ]);
    expect(mapping).toMatchObject({ repoId: null, repo: "acme/shop-deploy", via: "none" });
    // Both repos keep default rule 2: no app maps to them.
    expect(states.map((st) => st.mode)).toEqual(["default-branch-push", "default-branch-push"]);
  });

  test("an image naming one repo next to an image naming none still maps", () => {
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c2), "docker.io/library/redis:7.2"]);
    const { mapping, states } = s.compute([{ repo: API, pipelines: api }]);
    expect(mapping).toMatchObject({ repoId: 1, via: "images" });
    expect(target(states[0]!.targets[0])).toMatchObject({ lead: [1530 - 1000] });
  });

  test("an image naming a commit pushed after the deployment started: source missing, as for Woodpecker", () => {
    const late = pushes(API, 1, [[c1, 5000]]);
    const s = session();
    s.sync(1500, "d1", [img("shop-api", c1)]);
    const t = s.compute([{ repo: API, pipelines: late }]).states[0]!.targets[0]!;
    expect(target(t)).toMatchObject({ deployments: 1, missing: 1, lead: [30] });
  });
});

describe("merged with Woodpecker attempts", () => {
  const ev = (over: Partial<ArgoEvent> & Pick<ArgoEvent, "kind" | "time" | "key">): ArgoEvent => ({
    target: "production",
    app: "default/shop",
    created: over.time,
    number: 0,
    order: 0,
    imageCommits: [],
    revisions: [],
    ...over,
  });

  test("at equal times Woodpecker attempts come first, then ArgoCD events by app name", () => {
    const deployRepo: Repo = { id: 3, fullName: "acme/ops", defaultBranch: "main" };
    const p = pl({
      id: 1,
      event: "deployment",
      deployTo: "production",
      status: "failure",
      finished: T0 + 100,
      created: T0,
    });
    const st = computeRepoDora(deployRepo, [p], opts(), {
      mapped: true,
      events: [
        ev({ kind: "deployment", time: T0 + 100, key: "b", app: "default/zz" }),
        ev({ kind: "failure", time: T0 + 100, key: "a", app: "default/aa" }),
      ],
    });
    const t = st.targets[0]!;
    expect(t.attempts.map((a) => [a.pipelineId, a.app ?? "wp", a.success])).toEqual([
      [1, "wp", false],
      [0, "default/aa", false],
      [0, "default/zz", true],
    ]);
    // Woodpecker's failure opened it, ArgoCD's deployment closed it.
    expect(t.incidents).toEqual([
      {
        openedAt: T0 + 100,
        openedBy: 1,
        lastFailureAt: T0 + 100,
        closedAt: T0 + 100,
        closedBy: 0,
        failures: 2,
        closedByApp: "default/zz",
      },
    ]);
    expect(st.mode).toBe("deployment-events"); // rule 1 still applies to a mapped repo
  });

  test("a restore closes an incident a Woodpecker failure opened; a restore while healthy does nothing", () => {
    const p = pl({
      id: 1,
      event: "deployment",
      deployTo: "production",
      status: "failure",
      finished: T0 + 100,
      created: T0,
    });
    const st = computeRepoDora(API, [p], opts(), {
      mapped: true,
      events: [ev({ kind: "restore", time: T0 + 50, key: "r0" }), ev({ kind: "restore", time: T0 + 400, key: "r1" })],
    });
    expect(st.targets[0]!.restoreSeconds).toEqual([300]);
    expect(st.targets[0]!.incidents).toHaveLength(1);
  });

  test("restores alone make no target; DORA_SINCE drops ArgoCD events created before it", () => {
    expect(
      computeRepoDora(API, [], opts(), { mapped: true, events: [ev({ kind: "restore", time: T0, key: "r" })] }).targets,
    ).toEqual([]);
    const st = computeRepoDora(API, [], opts({ since: T0 + 10 }), {
      mapped: true,
      events: [
        ev({ kind: "deployment", time: T0 + 20, created: T0 + 5, key: "d0" }),
        ev({ kind: "deployment", time: T0 + 30, created: T0 + 25, key: "d1" }),
      ],
    });
    expect(st.targets[0]!.deployments).toBe(1);
  });

  test("a mapped repo loses default rule 2 only: explicit rules still count its pushes", () => {
    const p = pl({ id: 1, created: T0 });
    const mapped = { mapped: true, events: [] };
    expect(computeRepoDora(API, [p], opts(), mapped).targets).toEqual([]);
    const rules = opts({ repoRules: [{ repos: "acme/*", rules: [{ events: ["push"], target: "ci" }] }] });
    expect(computeRepoDora(API, [p], rules, mapped).targets.map((t) => t.target)).toEqual(["ci"]);
  });
});
