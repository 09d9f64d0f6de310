// `bun run bench`: the performance harness of issue 6. Three kinds of processes, so that each
// number belongs to what it measures on a 2-core machine:
//   - bench/sim-server.ts: the simulated Woodpecker (bulk-loaded history, real API handler);
//   - bench/exporter-runner.ts: a fresh process per exporter, or per floor (bare fetch loop /
//     Bun.serve of the same /metrics bytes), so RSS and CPU are that process's alone;
//   - this driver: orchestration and the /metrics scrape clients.
// Prints one table and writes bench/results/<date>.json. Not part of `bun test`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4); // DORA_CONCURRENCY default
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 300);
const K_CHANGED = 10;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3); // backfill rounds (exporter + floor) per scenario

interface Child {
  call(cmd: string, args?: Record<string, unknown>): Promise<Record<string, any>>;
  kill(): Promise<void>;
}

function spawnChild(script: string, profile = false): Child {
  let seq = 0;
  const waiting = new Map<number, (m: Record<string, any>) => void>();
  // BENCH_PROFILE=1: the exporter process writes a CPU profile (markdown) to bench/results/prof.
  const dir = join(import.meta.dir, "results", "prof");
  const prof = !profile ? [] : process.env.BENCH_PROFILE_HEAP === "1" ? ["--heap-prof-md", `--heap-prof-dir=${dir}`] : ["--cpu-prof-md", `--cpu-prof-dir=${dir}`];
  // BENCH_BUN_FLAGS: extra flags for the child processes (e.g. --smol), to compare runtimes' settings.
  const flags = (process.env.BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean);
  const proc = Bun.spawn(["bun", ...flags, ...prof, join(import.meta.dir, script)], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    ipc(message) {
      const m = message as Record<string, any>;
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    },
  });
  return {
    call(cmd, args = {}) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m) => (m.error ? reject(new Error(`${script} ${cmd}: ${m.error}`)) : resolve(m)));
        proc.send({ id, cmd, ...args });
      });
    },
    async kill() {
      try {
        proc.send({ id: ++seq, cmd: "stop" });
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => proc.kill(), profile ? 120_000 : 3000); // a profile takes a while to write
      await proc.exited;
      clearTimeout(t);
    },
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}
const median = (xs: number[]) => pct(xs, 0.5);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    nproc: Number(Bun.spawnSync(["nproc"]).stdout.toString().trim()),
    cpu: model,
    memGiB: r1(totalmem() / 2 ** 30),
    bun: Bun.version,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
  };
}

interface Scenario {
  repos: number;
  pipelines: number;
  full: boolean; // idle/busy/scrape measurements too
}

