// The compiled binary (dist/dora-exporter) against the simulator served over HTTP with faults:
// random scenarios end equal to the oracle, SIGKILL during backfill and polling loses and double
// counts nothing, two replicas agree, and a recognisable token never leaks anywhere.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { generateHistory } from "../../src/simulator/index.ts";
import { serveSimulator, type ServedSimulator } from "../../src/simulator/index.ts";
import { startExporterProcess, waitFor, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { TOKEN, World, diffWithOracle, doraSamples, monotonicProblems, parseSamples } from "./harness.ts";
import { reliabilityParams } from "./params.ts";
import { applyStep, armFaults, scenarioArb, setupRepos, type Scenario } from "./scenario.ts";

setDefaultTimeout(120_000);

const processes: ExporterProcess[] = [];
const servers: ServedSimulator[] = [];
/** Everything any exporter printed or served, for the secrets test at the end. */
const seen: string[] = [];

afterAll(async () => {
  for (const p of processes) if (p.proc.exitCode === null && !p.proc.killed) await p.stop("SIGKILL");
  for (const s of servers) s.stop();
  // The last word of this file: the token appeared nowhere.
  for (const p of processes) seen.push(p.logs.join("\n"), p.stdout());
  expect(seen.join("\n")).not.toContain(TOKEN);
});

function serve(world: World): ServedSimulator {
  const s = serveSimulator(world.sim, { faults: world.faults, requests: world.requests });
  servers.push(s);
  return s;
}

async function start(served: ServedSimulator, env: Record<string, string> = {}): Promise<ExporterProcess> {
  const p = await startExporterProcess({
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: TOKEN,
    DORA_POLL_INTERVAL: "1",
    DORA_HTTP_TIMEOUT: "1",
    ...env,
  });
  processes.push(p);
  return p;
}

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  seen.push(text);
  return text;
}

/** Completed repo listings the simulator answered (one per poll cycle). */
function listings(world: World): number {
  return world.requests.filter((r) => r.path === "/api/user/repos" && r.status === 200).length;
}

async function polls(world: World, n: number, timeoutMs = 20_000): Promise<void> {
  const target = listings(world) + n;
  await waitFor(`${n} polls`, async () => listings(world) >= target, timeoutMs);
}

/** Wait until a cycle that started after this call completed: up = 1 and the series settled. */
async function settled(world: World, p: ExporterProcess): Promise<string> {
  await polls(world, 2);
  return await waitFor("dora_woodpecker_up 1", async () => {
    const s = await get(p.url + "/metrics");
    return parseSamples(s).get("dora_woodpecker_up") === 1 ? s : undefined;
  });
}

