// The compiled binary against the simulated Woodpecker, as an operator runs it: golden /metrics
// after backfill, new events after the next poll, identical counters after a restart, and an idle
// poll that lists nothing but the repos.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import {
  SimulatedWoodpecker,
  generateHistory,
  serveSimulator,
  type ServedSimulator,
} from "../../src/simulator/index.ts";
import {
  ROOT,
  doraSeries,
  frozenClockEnv,
  samples,
  startExporterProcess,
  waitFor,
  waitReady,
  type ExporterProcess,
} from "./exporter-process.ts";

const TOKEN = "e2e-token-7f3a9c";
/** Fixed history end so the golden file is stable: 2026-09-01T00:00:00Z. */
const END = 1_788_220_800;
const GOLDEN = join(ROOT, "test", "golden", "metrics-seed7.prom");

setDefaultTimeout(60_000);

let clock = END;
let sim: SimulatedWoodpecker;
let served: ServedSimulator;
const running: ExporterProcess[] = [];

async function scrape(url: string): Promise<string> {
  const res = await fetch(url + "/metrics");
  expect(res.status).toBe(200);
  return await res.text();
}

async function start(env: Record<string, string> = {}): Promise<ExporterProcess> {
  const p = await startExporterProcess({
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: TOKEN,
    DORA_POLL_INTERVAL: "1",
    ...env,
  });
  running.push(p);
  await waitReady(p.url);
  return p;
}

/** Resolves after the exporter has completed `n` more repo listings (one per poll). */
async function polls(n: number): Promise<void> {
  const count = () => served.requests.filter((r) => r.path === "/api/user/repos" && r.status === 200).length;
  const target = count() + n;
  await waitFor(`${n} polls`, async () => count() >= target);
}

beforeAll(() => {
  sim = new SimulatedWoodpecker({ token: TOKEN, now: () => clock });
  generateHistory(sim, { seed: 7, days: 21, end: END });
  served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  for (const p of running) if (p.proc.exitCode === null) await p.stop("SIGKILL");
  served?.stop();
});

describe("compiled binary against the simulator", () => {
  let first: ExporterProcess;
  let beforeRestart: string;

  test("/metrics after backfill equals the golden file", async () => {
    // The window gauges end at the poll's time: a binary whose clock stands at END, for them.
    const frozen = await start(frozenClockEnv(END));
    const series = doraSeries(await scrape(frozen.url));
    await frozen.stop();
    if (process.env.UPDATE_GOLDEN === "1") await Bun.write(GOLDEN, series);
    expect(series).toBe(await Bun.file(GOLDEN).text());
    first = await start();
    // The running clock changes only the window gauges.
    expect(doraSeries(await scrape(first.url), { windows: false })).toBe(doraSeries(series, { windows: false }));
    // The contract's health series are there too.
    const all = samples(await scrape(first.url));
    expect(all.get("dora_woodpecker_up")).toBe(1);
    expect(all.get("dora_backfill_complete")).toBe(1);
    expect(all.get('dora_build_info{version="0.1.0"}')).toBe(1);
    expect(all.has("process_cpu_seconds_total")).toBe(true);
  });

  test("new events show up after the next poll", async () => {
    const repo = sim.listRepos().find((r) => sim.listPipelines(r.id).some((p) => p.event === "deployment"))!;
    const source = sim.listPipelines(repo.id).find((p) => p.event === "push" && p.branch === repo.default_branch)!;
    const key = `dora_deployments_total{repo="${repo.full_name}",deploy_to="production"}`;
    const failKey = `dora_deployment_failures_total{repo="${repo.full_name}",deploy_to="production"}`;
    const before = samples(await scrape(first.url));

    clock += 600;
    const ok = sim.deploy(repo.id, source.number, "production");
    sim.startPipeline(repo.id, ok.number);
    clock += 120;
    sim.finishPipeline(repo.id, ok.number, "success");
    clock += 60;
    const bad = sim.deploy(repo.id, source.number, "production");
    clock += 60;
    sim.finishPipeline(repo.id, bad.number, "failure");
    await polls(2);
    const after = samples(await scrape(first.url));
    expect(after.get(key)).toBe(before.get(key)! + 1);
    expect(after.get(failKey)).toBe(before.get(failKey)! + 1);
    expect(after.get(`dora_deployment_failing{repo="${repo.full_name}",deploy_to="production"}`)).toBe(1);
    expect(
      after.get(`dora_deployment_failing_since_timestamp_seconds{repo="${repo.full_name}",deploy_to="production"}`),
    ).toBe(clock);
  });

  test("a running pipeline is counted once it ends", async () => {
    const repo = sim.listRepos().find((r) => sim.listPipelines(r.id).some((p) => p.event === "deployment"))!;
    const source = sim.listPipelines(repo.id).find((p) => p.event === "push" && p.branch === repo.default_branch)!;
    const key = `dora_deployments_total{repo="${repo.full_name}",deploy_to="production"}`;
    clock += 60;
    const d = sim.deploy(repo.id, source.number, "production");
    sim.startPipeline(repo.id, d.number);
    await polls(2);
    const before = samples(await scrape(first.url)).get(key)!;
    clock += 300;
    sim.finishPipeline(repo.id, d.number, "success");
    await polls(2);
    const after = samples(await scrape(first.url));
    expect(after.get(key)).toBe(before + 1);
    expect(after.get(`dora_deployment_failing{repo="${repo.full_name}",deploy_to="production"}`)).toBe(0);
  });

  test("a poll with nothing new lists only the repos", async () => {
    // End everything still running so no re-check is due, let one poll read it, then measure.
    for (const r of sim.listRepos()) {
      for (const p of sim.listPipelines(r.id)) {
        if (["pending", "running", "created", "blocked"].includes(p.status))
          sim.finishPipeline(r.id, p.number, "success");
      }
    }
    await polls(3);
    served.requests.length = 0;
    await polls(3);
    const paths = new Set(served.requests.map((r) => r.path));
    expect([...paths]).toEqual(["/api/user/repos"]);
    beforeRestart = doraSeries(await scrape(first.url), { windows: false });
  });

  test("a restarted binary shows the same counter values", async () => {
    expect(await first.stop("SIGTERM")).toBe(0);
    const second = await start();
    // Counters and the other series; the window gauges move with the clock, by design.
    expect(doraSeries(await scrape(second.url), { windows: false })).toBe(beforeRestart);
    await second.stop();
  });

  test("the token never appears in the logs or the metrics", () => {
    for (const p of running) {
      expect(p.logs.join("\n")).not.toContain(TOKEN);
      expect(p.stdout()).not.toContain(TOKEN);
    }
  });
});
