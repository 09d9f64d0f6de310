// A restart with DORA_STATE_FILE, in process: the poller restored from the file makes the
// requests of one normal poll (no backfill), and publishes exactly what a poller that never
// stopped publishes, through new pipelines, running ones that end, renames, repos that leave the
// list and repos re-created under the same name. Every repo is written before it is published.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableHistories } from "../../src/collector/durable.ts";
import { Poller, type TrackedRepo } from "../../src/collector/poller.ts";
import type { RepoState } from "../../src/core/state.ts";
import { silentLogger } from "../../src/log.ts";
import { SimulatedWoodpecker, simulatorFetch, type RequestLogEntry } from "../../src/simulator/index.ts";
import { StateFile } from "../../src/state/index.ts";
import { WoodpeckerClient } from "../../src/woodpecker/client.ts";

const TOKEN = "restart-test-token";
const URL = "http://woodpecker.test";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Exporter {
  poller: Poller;
  /** Repo id -> what it last published (label and state). */
  published: Map<number, { label: string; state: RepoState }>;
  /** "commit <id> <revision>" / "publish <id>", in order. */
  events: string[];
  state: StateFile | null;
  durable: DurableHistories | null;
}

function world() {
  let clock = 1_780_000_000;
  const sim = new SimulatedWoodpecker({ token: TOKEN, now: () => clock });
  const requests: RequestLogEntry[] = [];
  const client = new WoodpeckerClient({
    baseUrl: URL,
    token: TOKEN,
    timeoutMs: 2000,
    retries: 0,
    fetch: simulatorFetch(sim, { requests }) as typeof fetch,
  });
  const core = { failureStatuses: new Set(["failure", "error"]), repoRules: [], reworkRules: [], since: 0 };
  const exporter = (path: string | null, hook?: (t: TrackedRepo) => void): Exporter => {
    const state =
      path === null ? null : StateFile.open({ path, woodpeckerUrl: URL, log: silentLogger, now: () => clock * 1000 });
    const durable = state === null ? null : new DurableHistories(state.woodpecker, (m) => m);
    const published = new Map<number, { label: string; state: RepoState }>();
    const events: string[] = [];
    const poller = new Poller({
      client,
      core,
      repos: [],
      adminRepos: false,
      concurrency: 2,
      log: silentLogger,
      now: () => clock * 1000,
      onRepoState: (repo, s) => {
        events.push(`publish ${repo.id}`);
        published.set(repo.id, { label: repo.fullName, state: s });
      },
      restoreRepo: durable === null ? undefined : (listing) => durable.restore(listing),
      commitRepo:
        durable === null
          ? undefined
          : (t) => {
              hook?.(t);
              durable.save(t);
              events.push(`commit ${t.listing.id}`);
            },
    });
    durable?.load({ since: core.since, events: ["deployment", "push"], messagePatterns: [] });
    return { poller, published, events, state, durable };
  };
  const poll = async (e: Exporter) => {
    expect(await e.poller.poll()).toBe(true);
    e.durable?.retain(e.poller);
  };
  const push = (repoId: number, status: "success" | "failure" | "running", commit: string) => {
    const p = sim.addPipeline(repoId, {
      event: "push",
      branch: "main",
      commit: commit.padEnd(40, "0"),
      status: "running",
    });
    clock += 90;
    if (status !== "running") sim.finishPipeline(repoId, p.number, status);
    clock += 30;
    return p;
  };
  return { sim, requests, exporter, poll, push, tick: (s = 60) => (clock += s) };
}

function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), "dora-restart-"));
  dirs.push(d);
  return join(d, "state.db");
}

/** What a scrape would show: per repo id, label and state. */
const shown = (e: Exporter) => new Map([...e.published].sort((a, b) => a[0] - b[0]));

