// `dora-exporter openmetrics` end to end: the compiled binary writes a designed history's counters
// as OpenMetrics, `promtool tsdb create-blocks-from openmetrics` turns them into blocks, a real
// Prometheus (Debian package) starts on those blocks, and its 30-day increases equal the counts
// the definitions give for the history. Prometheus 2.42 selects a range closed at both ends, so
// with samples exactly at T − 30d and at T, increase() is last − first with no extrapolation:
// exactly the events in (T − 30d, T].
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SimulatedWoodpecker,
  serveSimulator,
  type RepoRecord,
  type ServedSimulator,
  type StatusValue,
} from "../../src/simulator/index.ts";
import { runBinary } from "../api/sim.ts";
import { freePort, startPrometheus } from "./prometheus-process.ts";

setDefaultTimeout(120_000);

const PROMETHEUS = Bun.which("prometheus");
const PROMTOOL = Bun.which("promtool");
const INSTALL_HINT = "prometheus/promtool not found: run `sh scripts/install-test-deps.sh` (as root; CI does this)";
const TOKEN = "backfill-token-8c1e";
const DAY = 86400;
// promtool (2.42) re-reads the whole input once per 2-hour block it writes, so the test keeps the
// input small: a 6-hour step over 32 days (128 blocks, a few seconds).
const STEP = 6 * 3600;
/** T: the evaluation time and the last sample, on the step grid. */
const T = Math.floor(Date.now() / 1000 / STEP) * STEP - STEP;
const SINCE = T - 32 * DAY;

let sim: SimulatedWoodpecker;
let served: ServedSimulator | undefined;
let prom: Bun.Subprocess | undefined;
let promUrl = "";
let dir = "";
let exposition = "";

function run(repo: RepoRecord, created: number, status: StatusValue, finished: number): number {
  const p = sim.atTime(created, () => sim.addPipeline(repo.id, { event: "push" }));
  sim.atTime(finished, () => sim.finishPipeline(repo.id, p.number, status, finished));
  return p.number;
}
function deploy(
  repo: RepoRecord,
  from: number,
  target: string,
  created: number,
  status: StatusValue,
  finished: number,
): void {
  const p = sim.atTime(created, () => sim.deploy(repo.id, from, target));
  sim.atTime(finished, () => sim.finishPipeline(repo.id, p.number, status, finished));
}

/**
 * In (T − 30d, T], by the definitions (an attempt counts at its finished time, a restore at the
 * success that closes it): acme/api production 4 deployments (C, E, F, G), 1 failure, 1 restore
 * (the one B closes is exactly at T − 30d, outside);
 * acme/api staging 1 deployment; acme/web production 1 deployment, 1 failure (never restored).
 */
const IN_WINDOW = { deployments: 6, failures: 2, restores: 1 };
const ALL_TIME = { deployments: 9, failures: 3 };

function history(): void {
  const api = sim.addRepo({ full_name: "acme/api", allow_deploy: true });
  const web = sim.addRepo({ full_name: "acme/web" });
  const c1 = run(api, T - 32 * DAY - 3000, "success", T - 32 * DAY - 2000);
  // A: before --since, counted from the start
  deploy(api, c1, "production", T - 32 * DAY - 1000, "success", T - 32 * DAY - 500);
  deploy(api, c1, "production", T - 31 * DAY, "failure", T - 31 * DAY + 60); // opens an incident before the window
  // B: exactly at T − 30d, outside; closes it
  deploy(api, c1, "production", T - 30 * DAY - 100, "success", T - 30 * DAY);
  deploy(api, c1, "production", T - 29 * DAY, "success", T - 29 * DAY + 300); // C
  deploy(api, c1, "production", T - 20 * DAY, "failure", T - 20 * DAY + 60); // failure in the window
  deploy(api, c1, "production", T - 19 * DAY, "success", T - 19 * DAY + 300); // E: restore in the window
  const c2 = run(api, T - 10 * DAY, "success", T - 10 * DAY + 300);
  deploy(api, c2, "production", T - 10 * DAY + 1000, "success", T - 10 * DAY + 1300); // F
  deploy(api, c2, "staging", T - 5 * DAY, "success", T - 5 * DAY + 200); // staging
  deploy(api, c2, "production", T - 100, "success", T); // G: exactly at T, inside
  run(web, T - 31 * DAY, "success", T - 31 * DAY + 600); // before the window
  run(web, T - 2 * DAY, "success", T - 2 * DAY + 600);
  run(web, T - 1 * DAY, "failure", T - 1 * DAY + 600);
}

type Sample = { metric: Record<string, string>; value: [number, string] };
async function value(expr: string, at = T): Promise<number | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}&time=${at}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  if (body.status !== "success") throw new Error(`query failed: ${expr}: ${body.error}`);
  const r = body.data!.result;
  if (r.length > 1) throw new Error(`${expr}: ${r.length} series`);
  return r[0] ? Number(r[0].value[1]) : undefined;
}

