// The running exporter: the core (exporter-core.ts: client -> poller -> pure core -> metrics), the
// process metrics and the HTTP server. The first poll (the backfill) starts at once; later ones
// follow the cron schedule.
import { cron } from "@elysiajs/cron";
import type { Config } from "./config/config.ts";
import type { Poller } from "./collector/poller.ts";
import { createExporterCore } from "./exporter-core.ts";
import type { Logger } from "./log.ts";
import { createApp } from "./server/app.ts";
import { buildView } from "./server/view.ts";

export { createExporterCore } from "./exporter-core.ts";
export type { ExporterCore, ExporterCoreDeps } from "./exporter-core.ts";

export interface ExporterOptions {
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
  const now = () => Date.now();
  const core = createExporterCore(config, { log, now, demo, processMetrics: true });
  const { registry, poller } = core;
  let ready = false;
  const runPoll = async () => {
    const ok = await core.poll();
    if (ok && !ready && poller.status.backfillComplete) {
      ready = true;
      log.info("backfill complete", { repos: poller.status.trackedRepos });
    }
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
  });
  void runPoll();

  return {
    url,
    poller,
    log,
    async stop() {
      app.store.cron.poll.stop();
      await app.stop();
    },
  };
}