describe("compiled binary under faults", () => {
  test("random scenarios with faults, served over HTTP: equal to the oracle after recovery, never exits", async () => {
    const params = reliabilityParams(3, "binary");
    // The binary cannot tell the test which deleted pipelines it kept: no deletions here (the
    // in-process property covers them).
    const noDeletes = scenarioArb.map(
      (s): Scenario => ({
        ...s,
        steps: s.steps
          .filter((st) => st.t !== "delete")
          .map((st) => (st.t === "poll" ? { ...st, faults: st.faults.filter((f) => f.fault < 20) } : st)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(noDeletes, fc.boolean(), async (s, refuse) => {
        const world = new World();
        setupRepos(world, s);
        const served = serve(world);
        const p = await start(served);
        let previous = doraSamples(await get(p.url + "/metrics"));
        const exempt = new Set<string>();
        for (const st of s.steps) {
          if (st.t !== "poll") {
            if (st.t === "rename" || st.t === "deploy")
              exempt.add(world.sim.getRepo(world.repos[st.repo]!.id)!.full_name);
            applyStep(world, st);
            // A rename applies at the next repo listing, a first deployment once its pipeline is
            // read: the mode switch can land under the new name.
            if (st.t === "rename" || st.t === "deploy")
              exempt.add(world.sim.getRepo(world.repos[st.repo]!.id)!.full_name);
            continue;
          }
          armFaults(world, st.faults);
          if (refuse) served.down(); // connection refused for a while
          await Bun.sleep(1100);
          served.up();
          world.faults.clear();
          const now = doraSamples(await get(p.url + "/metrics"));
          expect(monotonicProblems(previous, now, (k) => [...exempt].some((l) => k.includes(`repo="${l}"`)))).toEqual(
            [],
          );
          previous = now;
        }
        world.faults.clear();
        served.up();
        const scrape = await settled(world, p);
        expect(p.proc.exitCode).toBeNull();
        expect(diffWithOracle(scrape, world.expected())).toEqual([]);
        await p.stop("SIGKILL");
        served.stop();
      }),
      params,
    );
  });
});

describe("crash safety: SIGKILL, restart, nothing lost or doubled", () => {
  test("killed at random moments during backfill and during polling", async () => {
    const world = new World();
    generateHistory(world.sim, { seed: 11, days: 14, end: world.clock });
    for (const r of world.sim.listRepos()) world.repos.push({ id: r.id, deploys: r.allow_deploy });
    const served = serve(world);
    // Slow pages so the backfill lasts long enough to be interrupted.
    world.faults.add({ match: /\/pipelines$/, fault: { kind: "slow", ms: 40 } });
    const rnd = fc.sample(fc.integer({ min: 0, max: 400 }), { numRuns: 6, seed: Number(process.env.FC_SEED ?? 42) });
    let maxSeen = new Map<string, number>();
    const remember = (scrape: string) => {
      for (const [k, v] of doraSamples(scrape)) {
        if (/^dora_(deployments_total|deployment_failures_total)\{/.test(k))
          maxSeen.set(k, Math.max(maxSeen.get(k) ?? 0, v));
      }
    };
    for (let round = 0; round < 3; round++) {
      // During backfill.
      const a = await start(served);
      await Bun.sleep(rnd[round * 2]!);
      remember(await get(a.url + "/metrics").catch(() => ""));
      a.proc.kill("SIGKILL");
      await a.proc.exited;
      // New activity while it is down.
      const repo = world.repos.find((r) => r.deploys)!;
      const src = world.sim.listPipelines(repo.id).find((x) => x.event === "push" && x.status === "success")!;
      world.clock += 600;
      const d = world.sim.deploy(repo.id, src.number, "production");
      world.drive(repo.id, d, round === 1 ? "failure" : "success", 120);

      // A full backfill, then killed during polling.
      const b = await start(served);
      await waitReady(b.url, 60_000);
      const ready = await settled(world, b);
      expect(diffWithOracle(ready, world.expected())).toEqual([]);
      for (const [k, v] of maxSeen) expect(doraSamples(ready).get(k) ?? 0).toBeGreaterThanOrEqual(v);
      remember(ready);
      world.clock += 60;
      const e = world.sim.deploy(repo.id, src.number, "staging");
      world.drive(repo.id, e, "success", 30);
      await Bun.sleep(rnd[round * 2 + 1]!);
      remember(await get(b.url + "/metrics"));
      b.proc.kill("SIGKILL");
      await b.proc.exited;
    }
    const last = await start(served);
    await waitReady(last.url, 60_000);
    const final = await settled(world, last);
    expect(diffWithOracle(final, world.expected())).toEqual([]);
    for (const [k, v] of maxSeen) expect(doraSamples(final).get(k) ?? 0).toBeGreaterThanOrEqual(v);
    await last.stop("SIGKILL");
    maxSeen = new Map();
  });
});

describe("replicas", () => {
  test("two instances against the same Woodpecker expose identical DORA series", async () => {
    const world = new World();
    generateHistory(world.sim, { seed: 5, days: 10, end: world.clock });
    for (const r of world.sim.listRepos()) world.repos.push({ id: r.id, deploys: r.allow_deploy });
    const served = serve(world);
    const [a, b] = await Promise.all([start(served), start(served, { DORA_CONCURRENCY: "1" })]);
    await Promise.all([waitReady(a.url, 60_000), waitReady(b.url, 60_000)]);
    const dora = (s: string) =>
      s
        .split("\n")
        .filter((l) => DORA_LINE.test(l))
        .join("\n");
    const compare = async () => {
      await polls(world, 4);
      const [sa, sb] = [await get(a.url + "/metrics"), await get(b.url + "/metrics")];
      expect(dora(sa).length).toBeGreaterThan(0);
      expect(dora(sa)).toBe(dora(sb));
      expect(diffWithOracle(sa, world.expected())).toEqual([]);
    };
    await compare();
    const repo = world.repos.find((r) => r.deploys)!;
    const src = world.sim.listPipelines(repo.id).find((x) => x.event === "push")!;
    world.clock += 300;
    world.drive(repo.id, world.sim.deploy(repo.id, src.number, "production"), "failure", 60);
    // One replica sees a flaky Woodpecker for a while; they still agree afterwards.
    world.faults.add({ match: /\/pipelines/, fault: { kind: "status", status: 502 }, times: 6 });
    await compare();
  });
});

const DORA_LINE =
  /^(# (HELP|TYPE) )?dora_(deployments_total|deployment_failures_total|deployment_last_|deployment_failing|time_to_restore_seconds|lead_time_seconds|lead_time_source_missing_total|deployment_rework_total)/;
