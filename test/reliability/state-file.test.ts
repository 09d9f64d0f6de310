// DORA_STATE_FILE with the compiled binary against the simulator over HTTP: killed with SIGKILL
// during activity and restarted on the same file, the exporter is ready after one normal poll
// (counted at the simulator), never shows a counter below one scraped before, and equals the
// oracle and a fresh exporter. Restarting without the file is a full backfill with the same
// numbers; a corrupt file is moved aside and backfilled; a refused file exits 2 with one line.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateHistory, serveSimulator, type ServedSimulator } from "../../src/simulator/index.ts";
import {
  BINARY,
  ensureBinary,
  startExporterProcess,
  waitReady,
  type ExporterProcess,
} from "../e2e/exporter-process.ts";
import { TOKEN, World, diffWithOracle, doraSamples } from "./harness.ts";

setDefaultTimeout(180_000);

const processes: ExporterProcess[] = [];
const servers: ServedSimulator[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of processes) if (p.proc.exitCode === null && !p.proc.killed) await p.stop("SIGKILL");
  for (const s of servers) s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  // The token never reaches a log line, whatever happened to the file.
  for (const p of processes) expect(p.logs.join("\n") + p.stdout()).not.toContain(TOKEN);
});

function setup(seed: number): { world: World; served: ServedSimulator; file: string } {
  const world = new World();
  generateHistory(world.sim, { seed, days: 21, end: world.clock });
  for (const r of world.sim.listRepos()) world.repos.push({ id: r.id, deploys: r.allow_deploy });
  const served = serveSimulator(world.sim, { faults: world.faults, requests: world.requests });
  servers.push(served);
  const dir = mkdtempSync(join(tmpdir(), "dora-state-e2e-"));
  dirs.push(dir);
  return { world, served, file: join(dir, "state", "dora.db") };
}

async function start(served: ServedSimulator, env: Record<string, string>): Promise<ExporterProcess> {
  const p = await startExporterProcess({
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: TOKEN,
    DORA_HTTP_TIMEOUT: "2",
    ...env,
  });
  processes.push(p);
  return p;
}

/**
 * Start, wait for /ready (set when the first poll completes); the simulator's requests of that
 * first poll: everything before the second repo listing (polls never overlap; the schedule's
 * first tick may start a second one right after a short first poll).
 */
async function startReady(world: World, served: ServedSimulator, env: Record<string, string>) {
  world.requests.length = 0;
  const p = await start(served, { DORA_POLL_INTERVAL: "3600", ...env });
  await waitReady(p.url, 90_000);
  const all = world.requests.map((r) => ({ path: r.path, status: r.status }));
  const second = all.findIndex(
    (r, i) => r.path === "/api/user/repos" && all.slice(0, i).some((x) => x.path === r.path),
  );
  const requests = second < 0 ? all : all.slice(0, second);
  const scrape = await (await fetch(p.url + "/metrics")).text();
  return { p, requests, scrape };
}

/**
 * Requests that one normal poll would not make: it lists repos once, pages only repos whose
 * last pipeline changed (`touched`), and re-checks single pipelines only while they run.
 */
function beyondOnePoll(world: World, requests: readonly { path: string }[], touched: readonly number[]): string[] {
  const out: string[] = [];
  for (const { path } of requests) {
    if (["/api/user", "/version", "/api/user/repos"].includes(path)) continue;
    const m = /^\/api\/repos\/(\d+)\/pipelines(?:\/(\d+))?$/.exec(path);
    if (m && touched.includes(Number(m[1]))) continue;
    const p = m?.[2] === undefined ? undefined : world.sim.getPipeline(Number(m[1]), Number(m[2]));
    if (p && !["success", "failure", "error", "killed", "canceled", "declined", "skipped"].includes(p.status)) continue;
    out.push(path);
  }
  return out;
}