async function runScenario(s: Scenario): Promise<Record<string, unknown>> {
  const label = `${s.repos}x${s.pipelines}`;
  const out: Record<string, unknown> = { scenario: label, repos: s.repos, pipelinesPerRepo: s.pipelines };
  const sim = spawnChild("sim-server.ts");
  try {
    const load = await sim.call("load", { repos: s.repos, pipelines: s.pipelines });
    out.simulator = { pipelines: load.pipelines, byEvent: load.byEvent, loadMs: Math.round(load.loadMs), deployRepos: load.deployRepos, pushRepos: load.pushRepos };
    const base = load.url as string;
    const token = load.token as string;
    console.error(`[${label}] simulator loaded ${load.pipelines} pipelines in ${Math.round(load.loadMs)} ms`);

    const listed = (load.filtered as [number, number][]).reduce((a, [, n]) => a + n, 0);
    const env = {
      WOODPECKER_URL: base,
      WOODPECKER_TOKEN: token,
      DORA_LISTEN: "127.0.0.1:0",
      DORA_POLL_INTERVAL: "86400",
      DORA_CONCURRENCY: String(CONCURRENCY),
      DORA_LOG_LEVEL: "error",
    };
    // One round: a fresh exporter backfills; then a fresh floor process replays exactly the
    // requests the exporter made (same pages, same cursors) in the same per-repo order with the
    // same concurrency, dropping the bodies. Rounds alternate, medians are reported.
    const round = async (profile: boolean) => {
      await sim.call("reset");
      const exp = spawnChild("exporter-runner.ts", profile);
      const start = await exp.call("start", { env });
      const reqs = await sim.call("requests", { urls: true });
      const all = (reqs.urls as string[]).map((u) => base + u);
      const pre = all.filter((u) => !u.includes("/pipelines"));
      const byRepo = new Map<string, string[]>();
      for (const u of all) {
        const m = /\/api\/repos\/(\d+)\/pipelines/.exec(u);
        if (!m) continue;
        const list = byRepo.get(m[1]!);
        if (list) list.push(u);
        else byRepo.set(m[1]!, [u]);
      }
      const floorProc = spawnChild("exporter-runner.ts");
      await sim.call("reset");
      const floor = await floorProc.call("floorFetch", { pre, perRepo: [...byRepo.values()], token, concurrency: CONCURRENCY });
      await floorProc.kill();
      console.error(
        `[${label}] backfill: exporter ${reqs.count} requests in ${Math.round(start.wallMs)} ms (RSS ${r1(start.rssMB)} MB), floor ${floor.requests} in ${Math.round(floor.wallMs)} ms`,
      );
      return { exp, start, reqs, floor };
    };
    const rounds = [];
    for (let i = 1; i < REPEAT; i++) {
      const r = await round(false);
      await r.exp.kill();
      rounds.push(r);
    }
    const last = await round(process.env.BENCH_PROFILE === "1");
    rounds.push(last);
    const exp = last.exp;
    const start = last.start;
    try {
      const expMs = median(rounds.map((r) => r.start.wallMs as number));
      const floorMs = median(rounds.map((r) => r.floor.wallMs as number));
      out.backfill = {
        ok: rounds.every((r) => r.start.ok),
        rounds: rounds.length,
        pipelinesListed: listed,
        exporterMs: Math.round(expMs),
        exporterMsEach: rounds.map((r) => Math.round(r.start.wallMs)),
        exporterCpuMs: Math.round(median(rounds.map((r) => r.start.cpuMs as number))),
        floorMs: Math.round(floorMs),
        floorMsEach: rounds.map((r) => Math.round(r.floor.wallMs)),
        floorCpuMs: Math.round(median(rounds.map((r) => r.floor.cpuMs as number))),
        ratio: r2(expMs / floorMs),
        pipelinesPerSec: Math.round(listed / (expMs / 1000)),
        floorPipelinesPerSec: Math.round(listed / (floorMs / 1000)),
        exporterRequests: last.reqs.count,
        floorRequests: last.floor.requests,
        sameRequestCount: rounds.every((r) => r.reqs.count === r.floor.requests),
      };
      await Bun.sleep(3000); // freed pages go back to the OS with a delay
      const settled = await exp.call("mem");
      out.memory = {
        rssRightAfterBackfillMB: r1(start.rssMB),
        rssAfterBackfillMB: r1(settled.rssMB),
        heapUsedMB: r1(settled.heapUsedMB),
        heap: await exp.call("heap"),
      };
      if (!s.full) return out;

      // Idle polls: nothing changed in Woodpecker.
      await Bun.sleep(1500); // let the first cron tick (which joins the backfill) pass
      const idle: { ms: number; cpu: number; reqs: number }[] = [];
      for (let i = 0; i < 7; i++) {
        await sim.call("reset");
        const p = await exp.call("poll");
        const q = await sim.call("requests");
        idle.push({ ms: p.wallMs, cpu: p.cpuMs, reqs: q.count });
      }
      const one = await exp.call("timeOne", { url: `${base}/api/user/repos`, token, n: 7 });
      out.idlePoll = {
        requests: Math.max(...idle.map((x) => x.reqs)),
        medianMs: r1(median(idle.map((x) => x.ms))),
        singleRequestMedianMs: r1(median(one.times as number[])),
        ratio: r2(median(idle.map((x) => x.ms)) / median(one.times as number[])),
        cpuMedianMs: r1(median(idle.map((x) => x.cpu))),
      };

      // Busy polls: k repos got a new push + a running deployment; then those deployments end.
      const touched = await sim.call("touch", { k: K_CHANGED });
      await sim.call("reset");
      const b1 = await exp.call("poll");
      const q1 = await sim.call("requests");
      await sim.call("finish", { repos: touched.touched });
      await sim.call("reset");
      const b2 = await exp.call("poll");
      const q2 = await sim.call("requests");
      await sim.call("reset");
      const b3 = await exp.call("poll");
      const q3 = await sim.call("requests");
      out.busyPoll = {
        k: K_CHANGED,
        changedRequests: q1.count,
        changedByKind: q1.byKind,
        changedMs: r1(b1.wallMs),
        recheckRequests: q2.count,
        recheckByKind: q2.byKind,
        recheckMs: r1(b2.wallMs),
        afterwardsRequests: q3.count,
      };

      // Scrape: the exporter's /metrics vs Bun.serve of the same bytes (fresh process).
      const expUrl = `${start.url}/metrics`;
      const floorServe = spawnChild("exporter-runner.ts");
      try {
        const fs = await floorServe.call("floorServe", { from: expUrl });
        // Alternating exporter and floor requests, so background noise hits both alike.
        const time = async (n: number) => {
          const e = { t: [] as number[], bytes: 0 };
          const f = { t: [] as number[], bytes: 0 };
          for (let i = 0; i < n; i++) {
            for (const [url, acc] of [[expUrl, e], [fs.url as string, f]] as const) {
              const t0 = performance.now();
              const res = await fetch(url);
              acc.bytes = (await res.arrayBuffer()).byteLength;
              acc.t.push(performance.now() - t0);
            }
          }
          return { e, f };
        };
        await time(Math.ceil(SCRAPES / 5)); // warm-up
        const { e, f } = await time(SCRAPES);
        const text = await (await fetch(expUrl)).text();
        const pairs = new Set(
          [...text.matchAll(/^dora_deployments_total\{([^}]*)\}/gm)].map((m) => m[1]),
        ).size;
        out.scrape = {
          samples: SCRAPES,
          bytes: e.bytes,
          lines: text.split("\n").length,
          repoTargetPairs: pairs,
          p50Ms: r2(pct(e.t, 0.5)),
          p99Ms: r2(pct(e.t, 0.99)),
          floorP50Ms: r2(pct(f.t, 0.5)),
          floorP99Ms: r2(pct(f.t, 0.99)),
          p99Ratio: r2(pct(e.t, 0.99) / pct(f.t, 0.99)),
        };
        // The first scrape after a change renders the DORA series once (cache miss).
        await sim.call("touch", { k: 1 });
        await exp.call("poll");
        const t0 = performance.now();
        await (await fetch(expUrl)).arrayBuffer();
        (out.scrape as Record<string, unknown>).afterChangeMs = r2(performance.now() - t0);
      } finally {
        await floorServe.kill();
      }
      out.memory = { ...(out.memory as object), rssAtEndMB: r1((await exp.call("mem")).rssMB) };
      out.memoryBreakdown = await exp.call("breakdown");
    } finally {
      await exp.kill();
    }
  } finally {
    await sim.kill();
  }
  return out;
}

