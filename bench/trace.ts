// `bun bench/trace.ts`: one backfill of the compiled exporter traced from /proc, for finding *when*
// memory and CPU are spent (BENCHMARKS.md "What each change bought": the "traced" figures). It
// prints RSS/peak every second from spawn, the moment /ready answers, and RSS, peak and CPU at the
// end. Knobs: TRACE_SIZE (default 1000x1000), TRACE_AFTER (seconds traced after /ready, 15),
// TRACE_RUNS (3), TRACE_ENV ("K=V K=V" added to the exporter's environment). Not part of `bun test`.
import { join } from "node:path";
import { cpuMs, memMB } from "./proc.ts";

const ROOT = join(import.meta.dir, "..");
const [REPOS, PIPELINES] = (process.env.TRACE_SIZE ?? "1000x1000").split("x").map(Number) as [number, number];
const AFTER = Number(process.env.TRACE_AFTER ?? 15);
const RUNS = Number(process.env.TRACE_RUNS ?? 3);
const EXTRA = Object.fromEntries(
  (process.env.TRACE_ENV ?? "")
    .split(" ")
    .filter(Boolean)
    .map((kv) => kv.split("=")),
);

let seq = 0;
const waiting = new Map<number, (m: Record<string, unknown>) => void>();
const sim = Bun.spawn(["bun", join(import.meta.dir, "sim-server.ts")], {
  cwd: ROOT,
  stdio: ["ignore", "inherit", "inherit"],
  ipc(m) {
    const msg = m as { id: number };
    waiting.get(msg.id)?.(m as Record<string, unknown>);
  },
});
const call = (cmd: string, args: Record<string, unknown> = {}) =>
  new Promise<Record<string, unknown>>((resolve) => {
    const id = ++seq;
    waiting.set(id, resolve);
    sim.send({ id, cmd, ...args });
  });
const load = await call("load", { repos: REPOS, pipelines: PIPELINES });

for (let run = 1; run <= RUNS; run++) {
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const t0 = performance.now();
  const p = Bun.spawn([join(ROOT, "dist", "dora-exporter")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      WOODPECKER_URL: String(load.url),
      WOODPECKER_TOKEN: String(load.token),
      DORA_LISTEN: `127.0.0.1:${port}`,
      DORA_POLL_INTERVAL: "86400",
      DORA_CONCURRENCY: "4",
      DORA_LOG_LEVEL: "warn",
      ...EXTRA,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const trace: string[] = [];
  let ready = 0;
  for (let i = 0; ; i++) {
    await Bun.sleep(50);
    const t = (performance.now() - t0) / 1000;
    if (!ready) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        await res.arrayBuffer();
        if (res.status === 200) {
          ready = t;
          trace.push(`READY ${t.toFixed(1)} s, CPU ${cpuMs(p.pid)} ms`);
        }
      } catch {
        /* not listening yet */
      }
    }
    const m = memMB(p.pid);
    if (i % 20 === 0) trace.push(`${t.toFixed(1)} s ${m.rssMB.toFixed(0)}/${m.peakMB.toFixed(0)} MB`);
    if (ready && t > ready + AFTER) break;
  }
  const m = memMB(p.pid);
  console.log(trace.join("  "));
  console.log(
    `run ${run}: ready ${ready.toFixed(1)} s, RSS ${m.rssMB.toFixed(1)} MB, peak ${m.peakMB.toFixed(1)} MB, ` +
      `CPU ${cpuMs(p.pid)} ms`,
  );
  p.kill();
  await p.exited;
}
sim.kill();
