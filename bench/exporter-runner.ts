// Child process: one exporter (the real startExporter: client, poller, core, metrics, HTTP app),
// or the floor fetch loop, or the floor /metrics server. Each measurement runs in a fresh
// process, so RSS and CPU belong to what is measured. Controlled by the driver over Bun IPC.
import { loadConfig } from "../src/config/load.ts";
import { startExporter, type RunningExporter } from "../src/exporter.ts";
import { silentLogger } from "../src/log.ts";

type Msg = { id: number; cmd: string; [k: string]: unknown };
let exporter: RunningExporter | null = null;
let floorServer: ReturnType<typeof Bun.serve> | null = null;

function reply(id: number, body: Record<string, unknown>) {
  process.send!({ id, ...body });
}

process.on("message", (raw: unknown) => {
  const msg = raw as Msg;
  handle(msg).then(
    (body) => reply(msg.id, body),
    (e) => reply(msg.id, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function mem(): Record<string, number> {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20 };
}

async function handle(msg: Msg): Promise<Record<string, unknown>> {
  switch (msg.cmd) {
    case "start": {
      const env = msg.env as Record<string, string>;
      const config = loadConfig(env);
      const t0 = performance.now();
      const c0 = cpuMs();
      exporter = await startExporter({ config, log: silentLogger });
      // startExporter begins the backfill at once; poll() joins the running cycle.
      const ok = await exporter.poller.poll();
      const wallMs = performance.now() - t0;
      const cpu = cpuMs() - c0;
      return { ok, wallMs, cpuMs: cpu, url: exporter.url, backfillComplete: exporter.poller.status.backfillComplete, ...mem() };
    }
    case "poll": {
      const t0 = performance.now();
      const c0 = cpuMs();
      const ok = await exporter!.poller.poll();
      return { ok, wallMs: performance.now() - t0, cpuMs: cpuMs() - c0 };
    }
    case "mem":
      return mem();
    case "breakdown": {
      // Memory by owner, measured by releasing it: the columns of the compact stores, then the
      // RepoStates the poller keeps for the API and page (destructive: run last).
      const poller = exporter!.poller;
      let columns = 0;
      let rows = 0;
      for (const r of poller.repos.values()) {
        columns += r.history.pipelines.columnBytes();
        rows += r.history.pipelines.size;
      }
      const before = mem();
      for (const r of poller.repos.values()) r.state = null;
      const withoutStates = mem();
      return {
        storedPipelines: rows,
        columnMB: columns / 2 ** 20,
        bytesPerStoredPipeline: columns / rows,
        heapUsedMB: before.heapUsedMB,
        repoStatesMB: before.heapUsedMB! - withoutStates.heapUsedMB!,
        rssMB: before.rssMB,
      };
    }
    case "heap": {
      // Which object types hold the heap (diagnostics for BENCHMARKS.md).
      Bun.gc(true);
      const { heapStats } = await import("bun:jsc");
      const st = heapStats();
      const top = Object.entries(st.objectTypeCounts)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15);
      return { heapSizeMB: st.heapSize / 2 ** 20, extraMemoryMB: st.extraMemorySize / 2 ** 20, objectCount: st.objectCount, top };
    }
    case "floorFetch": {
      // The floor: the same requests with the same concurrency, bodies read and dropped.
      const pre = msg.pre as string[];
      const perRepo = msg.perRepo as string[][];
      const headers = { Authorization: `Bearer ${msg.token as string}`, Accept: "application/json" };
      const get = async (url: string) => {
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
      };
      const t0 = performance.now();
      const c0 = cpuMs();
      for (const u of pre) await get(u);
      let next = 0;
      let requests = pre.length;
      const worker = async () => {
        while (next < perRepo.length) {
          const urls = perRepo[next++]!;
          for (const u of urls) {
            await get(u);
            requests++;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(msg.concurrency as number, perRepo.length) }, worker));
      return { wallMs: performance.now() - t0, cpuMs: cpuMs() - c0, requests };
    }
    case "timeOne": {
      // One request, timed from here (the idle poll's floor).
      const url = msg.url as string;
      const headers = { Authorization: `Bearer ${msg.token as string}`, Accept: "application/json" };
      const times: number[] = [];
      for (let i = 0; i < (msg.n as number); i++) {
        const t0 = performance.now();
        const res = await fetch(url, { headers });
        await res.json(); // the poller parses it too
        times.push(performance.now() - t0);
      }
      return { times };
    }
    case "floorServe": {
      // Bun.serve answering with the exporter's /metrics bytes, held in memory.
      const body = new Uint8Array(await (await fetch(msg.from as string)).arrayBuffer());
      floorServer = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () => new Response(body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }),
      });
      return { url: `http://127.0.0.1:${floorServer.port}/metrics`, bytes: body.length };
    }
    case "stop": {
      await exporter?.stop();
      floorServer?.stop(true);
      setTimeout(() => process.exit(0), 10);
      return {};
    }
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}
