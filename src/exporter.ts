// Wires the exporter together: Woodpecker client -> poller -> pure core -> metrics, and the HTTP
// server. The first poll (the backfill) starts at once; later ones follow the cron schedule.
import { cron } from "@elysiajs/cron";
import { collectDefaultMetrics } from "prom-client";
import { type Config, coreOptions } from "./config/config.ts";
import { settingSource } from "./config/load.ts";
import { Poller } from "./collector/poller.ts";
import type { Logger } from "./log.ts";
import { CachedRegistry, DoraSeriesCache } from "./metrics/cache.ts";
import { HealthMetrics } from "./metrics/health-metrics.ts";
import { createApp } from "./server/app.ts";
import { buildView } from "./server/view.ts";
import { mb, memoryLimit, watchMemory } from "./memory.ts";
import { VERSION } from "./version.ts";
import { WoodpeckerClient } from "./woodpecker/client.ts";

interface ExporterOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly demo?: boolean;
}

export interface RunningExporter {
  readonly url: string;
  readonly poller: Poller;
  readonly log: Logger;
  stop(): Promise<void>;
}

/** Thrown when the listen address cannot be bound: a configuration problem (exit 2). */
export class ListenError extends Error {}

export async function startExporter({ config, log, demo = false }: ExporterOptions): Promise<RunningExporter> {
  // DORA series render once per change of a repo, not once per scrape (metrics/cache.ts).
  const dora = new DoraSeriesCache();
  const registry = new CachedRegistry(dora);
  // prom-client samples event-loop delay with a timer of this resolution (ms): its default, 10 ms,
  // wakes the process 100 times a second, ~5 ms of CPU per second with nothing to do (issue 14:
  // most of the idle exporter's background CPU). Once a second still gives 60 samples a minute.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  // Under Bun, v8.getHeapSpaceStatistics() walks the whole heap (~80 ms per scrape with 1M
  // pipelines tracked, the largest cost of a scrape; BENCHMARKS.md) and reports one non-zero space
  // out of 13, which nodejs_heap_size_*_bytes already give. Not worth 39 series and that cost.
  for (const kind of ["total", "used", "available"]) registry.removeSingleMetric(`nodejs_heap_space_size_${kind}_bytes`);
  // prom-client names these gauges `_total`, which `promtool check metrics` rejects (a counter
  // suffix on a gauge); operators run that check, so they go.
  for (const n of ["handles", "requests", "resources"]) registry.removeSingleMetric(`nodejs_active_${n}_total`);
  const now = () => Date.now();
  let poller!: Poller;
  const health = new HealthMetrics(registry, () => poller.status, {
    version: VERSION,
    pollIntervalSeconds: config.pollInterval,
    now,
    demo,
  });
  const client = new WoodpeckerClient({
    baseUrl: config.woodpeckerUrl,
    token: config.token,
    tokenSetting: settingSource(config, "token"),
    timeoutMs: config.httpTimeout * 1000,
    onAttempt: (code) => health.requests.inc({ code }),
    onInvalid: (kind) => health.invalidObjects.inc({ kind }),
  });
  poller = new Poller({
    client,
    core: coreOptions(config),
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    shard: config.shard,
    log,
    now,
    onRepoState: (repo, state) => dora.setRepo(repo.id, repo.fullName, state),
  });

  const limit = memoryLimit(config.memoryLimit);
  const memory = limit ? watchMemory({ limit, log }) : null;
  let ready = false;
  const runPoll = async () => {
    const ok = await poller.poll();
    memory?.check(); // right after a poll: the moment a backfill peaks
    if (ok && !ready && poller.status.backfillComplete) {
      // Ready means /metrics is rendered; then the backfill's garbage (parsed pages, the states
      // just rendered) is let go at once instead of whenever the heap next fills, so the memory
      // the process keeps is what it holds (issue 14). One collection, as a user's process has.
      await registry.warm().catch(() => {});
      Bun.gc(false);
      ready = true;
      log.info("backfill complete", { repos: poller.status.trackedRepos });
    } else void registry.warm().catch(() => {}); // pre-render after changes, off the scrape path
  };

  const app = createApp({
    registry,
    readiness: { ready: () => ready },
    view: () => buildView(poller, { demo, woodpeckerUrl: config.woodpeckerUrl, now }),
  }).use(
    cron({
      name: "poll",
      pattern: "* * * * * *",
      // croner's `interval` gives "every N seconds" for any N; `protect` never overlaps cycles.
      interval: config.pollInterval,
      protect: true,
      run: runPoll,
    }),
  );

  try {
    // Elysia's Bun adapter turns on SO_REUSEPORT: a second exporter would then share the port
    // silently and Prometheus would scrape the two in turn. One exporter per port.
    app.listen({ hostname: config.listen.host, port: config.listen.port, reusePort: false });
  } catch (e) {
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new ListenError(`DORA_LISTEN: cannot listen on ${config.listen.host}:${config.listen.port}: ${reason}`);
  }
  const server = app.server!;
  const url = `http://${server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname}:${server.port}`;
  log.info("listening", {
    url,
    poll_interval_s: config.pollInterval,
    demo,
    ...(config.shard ? { shard: `${config.shard.index}/${config.shard.count}` } : {}),
    ...(limit ? { memory_limit_mb: mb(limit.bytes), memory_limit_from: limit.from } : {}),
  });
  void runPoll();

  return {
    url,
    poller,
    log,
    async stop() {
      app.store.cron.poll.stop();
      memory?.stop();
      await app.stop();
    },
  };
}
