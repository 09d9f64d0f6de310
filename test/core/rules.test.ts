// Deployment rules: defaults and user rule blocks (DEFINITIONS "Deployment rules").
import { describe, expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { DeploymentRule, Pipeline, Repo, RepoRules } from "../../src/core/model.ts";
import { classify, matchRule, resolveMode } from "../../src/core/rules.ts";
import { REPO, opts, pl } from "./helpers.ts";

function targetsOf(pipelines: Pipeline[], repoRules: RepoRules[], repo: Repo = REPO): (string | null)[] {
  const resolution = resolveMode(repo, pipelines, opts({ repoRules }));
  return pipelines.map((p) => classify(p, repo, resolution));
}

const block = (rules: DeploymentRule[], repos = "*"): RepoRules[] => [{ repos, rules }];

describe("defaults", () => {
  test("default 1: only deployment pipelines, target deploy_to or default", () => {
    const history = [
      pl({ id: 1 }),
      pl({ id: 2, event: "deployment", deployTo: "prod", status: "running" }),
      pl({ id: 3, event: "deployment" }),
    ];
    const r = resolveMode(REPO, history, opts());
    expect(r).toEqual({ mode: "deployment-events", block: null, blockIndex: -1 });
    expect(history.map((p) => classify(p, REPO, r))).toEqual([null, "prod", "default"]);
  });

  test("default 2: pushes on the default branch go to production", () => {
    const repo = { ...REPO, defaultBranch: "trunk" };
    const history = [
      pl({ id: 1, branch: "trunk" }),
      pl({ id: 2, branch: "main" }),
      pl({ id: 3, event: "tag", branch: "trunk" }),
    ];
    expect(resolveMode(repo, history, opts()).mode).toBe("default-branch-push");
    expect(targetsOf(history, [], repo)).toEqual(["production", null, null]);
  });

  test("an empty default branch: no push is a rule-2 deployment, not even one with an empty branch", () => {
    const repo = { ...REPO, defaultBranch: "" };
    const history = [pl({ id: 1, branch: "main" }), pl({ id: 2, branch: "" }), pl({ id: 3, branch: "master" })];
    expect(targetsOf(history, [], repo)).toEqual([null, null, null]);
  });

  test("an empty default branch: $default_branch matches no branch, also inside a larger glob", () => {
    const repo = { ...REPO, defaultBranch: "" };
    const history = [pl({ id: 1, branch: "main" }), pl({ id: 2, branch: "" }), pl({ id: 3, branch: "release/1" })];
    expect(targetsOf(history, block([{ events: ["push"], branch: "$default_branch", target: "prod" }]), repo)).toEqual([
      null,
      null,
      null,
    ]);
    expect(
      targetsOf(history, block([{ events: ["push"], branch: "{$default_branch,release/*}", target: "prod" }]), repo),
    ).toEqual([null, null, "prod"]);
    expect(targetsOf(history, block([{ events: ["push"], branch: "$default_branch*", target: "prod" }]), repo)).toEqual(
      [null, null, null],
    );
  });

  test("a deployment before since does not select default 1", () => {
    const history = [pl({ id: 1, event: "deployment", created: 10 })];
    expect(resolveMode(REPO, history, opts({ since: 11 })).mode).toBe("default-branch-push");
    expect(resolveMode(REPO, history, opts({ since: 10 })).mode).toBe("deployment-events");
  });
});

describe("user rules", () => {
  const history = [
    pl({ id: 1, event: "push", branch: "main" }),
    pl({ id: 2, event: "tag", branch: "main", deployTo: "" }),
    pl({ id: 3, event: "push", branch: "release/1.0" }),
    pl({ id: 4, event: "deployment", branch: "main", deployTo: "prod-eu" }),
    pl({ id: 5, event: "deployment", branch: "main", deployTo: "staging" }),
    pl({ id: 6, event: "cron", branch: "main" }),
  ];

  test("events", () => {
    expect(targetsOf(history, block([{ events: ["tag", "cron"], target: "production" }]))).toEqual([
      null,
      "production",
      null,
      null,
      null,
      "production",
    ]);
  });

  test("branch glob", () => {
    expect(targetsOf(history, block([{ events: ["push"], branch: "release/*", target: "production" }]))).toEqual([
      null,
      null,
      "production",
      null,
      null,
      null,
    ]);
  });

  test("$default_branch, alone and inside a glob", () => {
    const repo = { ...REPO, defaultBranch: "main" };
    expect(targetsOf(history, block([{ events: ["push"], branch: "$default_branch", target: "p" }]), repo)).toEqual([
      "p",
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(
      targetsOf(history, block([{ events: ["push"], branch: "{$default_branch,release/*}", target: "p" }]), repo),
    ).toEqual(["p", null, "p", null, null, null]);
    // the default branch name is literal even when it looks like glob syntax
    const odd = { ...REPO, defaultBranch: "{x,y}" };
    const pushes = [pl({ id: 1, branch: "{x,y}" }), pl({ id: 2, branch: "x" })];
    expect(targetsOf(pushes, block([{ branch: "$default_branch" }]), odd)).toEqual(["default", null]);
    expect(targetsOf(pushes, block([{ branch: "{$default_branch,z}" }]), odd)).toEqual(["default", null]);
  });

  test("deployTo glob; absent target means deploy_to, or default when empty", () => {
    expect(targetsOf(history, block([{ events: ["deployment"], deployTo: "prod*" }]))).toEqual([
      null,
      null,
      null,
      "prod-eu",
      null,
      null,
    ]);
    expect(targetsOf(history, block([{ events: ["tag"] }]))).toEqual([null, "default", null, null, null, null]);
  });

  test(
    "edge readings: empty events list matches nothing, " + "empty deployTo matches only empty, empty target is absent",
    () => {
      expect(targetsOf(history, block([{ events: [] }]))).toEqual(Array(6).fill(null));
      expect(targetsOf(history, block([{ events: ["push", "deployment"], deployTo: "" }]))).toEqual([
        "default",
        null,
        "default",
        null,
        null,
        null,
      ]);
      expect(targetsOf(history, block([{ events: ["deployment"], target: "" }]))).toEqual([
        null,
        null,
        null,
        "prod-eu",
        "staging",
        null,
      ]);
    },
  );

  test("exclude stops the search; first matching rule wins", () => {
    const rules: DeploymentRule[] = [
      { events: ["deployment"], deployTo: "staging", exclude: true },
      { events: ["deployment"], target: "first" },
      { events: ["deployment"], target: "second" },
      { target: "catch-all" },
    ];
    expect(targetsOf(history, block(rules))).toEqual([
      "catch-all",
      "catch-all",
      "catch-all",
      "first",
      null,
      "catch-all",
    ]);
    expect(history.map((p) => matchRule(p, REPO, rules))).toEqual([3, 3, 3, 1, 0, 3]);
  });

  test(
    "first matching block wins; a matching block " + "overrides default 1; no rule matching means not a deployment",
    () => {
      const repoRules: RepoRules[] = [
        { repos: "other/*", rules: [{ target: "other" }] },
        { repos: "acme/*", rules: [{ events: ["tag"], target: "acme" }] },
        { repos: "*", rules: [{ target: "everyone" }] },
      ];
      const r = resolveMode(REPO, history, opts({ repoRules }));
      expect(r.mode).toBe("rules");
      expect(r.blockIndex).toBe(1);
      expect(r.block).toBe(repoRules[1]!);
      expect(targetsOf(history, repoRules)).toEqual([null, "acme", null, null, null, null]);
      expect(targetsOf(history, repoRules, { ...REPO, fullName: "zed/x" })).toEqual(Array(6).fill("everyone"));
    },
  );

  test("rules drive computeRepoDora end to end", () => {
    const state = computeRepoDora(REPO, history, opts({ repoRules: block([{ events: ["deployment"] }], "acme/app") }));
    expect(state.mode).toBe("rules");
    expect(state.targets.map((t) => [t.target, t.deployments])).toEqual([
      ["prod-eu", 1],
      ["staging", 1],
    ]);
  });
});
