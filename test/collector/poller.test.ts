// The poller against the simulated Woodpecker, in process (the simulator's fetch handler is the
// client's fetch): backfill, incremental listing, re-checks of running pipelines, request budget.
import { describe, expect, test } from "bun:test";
import { Poller } from "../../src/collector/poller.ts";
import type { RepoState } from "../../src/core/state.ts";
import { createLogger } from "../../src/log.ts";
import { WoodpeckerClient } from "../../src/woodpecker/client.ts";
import { SimulatedWoodpecker, simulatorFetch, type RequestLogEntry } from "../../src/simulator/index.ts";

const TOKEN = "poller-test-token";
const T0 = 1_780_000_000;

type SetupOptions = {
  version?: string;
  repos?: string[];
  since?: number;
  token?: string;
  /** Return a Response (or throw) to fail a request instead of asking the simulator. */
  fault?: (req: Request) => Response | undefined;
};

function setup(opts: SetupOptions = {}) {
  let clock = T0;
  const sim = new SimulatedWoodpecker({ token: TOKEN, version: opts.version, now: () => clock });
  const requests: RequestLogEntry[] = [];
  const serve = simulatorFetch(sim, { requests });
  const client = new WoodpeckerClient({
    baseUrl: "http://woodpecker.test",
    token: opts.token ?? TOKEN,
    timeoutMs: 2000,
    retries: 0,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const req = new Request(input instanceof URL ? input.href : (input as string), init);
      return opts.fault?.(req) ?? serve(req);
    }) as typeof fetch,
  });
  const states = new Map<string, RepoState>();
  const logs: string[] = [];
  const poller = new Poller({
    client,
    core: { failureStatuses: new Set(["failure", "error"]), repoRules: [], since: opts.since ?? 0, reworkRules: [] },
    repos: opts.repos ?? [],
    adminRepos: false,
    concurrency: 2,
    log: createLogger({ write: (l) => logs.push(l) }),
    now: () => clock * 1000,
    onRepoState: (repo, state) => states.set(repo.fullName, state),
  });
  const tick = (s = 60) => (clock += s);
  return { sim, requests, poller, states, logs, tick };
}

/** A push on main that ends with `status` `dur` seconds later. */
function push(s: ReturnType<typeof setup>, repoId: number, status: "success" | "failure", commit: string) {
  const p = s.sim.addPipeline(repoId, { event: "push", branch: "main", commit, status: "running" });
  s.tick(120);
  s.sim.finishPipeline(repoId, p.number, status);
  s.tick(60);
  return p;
}

function pipelineRequests(s: { requests: RequestLogEntry[] }) {
  return s.requests.filter((r) => r.path.includes("/pipelines"));
}

