// Child process: the simulated Woodpecker for the benchmark, on its own core-share so its CPU is
// not charged to the exporter. Controlled by the driver over Bun IPC.
import { serveSimulator, type RequestLogEntry, type ServedSimulator } from "../src/simulator/index.ts";
import { BenchWoodpecker, bulkLoad, type BulkSummary } from "./bulk.ts";

const TOKEN = "bench-token";
let sim: BenchWoodpecker | null = null;
let server: ServedSimulator | null = null;
let summary: BulkSummary | null = null;
/** Every request the simulator answered since the last "reset". */
const requests: RequestLogEntry[] = [];
const END = 1_790_000_000; // fixed clock: runs are comparable

type Msg = { id: number; cmd: string; [k: string]: unknown };

function reply(id: number, body: Record<string, unknown>) {
  process.send!({ id, ...body });
}

process.on("message", (raw: unknown) => {
  const msg = raw as Msg;
  try {
    reply(msg.id, handle(msg));
  } catch (e) {
    reply(msg.id, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});

function handle(msg: Msg): Record<string, unknown> {
  switch (msg.cmd) {
    case "load": {
      server?.stop();
      const t0 = performance.now();
      sim = new BenchWoodpecker({ token: TOKEN, login: "bench", now: () => END + 1000 });
      summary = bulkLoad(sim, {
        repos: msg.repos as number,
        pipelinesPerRepo: msg.pipelines as number,
        end: END,
        seed: 7,
      });
      for (const r of sim.listRepos()) sim.listPipelines(r.id); // warm the sorted lists
      server = serveSimulator(sim, { hostname: "127.0.0.1", requests });
      return {
        url: server.url,
        token: TOKEN,
        loadMs: performance.now() - t0,
        pipelines: summary.pipelines,
        byEvent: summary.byEvent,
        deployRepos: summary.deployRepos,
        pushRepos: summary.pushRepos,
        // What the exporter lists per repo with the push,deployment filter; a full last page
        // means one more (empty) page request.
        filtered: [...summary.filtered.entries()],
      };
    }
    case "reset": {
      requests.length = 0;
      return {};
    }
    case "requests": {
      const reqs = requests;
      const byKind: Record<string, number> = {};
      for (const r of reqs) {
        const kind = /\/pipelines\/\d+$/.test(r.path) ? "pipeline" : /\/pipelines$/.test(r.path) ? "list" : r.path;
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      }
      const statuses = [...new Set(reqs.map((r) => r.status))];
      // urls: every request in order, as path?query, so a floor can replay exactly these.
      const urls = msg.urls ? reqs.map((r) => `${r.path}?${new URLSearchParams(r.query)}`) : undefined;
      return { count: reqs.length, byKind, statuses, urls };
    }
    case "touch": {
      // k repos get a new change: a push to main (finished) and a deployment of it, still running.
      const repos = sim!
        .listRepos()
        .filter((r) => r.allow_deploy)
        .slice(0, msg.k as number);
      const now = sim!.now();
      for (const r of repos) {
        const push = sim!.addPipeline(r.id, { event: "push", branch: "main" });
        sim!.startPipeline(r.id, push.number, now);
        sim!.finishPipeline(r.id, push.number, "success", now + 1);
        const d = sim!.deploy(r.id, push.number, "production");
        sim!.startPipeline(r.id, d.number, now);
      }
      return { touched: repos.map((r) => r.id) };
    }
    case "finish": {
      // The running deployments of those repos end (last_pipeline keeps its id: only re-checks see it).
      let n = 0;
      for (const id of msg.repos as number[]) {
        for (const p of sim!.listPipelines(id)) {
          if (p.status === "running") {
            sim!.finishPipeline(id, p.number, "success", sim!.now() + 2);
            n++;
          }
        }
      }
      return { finished: n };
    }
    case "stop": {
      server?.stop();
      setTimeout(() => process.exit(0), 10);
      return {};
    }
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}
