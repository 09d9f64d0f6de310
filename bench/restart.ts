// `bun bench/restart.ts`: what a restart costs with and without DORA_STATE_FILE, with the
// compiled binary (dist/dora-exporter, built if missing) against the bench's simulated Woodpecker
// (bench/sim-server.ts, N repos x M pipelines). For each case: seconds from spawn to /ready and
// the requests the simulator answered in that time (the first poll: polls never overlap, and a
// second one is cut off at its repo listing). Cases, in order, on one simulator:
//   1. first start with a new state file (a full backfill, writing the file);
//   2. restart with that file after SIGKILL (one incremental poll);
//   3. restart without the file (a full backfill);
//   4. restart with the file after SIGTERM.
// Knobs: BENCH_RESTART_SCENARIO (default 1000x1000), BENCH_REPEAT (rounds of 2-4, default 3),
// BENCH_RESTART_NOFILE=0 to leave out case 3 (a second full backfill) in quick runs.
// Memory and CPU come from /proc (bench/proc.ts): RSS as shipped at /ready and 5 s later, the
// peak (VmHWM) up to /ready, and the process CPU from spawn to /ready (less noisy than seconds
// on a shared machine).
// Prints a table and writes bench/results/restart-<date>.json. Not part of `bun test`.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMs, memMB } from "./proc.ts";

const ROOT = join(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "dora-exporter");
const [REPOS, PIPELINES] = (process.env.BENCH_RESTART_SCENARIO ?? "1000x1000").split("x").map(Number) as [
  number,
  number,
];
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const NOFILE = process.env.BENCH_RESTART_NOFILE !== "0";

type Msg = Record<string, any>;

function simChild() {
  let seq = 0;
  const waiting = new Map<number, (m: Msg) => void>();
  const proc = Bun.spawn(["bun", join(import.meta.dir, "sim-server.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    ipc(m) {
      waiting.get((m as Msg).id)?.(m as Msg);
    },
  });
  return {
    call(cmd: string, args: Msg = {}): Promise<Msg> {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
        proc.send({ id, cmd, ...args });
      });
    },
    async kill() {
      proc.send({ id: ++seq, cmd: "stop" });
      await proc.exited;
    },
  };
}

interface Case {
  readonly name: string;
  readonly seconds: number;
  readonly toListeningS: number;
  readonly loadS: number;
  readonly requests: number;
  readonly byKind: Record<string, number>;
  readonly rssMB: number;
  readonly rssLaterMB: number;
  /** VmHWM at /ready: the highest RSS of the start. */
  readonly peakMB: number;
  /** Process CPU (user + system) from spawn to /ready. */
  readonly cpuS: number;
}