const COUNTERS =
  /^dora_(deployments_total|deployment_failures_total|lead_time_source_missing_total|time_to_restore_seconds_count|lead_time_seconds_count)\{/;

describe("DORA_STATE_FILE with the compiled binary", () => {
  test(
    "kill -9 during activity, restart on the same file: one " +
      "normal poll, nothing lower, nothing lost, nothing doubled",
    async () => {
      ensureBinary();
      const { world, served, file } = setup(11);
      // The backfill with a new file, and what it costs without one.
      const fresh = await startReady(world, served, { DORA_STATE_FILE: file });
      const backfillRequests = fresh.requests.length;
      const listPages = fresh.requests.filter((r) => /\/pipelines$/.test(r.path)).length;
      expect(listPages).toBeGreaterThan(world.repos.length); // several pages per repo somewhere
      expect(diffWithOracle(fresh.scrape, world.expected())).toEqual([]);
      await fresh.p.stop("SIGTERM");

      const maxSeen = new Map<string, number>();
      const remember = (scrape: string) => {
        for (const [k, v] of doraSamples(scrape))
          if (COUNTERS.test(k)) maxSeen.set(k, Math.max(maxSeen.get(k) ?? 0, v));
      };
      const active = world.repos.filter((r) => r.deploys).slice(0, 2);
      const kills = fc.sample(fc.integer({ min: 0, max: 2500 }), {
        numRuns: 3,
        seed: Number(process.env.FC_SEED ?? 7),
      });
      for (const [round, killAfter] of kills.entries()) {
        // Polling every second while deployments start and end in two repos; killed at a random moment.
        const a = await start(served, { DORA_STATE_FILE: file, DORA_POLL_INTERVAL: "1" });
        await waitReady(a.url, 60_000);
        const t0 = Date.now();
        let step = 0;
        while (Date.now() - t0 < killAfter || step < 2) {
          const repo = active[step % active.length]!;
          const src = world.sim.listPipelines(repo.id).find((x) => x.event === "push" && x.status === "success")!;
          world.clock += 300;
          const d = world.sim.deploy(repo.id, src.number, step % 3 === 1 ? "staging" : "production");
          world.drive(repo.id, d, step % 4 === round % 4 ? "failure" : "success", 120);
          if (step % 2 === 0) world.drive(repo.id, world.sim.deploy(repo.id, src.number, "production"), "running", 0);
          step++;
          remember(await (await fetch(a.url + "/metrics")).text());
          await Bun.sleep(150);
        }
        a.proc.kill("SIGKILL");
        await a.proc.exited;
        // Running deployments end while it is down.
        for (const repo of active)
          for (const p of world.sim.listPipelines(repo.id))
            if (p.status === "running") world.finish(repo.id, p.number, "success");

        const b = await startReady(world, served, { DORA_STATE_FILE: file });
        // One poll: one repo listing, and pipeline requests only for the repos that had activity.
        expect(b.requests.filter((r) => r.path === "/api/user/repos")).toHaveLength(1);
        expect(
          beyondOnePoll(
            world,
            b.requests,
            active.map((r) => r.id),
          ),
        ).toEqual([]);
        const pages = b.requests.filter((r) => /\/pipelines$/.test(r.path)).length;
        expect(pages).toBeLessThanOrEqual(2 * active.length);
        expect(b.requests.length).toBeLessThan(backfillRequests);
        expect(diffWithOracle(b.scrape, world.expected())).toEqual([]);
        const now = doraSamples(b.scrape);
        for (const [k, v] of maxSeen) expect(`${k} ${now.get(k) ?? 0}`).toBe(`${k} ${Math.max(v, now.get(k) ?? 0)}`);
        remember(b.scrape);
        await b.p.stop("SIGKILL");
      }

      // Restart without the file: a full backfill, the same numbers.
      const none = await startReady(world, served, {});
      expect(none.requests.filter((r) => /\/pipelines$/.test(r.path)).length).toBeGreaterThanOrEqual(listPages);
      const again = await startReady(world, served, { DORA_STATE_FILE: file });
      expect(doraSamples(again.scrape)).toEqual(doraSamples(none.scrape));
      expect(diffWithOracle(none.scrape, world.expected())).toEqual([]);
      await none.p.stop("SIGKILL");
      await again.p.stop("SIGKILL");
    },
  );

  test("a corrupt file: one log line, moved aside, full backfill, correct numbers", async () => {
    ensureBinary();
    const { world, served, file } = setup(5);
    const fresh = await startReady(world, served, { DORA_STATE_FILE: file });
    await fresh.p.stop("SIGKILL");
    writeFileSync(file, Buffer.alloc(64 * 1024, 0x42));
    rmSync(`${file}-wal`, { force: true });
    const b = await startReady(world, served, { DORA_STATE_FILE: file });
    const lines = b.p.logs.filter((l) => l.includes("moved aside"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", setting: "DORA_STATE_FILE", file });
    expect(readdirSync(join(file, "..")).filter((n) => /^dora\.db\.corrupt-\d{8}T\d{6}Z$/.test(n))).toHaveLength(1);
    // A full backfill: the same requests as the first start.
    expect(b.requests.length).toBe(fresh.requests.length);
    expect(diffWithOracle(b.scrape, world.expected())).toEqual([]);
    await b.p.stop("SIGTERM");
    // The new file serves the next restart.
    const c = await startReady(world, served, { DORA_STATE_FILE: file });
    expect(c.requests.filter((r) => /\/pipelines$/.test(r.path))).toEqual([]);
    expect(beyondOnePoll(world, c.requests, [])).toEqual([]);
    expect(doraSamples(c.scrape)).toEqual(doraSamples(b.scrape));
    await c.p.stop("SIGKILL");
  });

  test(
    "a file for another Woodpecker, or from a newer " + "schema: exit 2 with one line naming DORA_STATE_FILE",
    async () => {
      ensureBinary();
      const { world, served, file } = setup(3);
      const fresh = await startReady(world, served, { DORA_STATE_FILE: file });
      await fresh.p.stop("SIGTERM");
      const run = (env: Record<string, string>) =>
        Bun.spawnSync([BINARY], {
          env: {
            PATH: process.env.PATH ?? "",
            DORA_LISTEN: "127.0.0.1:0",
            WOODPECKER_TOKEN: TOKEN,
            DORA_STATE_FILE: file,
            ...env,
          },
        });
      const other = run({ WOODPECKER_URL: "https://other.example.com" });
      expect(other.exitCode).toBe(2);
      const err = other.stderr.toString().trim();
      expect(err.split("\n")).toHaveLength(1);
      expect(err).toContain(
        `DORA_STATE_FILE: ${file} was written for Woodpecker ${served.url}, not https://other.example.com`,
      );

      const { Database } = await import("bun:sqlite");
      const db = new Database(file);
      db.query("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
      db.close(false);
      const newer = run({ WOODPECKER_URL: served.url });
      expect(newer.exitCode).toBe(2);
      expect(newer.stderr.toString().trim()).toMatch(
        /^dora-exporter: DORA_STATE_FILE: .* newer dora-exporter \(state schema 99; [^\n]*$/,
      );
      expect(existsSync(file)).toBe(true);
      expect(readdirSync(join(file, "..")).some((n) => n.includes("corrupt"))).toBe(false);
    },
  );

  test("demo ignores DORA_STATE_FILE: its simulated world is new on every run", async () => {
    ensureBinary();
    const dir = mkdtempSync(join(tmpdir(), "dora-state-demo-"));
    dirs.push(dir);
    const file = join(dir, "demo.db");
    const p = await startExporterProcess({ DORA_STATE_FILE: file }, ["demo"]);
    processes.push(p);
    await waitReady(p.url, 60_000);
    expect(existsSync(file)).toBe(false);
    await p.stop("SIGTERM");
  });
});