const started = performance.now();
const scenarios: Scenario[] = (process.env.BENCH_SCENARIOS ?? "10x100,100x1000:full,1000x250,1000x500,1000x1000:full")
  .split(",")
  .map((x) => {
    const [size, flag] = x.split(":");
    const [repos, pipelines] = size!.split("x").map(Number);
    return { repos: repos!, pipelines: pipelines!, full: flag === "full" };
  });
const results: Record<string, unknown>[] = [];
for (const s of scenarios) results.push(await runScenario(s));
const totalS = Math.round((performance.now() - started) / 1000);
const report = { date: new Date().toISOString(), command: "bun run bench", machine: machine(), concurrency: CONCURRENCY, totalSeconds: totalS, results };

mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const file = join(import.meta.dir, "results", `${report.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + "\n");

// One table.
const rows: string[][] = [["scenario", "measure", "exporter", "floor", "ratio", "target", "met"]];
const yes = (b: boolean) => (b ? "yes" : "NO");
for (const r of results as any[]) {
  const b = r.backfill;
  rows.push([r.scenario, `backfill wall (ms), median of ${b.rounds}`, `${b.exporterMs}`, `${b.floorMs}`, `${b.ratio}`, "<= 1.3", yes(b.ratio <= 1.3)]);
  rows.push([r.scenario, "backfill pipelines/s", `${b.pipelinesPerSec}`, `${b.floorPipelinesPerSec}`, "", "", ""]);
  rows.push([r.scenario, "backfill CPU of the process (ms)", `${b.exporterCpuMs}`, `${b.floorCpuMs}`, "", "", ""]);
  rows.push([r.scenario, "backfill requests", `${b.exporterRequests}`, `${b.floorRequests}`, "", "same pages", yes(b.sameRequestCount)]);
  rows.push([r.scenario, "RSS after backfill (MB)", `${r.memory.rssAfterBackfillMB}`, "", "", r.repos * r.pipelinesPerRepo >= 1e6 ? "<= 150" : "", r.repos * r.pipelinesPerRepo >= 1e6 ? yes(r.memory.rssAfterBackfillMB <= 150) : ""]);
  if (r.memoryBreakdown) {
    const m = r.memoryBreakdown;
    rows.push([r.scenario, `  of which compact store (MB, ${Math.round(m.bytesPerStoredPipeline)} B/pipeline)`, `${r1(m.columnMB)}`, "", "", "", ""]);
    rows.push([r.scenario, "  of which RepoStates kept for API (MB)", `${r1(m.repoStatesMB)}`, "", "", "", ""]);
    rows.push([r.scenario, "  JS heap in use (MB)", `${r1(m.heapUsedMB)}`, "", "", "", ""]);
  }
  if (r.idlePoll) {
    const i = r.idlePoll;
    rows.push([r.scenario, "idle poll requests", `${i.requests}`, "1", "", "1", yes(i.requests === 1)]);
    rows.push([r.scenario, "idle poll time (ms)", `${i.medianMs}`, `${i.singleRequestMedianMs}`, `${i.ratio}`, "<= 2", yes(i.ratio <= 2)]);
    rows.push([r.scenario, "idle poll CPU (ms)", `${i.cpuMedianMs}`, "", "", "", ""]);
    const bp = r.busyPoll;
    rows.push([r.scenario, `busy poll requests (k=${bp.k})`, `${bp.changedRequests}`, `${bp.k + 1}`, "", "k+1", yes(bp.changedRequests <= bp.k + 1)]);
    rows.push([r.scenario, `re-check poll requests`, `${bp.recheckRequests}`, `${bp.k + 1}`, "", "1+running", yes(bp.recheckRequests <= bp.k + 1)]);
  }
  if (r.scrape) {
    const sc = r.scrape;
    rows.push([r.scenario, `scrape p50 (ms), ${sc.repoTargetPairs} pairs, ${Math.round(sc.bytes / 1024)} KiB`, `${sc.p50Ms}`, `${sc.floorP50Ms}`, `${r2(sc.p50Ms / sc.floorP50Ms)}`, "", ""]);
    rows.push([r.scenario, "scrape p99 (ms)", `${sc.p99Ms}`, `${sc.floorP99Ms}`, `${sc.p99Ratio}`, "<= 2", yes(sc.p99Ratio <= 2)]);
    rows.push([r.scenario, "first scrape after a change (ms)", `${sc.afterChangeMs}`, "", "", "", ""]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
const fmt = (row: string[]) => "| " + row.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
console.log(fmt(rows[0]!));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const row of rows.slice(1)) console.log(fmt(row));
console.log(`\nmachine: ${JSON.stringify(report.machine)}; total ${totalS} s; results: ${file}`);