describe("poller", () => {
  test("backfill pages through all history and computes the push-mode state", async () => {
    const s = setup();
    const repo = s.sim.addRepo({ full_name: "acme/api", default_branch: "main" });
    for (let i = 0; i < 120; i++) push(s, repo.id, i % 10 === 3 ? "failure" : "success", `c${i}`.padEnd(40, "0"));
    expect(await s.poller.poll()).toBe(true);
    const state = s.states.get("acme/api")!;
    expect(state.mode).toBe("default-branch-push");
    expect(state.targets.map((t) => [t.target, t.deployments, t.failures])).toEqual([["production", 108, 12]]);
    // 120 pipelines = 3 pages of <= 50.
    expect(pipelineRequests(s).length).toBe(3);
    expect(s.poller.status.backfillComplete).toBe(true);
    expect(s.poller.status.lastCycleOk).toBe(true);
  });

  test("commit messages are stored only where a rework reason can match them; reverts still count", async () => {
    const s = setup();
    const repo = s.sim.addRepo({ full_name: "acme/api", default_branch: "main" });
    const revert = 'Revert "feat: x"\n\nThis reverts commit 0123.\n';
    for (const [i, message] of ["feat: x\n", revert, "docs: y\n"].entries()) {
      const p = s.sim.addPipeline(repo.id, {
        event: "push",
        branch: "main",
        commit: `m${i}`.padEnd(40, "0"),
        message,
        status: "running",
      });
      s.tick(120);
      s.sim.finishPipeline(repo.id, p.number, "success");
      s.tick(60);
    }
    expect(await s.poller.poll()).toBe(true);
    const stored = [...s.poller.repos.get(repo.id)!.history.pipelines.values()].map((p) => p.message).sort();
    expect(stored).toEqual(["", "", revert]);
    expect(s.states.get("acme/api")!.targets[0]!.rework.map((r) => r.reason)).toEqual(["revert"]);
  });

  test("an idle poll costs one request: the repo listing", async () => {
    const s = setup();
    const a = s.sim.addRepo({ full_name: "acme/a" });
    const b = s.sim.addRepo({ full_name: "acme/b" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    push(s, b.id, "failure", "b1".padEnd(40, "0"));
    await s.poller.poll();
    s.requests.length = 0;
    s.tick();
    await s.poller.poll();
    await s.poller.poll();
    expect(s.requests.map((r) => r.path)).toEqual(["/api/user/repos", "/api/user/repos"]);
  });

  test("a changed repo costs one page; running pipelines are re-checked until they end", async () => {
    const s = setup();
    const a = s.sim.addRepo({ full_name: "acme/a" });
    const b = s.sim.addRepo({ full_name: "acme/b" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    push(s, b.id, "success", "b1".padEnd(40, "0"));
    await s.poller.poll();
    const running = s.sim.addPipeline(a.id, {
      event: "push",
      branch: "main",
      commit: "a2".padEnd(40, "0"),
      status: "running",
    });
    s.tick();
    s.requests.length = 0;
    await s.poller.poll();
    expect(pipelineRequests(s).map((r) => r.path)).toEqual([`/api/repos/${a.id}/pipelines`]);
    expect(s.states.get("acme/a")!.targets[0]!.deployments).toBe(1);

    s.requests.length = 0;
    s.tick();
    await s.poller.poll(); // still running: only the re-check of that one pipeline
    expect(pipelineRequests(s).map((r) => r.path)).toEqual([`/api/repos/${a.id}/pipelines/${running.number}`]);

    s.sim.finishPipeline(a.id, running.number, "failure");
    s.tick();
    await s.poller.poll();
    const t = s.states.get("acme/a")!.targets[0]!;
    expect([t.deployments, t.failures, t.failingSince > 0]).toEqual([1, 1, true]);
    s.requests.length = 0;
    await s.poller.poll(); // now terminal: nothing left to re-check
    expect(pipelineRequests(s)).toEqual([]);
  });

  test("pull requests and crons are filtered server-side on 3.x", async () => {
    const s = setup();
    const a = s.sim.addRepo({ full_name: "acme/a" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    await s.poller.poll();
    const list = pipelineRequests(s).find((r) => r.path.endsWith("/pipelines"))!;
    expect(list.query.event).toBe("deployment,push");
  });

  test("a 2.x server (no filters, no last_pipeline, *_at keys) gives the same state", async () => {
    const mk = (version?: string) => {
      const s = setup({ version });
      const a = s.sim.addRepo({ full_name: "acme/a" });
      for (let i = 0; i < 60; i++) {
        if (i % 7 === 0) s.sim.addPipeline(a.id, { event: "pull_request", branch: "main", status: "success" });
        push(s, a.id, i % 9 === 0 ? "failure" : "success", `c${i}`.padEnd(40, "0"));
      }
      return s;
    };
    const v3 = mk();
    const v2 = mk("2.8.0");
    await v3.poller.poll();
    await v2.poller.poll();
    expect(v2.states.get("acme/a")).toEqual(v3.states.get("acme/a")!);
    expect(v2.states.get("acme/a")!.targets[0]!.deployments).toBeGreaterThan(0);
  });

  test("DORA_REPOS filters repos by glob with excludes", async () => {
    const s = setup({ repos: ["acme/*", "!acme/sandbox"] });
    for (const name of ["acme/api", "acme/sandbox", "other/x"]) {
      const r = s.sim.addRepo({ full_name: name });
      push(s, r.id, "success", name.replace("/", "-").padEnd(40, "0"));
    }
    await s.poller.poll();
    expect([...s.states.keys()]).toEqual(["acme/api"]);
    expect(s.poller.status.trackedRepos).toBe(1);
  });

  test("a renamed repo keeps its history under its new name", async () => {
    const s = setup();
    const a = s.sim.addRepo({ full_name: "acme/old" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    await s.poller.poll();
    s.sim.renameRepo(a.id, "acme/new");
    push(s, a.id, "success", "a2".padEnd(40, "0"));
    await s.poller.poll();
    expect(s.states.get("acme/new")!.targets[0]!.deployments).toBe(2);
  });

  test("a bad token fails the cycle without losing state, and recovery needs no restart", async () => {
    const s = setup({ token: "wrong" });
    const a = s.sim.addRepo({ full_name: "acme/a" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    expect(await s.poller.poll()).toBe(false);
    expect(s.poller.status.lastCycleOk).toBe(false);
    expect(s.logs.some((l) => l.includes("HTTP 401"))).toBe(true);
    expect(s.logs.join("\n")).not.toContain("wrong");
  });

  test("DORA_SINCE: older pipelines do not exist, and paging stops there", async () => {
    const s = setup({ since: T0 + 180 * 100 });
    const a = s.sim.addRepo({ full_name: "acme/a" });
    for (let i = 0; i < 200; i++) push(s, a.id, "success", `c${i}`.padEnd(40, "0"));
    await s.poller.poll();
    expect(s.states.get("acme/a")!.targets[0]!.deployments).toBe(100);
    expect(pipelineRequests(s).length).toBeLessThanOrEqual(3);
  });

  test("a pending pipeline deleted in Woodpecker is forgotten, not re-checked forever", async () => {
    const s = setup();
    const a = s.sim.addRepo({ full_name: "acme/a" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    const p = s.sim.addPipeline(a.id, {
      event: "push",
      branch: "main",
      commit: "a2".padEnd(40, "0"),
      status: "pending",
    });
    await s.poller.poll();
    s.sim.deletePipeline(a.id, p.number);
    await s.poller.poll();
    s.requests.length = 0;
    await s.poller.poll();
    expect(pipelineRequests(s)).toEqual([]);
  });

  test("a listing that fails half-way is completed by the next poll, nothing skipped", async () => {
    let failPage2 = false;
    const s = setup({
      // The second list request: `page=2`, or (3.x, created-time cursor paging) the one with `before`.
      fault: (req) => {
        const q = new URL(req.url).searchParams;
        return failPage2 && (q.get("page") === "2" || q.has("before")) ? new Response("", { status: 500 }) : undefined;
      },
    });
    const a = s.sim.addRepo({ full_name: "acme/a" });
    for (let i = 0; i < 10; i++) push(s, a.id, "success", `old${i}`.padEnd(40, "0"));
    await s.poller.poll();
    // 80 new pipelines: two pages of news, and page 2 fails this time.
    for (let i = 0; i < 80; i++) push(s, a.id, i === 5 ? "failure" : "success", `new${i}`.padEnd(40, "0"));
    failPage2 = true;
    expect(await s.poller.poll()).toBe(false);
    failPage2 = false;
    expect(await s.poller.poll()).toBe(true);
    const t = s.states.get("acme/a")!.targets[0]!;
    expect([t.deployments, t.failures]).toEqual([89, 1]);
  });

  test("the status carries the first problem of a failed cycle, and null again once a cycle completes", async () => {
    let failing = true;
    const s = setup({
      fault: (req) => (failing && req.url.includes("/pipelines") ? new Response("nope", { status: 500 }) : undefined),
    });
    const a = s.sim.addRepo({ full_name: "acme/a" });
    push(s, a.id, "success", "a1".padEnd(40, "0"));
    expect(s.poller.status.lastProblem).toBeNull();
    expect(await s.poller.poll()).toBe(false);
    expect(s.poller.status.lastProblem).toContain("500");
    expect(s.poller.status.lastProblem).not.toContain("\n");
    failing = false;
    expect(await s.poller.poll()).toBe(true);
    expect(s.poller.status.lastProblem).toBeNull();
  });
});