async function main() {
  if (!existsSync(BINARY)) {
    const r = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
    if (r.exitCode !== 0) throw new Error("bun run build failed");
  }
  const sim = simChild();
  // BENCH_RESTART_DIR: keep the state file there (for looking into it afterwards).
  const keep = process.env.BENCH_RESTART_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), "dora-bench-restart-"));
  const file = join(dir, "dora.db");
  const results: Case[][] = [];
  try {
    const load = await sim.call("load", { repos: REPOS, pipelines: PIPELINES });
    console.error(`[restart ${REPOS}x${PIPELINES}] simulator loaded ${load.pipelines} pipelines`);
    const env = {
      PATH: process.env.PATH ?? "",
      WOODPECKER_URL: load.url as string,
      WOODPECKER_TOKEN: load.token as string,
      DORA_LISTEN: "127.0.0.1:0",
      DORA_POLL_INTERVAL: "86400",
      DORA_LOG_LEVEL: "info",
    };
    /** Spawn, wait for /ready, stop with `signal`. */
    const run = async (name: string, extra: Record<string, string>, signal: "SIGKILL" | "SIGTERM"): Promise<Case> => {
      await sim.call("reset");
      const t0 = performance.now();
      const proc = Bun.spawn([BINARY], { env: { ...env, ...extra }, stdout: "ignore", stderr: "pipe" });
      let url = "";
      const decoder = new TextDecoder();
      let buf = "";
      const reader = proc.stderr.getReader();
      while (url === "") {
        const { value, done } = await reader.read();
        if (done) throw new Error(`${name}: exporter exited before listening: ${buf}`);
        buf += decoder.decode(value);
        url = /"msg":"listening".*?"url":"([^"]+)"/.exec(buf)?.[1] ?? "";
      }
      const listeningAt = performance.now();
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += decoder.decode(value);
        }
      })();
      for (;;) {
        const ok = await fetch(url + "/ready").then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        await Bun.sleep(10);
      }
      const seconds = (performance.now() - t0) / 1000;
      const reqs = await sim.call("requests", { urls: true });
      const urls = reqs.urls as string[];
      const second = urls.findIndex(
        (u, i) => u.startsWith("/api/user/repos?") && urls.slice(0, i).some((x) => x.startsWith("/api/user/repos?")),
      );
      const first = second < 0 ? urls : urls.slice(0, second);
      const byKind: Record<string, number> = {};
      for (const u of first) {
        const path = u.split("?")[0]!;
        const kind = /\/pipelines\/\d+$/.test(path) ? "pipeline" : /\/pipelines$/.test(path) ? "list" : path;
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      }
      const cpu = cpuMs(proc.pid) / 1000;
      const atReady = memMB(proc.pid);
      await Bun.sleep(5000); // the garbage of the start goes back to the OS with a delay
      const rssLater = memMB(proc.pid).rssMB;
      proc.kill(signal);
      await proc.exited;
      // Where the time went: process start to listening (includes opening and loading the file).
      const loadMs = Number(/"msg":"state file loaded[^"]*".*?"ms":(\d+)/.exec(buf)?.[1] ?? 0);
      const c = {
        name,
        seconds,
        toListeningS: (listeningAt - t0) / 1000,
        loadS: loadMs / 1000,
        requests: first.length,
        byKind,
        rssMB: atReady.rssMB,
        rssLaterMB: rssLater,
        peakMB: atReady.peakMB,
        cpuS: cpu,
      };
      console.error(
        `[restart] ${name}: ${seconds.toFixed(2)} s to /ready (listening after ${c.toListeningS.toFixed(2)} s, ` +
          `of which loading the file ${c.loadS.toFixed(2)} s), CPU ${cpu.toFixed(2)} s, ${first.length} requests ` +
          `${JSON.stringify(byKind)}, RSS ${c.rssMB.toFixed(0)} MB (peak ${c.peakMB.toFixed(0)}, 5 s later ` +
          `${rssLater.toFixed(0)})`,
      );
      return c;
    };
    for (let round = 0; round < REPEAT; round++) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const r: Case[] = [];
      r.push(await run("first start, new state file (backfill + write)", { DORA_STATE_FILE: file }, "SIGKILL"));
      const size = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
      r.push(await run("restart with the file, after SIGKILL", { DORA_STATE_FILE: file }, "SIGTERM"));
      if (NOFILE) r.push(await run("restart without the file", {}, "SIGTERM"));
      r.push(await run("restart with the file, after SIGTERM", { DORA_STATE_FILE: file }, "SIGTERM"));
      console.error(`[restart] state file: ${(size / 2 ** 20).toFixed(1)} MB (with its WAL)`);
      (r as Case[] & { fileMB?: number }).fileMB = size / 2 ** 20;
      results.push(r);
    }
  } finally {
    await sim.kill();
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const rows = results[0]!.map((c, i) => ({
    case: c.name,
    secondsEach: results.map((r) => Math.round(r[i]!.seconds * 100) / 100),
    seconds: Math.round(median(results.map((r) => r[i]!.seconds)) * 100) / 100,
    toListeningS: Math.round(median(results.map((r) => r[i]!.toListeningS)) * 100) / 100,
    loadS: Math.round(median(results.map((r) => r[i]!.loadS)) * 100) / 100,
    requests: c.requests,
    byKind: c.byKind,
    cpuS: Math.round(median(results.map((r) => r[i]!.cpuS)) * 100) / 100,
    rssMB: Math.round(median(results.map((r) => r[i]!.rssMB)) * 10) / 10,
    rssLaterMB: Math.round(median(results.map((r) => r[i]!.rssLaterMB)) * 10) / 10,
    peakMB: Math.round(median(results.map((r) => r[i]!.peakMB)) * 10) / 10,
    peakEach: results.map((r) => Math.round(r[i]!.peakMB)),
  }));
  const fileMB = Math.round(median(results.map((r) => (r as Case[] & { fileMB?: number }).fileMB ?? 0)) * 10) / 10;
  console.log(
    `| ${REPOS} x ${PIPELINES} | seconds to /ready (median of ${REPEAT}) | of which to listening (loading the ` +
      `file) | CPU s to /ready | requests | peak RSS (VmHWM) MB (rounds) | RSS at /ready -> 5 s later (MB) |`,
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.case} | ${r.seconds} (${r.secondsEach.join(", ")}) | ${r.toListeningS} (${r.loadS}) | ${r.cpuS} | ` +
        `${r.requests} | ${r.peakMB} (${r.peakEach.join(", ")}) | ${r.rssMB} -> ${r.rssLaterMB} |`,
    );
  }
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
  console.log(`\nstate file: ${fileMB} MB; load average at the end ${load}`);
  mkdirSync(join(import.meta.dir, "results"), { recursive: true });
  const out = join(import.meta.dir, "results", `restart-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      { date: new Date().toISOString(), repos: REPOS, pipelines: PIPELINES, loadavg: loadavg(), fileMB, rows },
      null,
      2,
    ) + "\n",
  );
  console.log(`results: ${out}`);
}

await main();