beforeAll(async () => {
  if (!PROMETHEUS || !PROMTOOL) return;
  sim = new SimulatedWoodpecker({ token: TOKEN, now: () => T + STEP });
  history();
  served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
  dir = mkdtempSync(join(tmpdir(), "dora-backfill-e2e-"));
  const r = await runBinary(
    ["openmetrics", "--since", String(SINCE), "--until", String(T), "--step", "6h", "--label", "job=dora-exporter"],
    { WOODPECKER_URL: served.url, WOODPECKER_TOKEN: TOKEN },
  );
  if (r.code !== 0) throw new Error(`openmetrics exited ${r.code}: ${r.stderr}`);
  exposition = r.stdout;
  await Bun.write(join(dir, "history.om"), exposition);
  const blocks = Bun.spawnSync([
    PROMTOOL,
    "tsdb",
    "create-blocks-from",
    "openmetrics",
    "-q",
    join(dir, "history.om"),
    join(dir, "data"),
  ]);
  if (blocks.exitCode !== 0) throw new Error(`promtool create-blocks failed: ${blocks.stdout}${blocks.stderr}`);
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  await Bun.write(join(dir, "prometheus.yml"), "global: {}\n");
  prom = await startPrometheus(PROMETHEUS, {
    configFile: join(dir, "prometheus.yml"),
    dataDir: join(dir, "data"),
    port,
    args: ["--storage.tsdb.retention.time=400d"],
    readyMs: 30_000,
  });
}, 120_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    prom.kill("SIGKILL");
    await prom.exited;
  }
  served?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("openmetrics backfill into a real Prometheus", () => {
  test("prometheus and promtool are installed", () => {
    if (!PROMETHEUS || !PROMTOOL) throw new Error(INSTALL_HINT);
  });

  test("the exposition is OpenMetrics: # EOF last, timestamps on every sample, families once", () => {
    if (!prom) throw new Error(INSTALL_HINT);
    expect(exposition.endsWith("\n# EOF\n")).toBe(true);
    const lines = exposition.trimEnd().split("\n");
    const types = lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
    expect(types).toEqual([
      "dora_deployments",
      "dora_deployment_failures",
      "dora_time_to_restore_seconds",
      "dora_lead_time_seconds",
      "dora_lead_time_source_missing",
      "dora_deployment_rework",
    ]);
    for (const l of lines)
      if (!l.startsWith("#"))
        expect(l).toMatch(
          /^dora_[a-z_]+\{job="dora-exporter",repo="[^"]+",deploy_to="[^"]+"(,le="[^"]+")?\} [0-9.e+]+ [0-9]+$/,
        );
    expect(readdirSync(join(dir, "data")).length).toBeGreaterThan(0);
  });

  test(
    "increase(dora_deployments_total[30d]) at T equals " + "the history's successful deployments in (T − 30d, T]",
    async () => {
      if (!prom) throw new Error(INSTALL_HINT);
      expect(await value("sum(increase(dora_deployments_total[30d]))")).toBe(IN_WINDOW.deployments);
      expect(await value('increase(dora_deployments_total{repo="acme/api",deploy_to="production"}[30d])')).toBe(4);
      expect(await value('increase(dora_deployments_total{repo="acme/api",deploy_to="staging"}[30d])')).toBe(1);
      expect(await value('increase(dora_deployments_total{repo="acme/web",deploy_to="production"}[30d])')).toBe(1);
    },
  );

  test("failures and restores over 30 days, and the all-time totals at T", async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    expect(await value("sum(increase(dora_deployment_failures_total[30d]))")).toBe(IN_WINDOW.failures);
    expect(await value("sum(increase(dora_time_to_restore_seconds_count[30d]))")).toBe(IN_WINDOW.restores);
    expect(await value("sum(dora_deployments_total)")).toBe(ALL_TIME.deployments);
    expect(await value("sum(dora_deployment_failures_total)")).toBe(ALL_TIME.failures);
    // At --since: what happened before it (A), as a live exporter would show; series with no
    // event yet are there with 0, so increase() misses nothing later.
    expect(await value("sum(dora_deployments_total)", SINCE)).toBe(1);
    expect(await value('dora_deployments_total{repo="acme/web"}', SINCE)).toBe(0);
  });

  test("the last sample equals what `report` reads from the same history", async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    const r = await runBinary(["report", "--format", "json", "--window", "30d", "--at", String(T)], {
      WOODPECKER_URL: served!.url,
      WOODPECKER_TOKEN: TOKEN,
    });
    const s = JSON.parse(r.stdout) as {
      overall: { keys: { deploymentFrequency: { deployments: number }; changeFailureRate: { failed: number } } };
    };
    expect(s.overall.keys.deploymentFrequency.deployments).toBe(IN_WINDOW.deployments);
    expect(s.overall.keys.changeFailureRate.failed).toBe(IN_WINDOW.failures);
  });
});