describe("restart with DORA_STATE_FILE", () => {
  test("one normal poll instead of a backfill, and the same numbers as a poller that never stopped", async () => {
    const w = world();
    const repos = ["acme/a", "acme/b", "acme/c", "acme/d", "acme/e"].map((n) => w.sim.addRepo({ full_name: n }));
    for (const r of repos)
      for (let i = 0; i < 120; i++) w.push(r.id, i % 9 === 4 ? "failure" : "success", `${r.id}x${i}`);
    const running = w.push(repos[1]!.id, "running", "b-running");
    const path = tmpFile();
    const never = w.exporter(null);
    const first = w.exporter(path);
    await w.poll(never);
    w.requests.length = 0;
    await w.poll(first);
    const backfillRequests = w.requests.length;
    expect(backfillRequests).toBeGreaterThan(15); // 5 repos x 3 pages + user, version, repos
    first.state!.close(); // the process ends here (closing changes nothing: each sync was committed)

    // While it is down: a new push on a, b's running pipeline ends, c is renamed, d leaves the
    // list, e is deleted and re-created under the same name (a new id).
    w.push(repos[0]!.id, "failure", "a-new");
    w.sim.finishPipeline(repos[1]!.id, running.number, "failure");
    w.sim.renameRepo(repos[2]!.id, "acme/c2");
    w.sim.setActive(repos[3]!.id, false);
    w.sim.setActive(repos[4]!.id, false);
    const e2 = w.sim.addRepo({ full_name: "acme/e" });
    w.push(e2.id, "success", "e2-first");
    w.tick();

    await w.poll(never);
    w.requests.length = 0;
    const restarted = w.exporter(path);
    await w.poll(restarted);
    // Only listed repos are taken from the file: d and the old e are neither tracked nor shown.
    expect([...restarted.poller.repos.keys()].sort()).toEqual([repos[0]!.id, repos[1]!.id, repos[2]!.id, e2.id].sort());
    expect(restarted.poller.status.backfillComplete).toBe(true);
    // Exactly one poll: the once-per-process checks, one listing, one page for the changed repo,
    // one re-check of the pipeline seen running, and the new repo's (small) backfill.
    expect(w.requests.map((r) => r.path).sort()).toEqual(
      [
        "/api/user",
        "/version",
        "/api/user/repos",
        `/api/repos/${repos[0]!.id}/pipelines`,
        `/api/repos/${repos[1]!.id}/pipelines/${running.number}`,
        `/api/repos/${e2.id}/pipelines`,
      ].sort(),
    );
    // What the never-stopped poller shows for the repos still listed, and nothing else.
    const listed = new Set(
      w.sim
        .listRepos()
        .filter((r) => r.active)
        .map((r) => r.id),
    );
    const expected = new Map([...shown(never)].filter(([id]) => listed.has(id)));
    expect(shown(restarted)).toEqual(expected);
    expect([...shown(restarted).values()].map((x) => x.label).sort()).toEqual([
      "acme/a",
      "acme/b",
      "acme/c2",
      "acme/e",
    ]);

    // And after a second restart with nothing new: one listing, same numbers.
    restarted.state!.close();
    w.requests.length = 0;
    const again = w.exporter(path);
    await w.poll(again);
    expect(w.requests.map((r) => r.path).sort()).toEqual(["/api/user", "/api/user/repos", "/version"]);
    expect(shown(again)).toEqual(expected);
    // d is listed again: its kept history is taken, no backfill, the numbers it had.
    w.sim.setActive(repos[3]!.id, true);
    w.requests.length = 0;
    await w.poll(again);
    expect(w.requests.map((r) => r.path)).toEqual(["/api/user/repos"]);
    expect(again.published.get(repos[3]!.id)).toEqual(never.published.get(repos[3]!.id));
    again.state!.close();
  });

  test("every publish follows the commit of the same repo in the same sync", async () => {
    const w = world();
    const a = w.sim.addRepo({ full_name: "acme/a" });
    const b = w.sim.addRepo({ full_name: "acme/b" });
    for (let i = 0; i < 60; i++) w.push(i % 2 ? a.id : b.id, "success", `c${i}`);
    const e = w.exporter(tmpFile());
    await w.poll(e);
    w.push(a.id, "failure", "late");
    await w.poll(e);
    // A rename is published from the listing, before the repo's sync: committed first all the same.
    w.sim.renameRepo(b.id, "acme/b2");
    await w.poll(e);
    const publishes = e.events.filter((x) => x.startsWith("publish"));
    expect(publishes).toHaveLength(4); // a and b, a's new failure, b's new label
    expect(publishes.filter((x) => x === `publish ${b.id}`)).toHaveLength(2);
    expect(e.published.get(b.id)!.label).toBe("acme/b2");
    for (const [i, ev] of e.events.entries()) {
      if (!ev.startsWith("publish")) continue;
      expect(e.events[i - 1]).toBe(ev.replace("publish", "commit"));
    }
    e.state!.close();
  });

  test(
    "a repo whose write fails is not published (its " + "sync fails), and is published once a write succeeds",
    async () => {
      const w = world();
      const a = w.sim.addRepo({ full_name: "acme/a" });
      w.push(a.id, "success", "one");
      let fail = true;
      const e = w.exporter(tmpFile(), () => {
        if (fail) throw new Error("disk full (simulated)");
      });
      expect(await e.poller.poll()).toBe(false);
      expect(e.published.size).toBe(0);
      fail = false;
      await w.poll(e);
      expect(e.published.get(a.id)!.state.targets[0]!.deployments).toBe(1);
      e.state!.close();
    },
  );
});
