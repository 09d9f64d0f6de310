// The running exporter: the core (exporter-core.ts: client -> poller -> pure core -> metrics, the
// ArgoCD source), the state file, memory watch and the HTTP server. The first poll (the backfill)
// starts at once; later ones follow the cron schedule.
import { cron } from "@elysiajs/cron";
import { type Config, ConfigError } from "./config/config.ts";
import { loadWebConfig } from "./config/web-config.ts";
import { neededEvents } from "./collector/events.ts";
import { messageKeeper } from "./core/rework.ts";
import { DurableHistories } from "./collector/durable.ts";
import type { Poller } from "./collector/poller.ts";
import { createExporterCore, type RunningArgo } from "./exporter-core.ts";
import type { Logger } from "./log.ts";
import { createApp } from "./server/app.ts";
import { buildView, viewOptions } from "./server/view.ts";
import { exporterWarnings } from "./view/warnings.ts";
import { redactedConfig } from "./config/settings.ts";
import { StateFile, StateFileError, type ObservationStore } from "./state/index.ts";
import { mb, memoryLimit, watchMemory } from "./memory.ts";

export { createExporterCore } from "./exporter-core.ts";
export type { ExporterCore, ExporterCoreDeps, RunningArgo } from "./exporter-core.ts";

interface ExporterOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly demo?: boolean;
}

export interface RunningExporter {
  readonly url: string;
  readonly poller: Poller;
  readonly log: Logger;
  /** The ArgoCD parts (ARGOCD_URL set), else null. */
  readonly argo: RunningArgo | null;
  /** Where ArgoCD observations are kept: the state file's store, or memory without DORA_STATE_FILE. */
  readonly observations: ObservationStore;
  stop(): Promise<void>;
}

/** Thrown when the listen address cannot be bound: a configuration problem (exit 2). */
export class ListenError extends Error {}

export async function startExporter({ config, log, demo = false }: ExporterOptions): Promise<RunningExporter> {
  const now = () => Date.now();
  // Opened before anything listens: a file it must refuse stops the start (exit 2).
  const state = config.stateFile === null ? null : openState(config.stateFile, config, log, now);
  const durable = state === null ? null : new DurableHistories(state.woodpecker, messageKeeper(config.reworkRules));
  const core = createExporterCore(config, {
    log,
    now,
    demo,
    processMetrics: true,
    durable,
    observations: state?.observations,
  });
  const { registry, poller, argo, observations } = core;
  argo?.step.source.start();
  if (state !== null && durable !== null) {
    const t0 = performance.now();
    const { repos, pipelines } = durable.load({
      since: config.since,
      events: neededEvents(config.repoRules),
      messagePatterns: config.reworkRules.flatMap((r) => (r.message === undefined ? [] : [r.message.source])),
    });
    log.info("state file loaded; the first poll is incremental", {
      file: state.path,
      repos,
      pipelines,
      ms: Math.round(performance.now() - t0),
    });
  }

  // Each warning is logged when it first holds (and again if it comes back), not once per poll.
  let warned = new Set<string>();
  const logWarnings = () => {
    const s = poller.status;
    const current = exporterWarnings({
      ...config,
      now: Math.floor(now() / 1000),
      lastCycleOk: s.lastCycleOk,
      listedRepos: s.listedRepos,
      trackedRepos: s.trackedRepos,
    });
    for (const w of current) if (!warned.has(w)) log.warn(w);
    warned = new Set(current);
  };

  const limit = memoryLimit(config.memoryLimit);
  const memory = limit ? watchMemory({ limit, log }) : null;
  let ready = false;
  const runPoll = async () => {
    // Awaits the poller's own promise, as callers joining a running cycle do: the warnings are
    // logged before they resume.
    const ok = await poller.poll();
    logWarnings();
    const finishing = ok && !ready && poller.status.backfillComplete;
    // The backfill's garbage (parsed pages) goes before the window gauges and the exposition are
    // first built, so they reuse its memory instead of adding to it: that moment was the process's
    // peak (issue 14).
    if (finishing) Bun.gc(true);
    await core.afterPoll(ok);
    memory?.check(); // right after a poll: the moment a backfill peaks
    if (finishing) {
      // Ready means /metrics is rendered; then what building it left (the states just rendered,
      // the exposition's parts) is let go at once instead of whenever the heap next fills, so the
      // memory the process keeps is what it holds (issue 14).
      await registry.warm().catch(() => {});
      Bun.gc(true);
      ready = true;
      log.info("backfill complete", { repos: poller.status.trackedRepos });
    }
  };

  // Read before anything listens or polls: a bad file exits 2 (ConfigError) with nothing started.
  const web = config.webConfig === null ? null : loadWebConfig(config.webConfig);
  const app = createApp({
    users: web?.users,
    registry,
    readiness: { ready: () => ready },
    view: () => buildView(poller, { ...viewOptions(config, { demo, now }), argo: argo?.step ?? null }),
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
    app.listen({
      hostname: config.listen.host,
      port: config.listen.port,
      reusePort: false,
      ...(web?.tls ? { tls: { cert: web.tls.cert, key: web.tls.key } } : {}),
    });
  } catch (e) {
    app.store.cron.poll.stop(); // nothing may keep running in a process about to exit 2
    state?.close();
    if (web?.tls && !/in use|EADDRINUSE/i.test(String(e))) {
      const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      throw new ConfigError(
        `DORA_WEB_CONFIG ${config.webConfig}`,
        `tls_server_config: cannot use the certificate and key: ${reason}`,
      );
    }
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new ListenError(`DORA_LISTEN: cannot listen on ${config.listen.host}:${config.listen.port}: ${reason}`);
  }
  const server = app.server!;
  const url =
    `${web?.tls ? "https" : "http"}://` +
    `${server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname}:${server.port}`;
  log.info("listening", {
    url,
    poll_interval_s: config.pollInterval,
    demo,
    tls: web?.tls != null,
    basic_auth: Object.keys(web?.users ?? {}).length > 0,
    ...(config.shard ? { shard: `${config.shard.index}/${config.shard.count}` } : {}),
    ...(limit ? { memory_limit_mb: mb(limit.bytes), memory_limit_from: limit.from } : {}),
  });
  // What is in effect, as one line (secrets redacted by the settings table's secret rows).
  log.info("settings", { settings: redactedConfig(config) });
  logWarnings();
  void runPoll();

  return {
    url,
    poller,
    log,
    argo,
    observations,
    async stop() {
      app.store.cron.poll.stop();
      memory?.stop();
      await argo?.step.source.stop();
      await app.stop();
      state?.close();
    },
  };
}

/** Open DORA_STATE_FILE; a file it must refuse is a configuration problem (exit 2). */
function openState(path: string, config: Config, log: Logger, now: () => number): StateFile {
  try {
    return StateFile.open({ path, woodpeckerUrl: config.woodpeckerUrl, log, now });
  } catch (e) {
    if (e instanceof StateFileError) throw new ConfigError("DORA_STATE_FILE", e.problem);
    throw e;
  }
}
