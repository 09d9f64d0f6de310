// Wires the exporter together: Woodpecker client -> poller -> pure core -> metrics, and the HTTP
// server. The first poll (the backfill) starts at once; later ones follow the cron schedule.
import { cron } from "@elysiajs/cron";
import { collectDefaultMetrics } from "prom-client";
import { type Config, ConfigError, coreOptions } from "./config/config.ts";
import { settingSource } from "./config/load.ts";
import * as v from "valibot";
import {
  EntryFactSchema,
  FailedSyncFactSchema,
  HealthFactSchema,
  factRecords,
  factsFromRecords,
  KIND_ENTRY,
  KIND_FAILED_SYNC,
  KIND_HEALTH,
} from "./argocd/durable.ts";
import type { Facts } from "./argocd/observe.ts";
import { createArgoStep, type ArgoStep } from "./collector/argocd-step.ts";
import { loadWebConfig } from "./config/web-config.ts";
import { neededEvents } from "./collector/events.ts";
import { messageKeeper } from "./core/rework.ts";
import { DurableHistories } from "./collector/durable.ts";
import { historyOrigin } from "./collector/origin.ts";
import { Poller } from "./collector/poller.ts";
import { summaryRepos } from "./collector/summary-repos.ts";
import type { Logger } from "./log.ts";
import { CachedRegistry, DoraSeriesCache } from "./metrics/cache.ts";
import { ArgoMetrics } from "./metrics/argocd-metrics.ts";
import { HealthMetrics } from "./metrics/health-metrics.ts";
import { registerRepoInfo } from "./metrics/repo-info.ts";
import { WindowGaugeMetrics } from "./metrics/window-gauges.ts";
import { createApp } from "./server/app.ts";
import { buildView } from "./server/view.ts";
import { exporterWarnings } from "./view/warnings.ts";
import { redactedConfig } from "./config/settings.ts";
import { MemoryObservationStore, StateFile, StateFileError, type ObservationStore } from "./state/index.ts";
import { mb, memoryLimit, watchMemory } from "./memory.ts";
import { VERSION } from "./version.ts";
import { windowGaugesYielding } from "./view/gauges.ts";
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
  /** The ArgoCD parts (ARGOCD_URL set), else null. */
  readonly argo: RunningArgo | null;
  /** Where ArgoCD observations are kept: the state file's store, or memory without DORA_STATE_FILE. */
  readonly observations: ObservationStore;
  stop(): Promise<void>;
}

export interface RunningArgo {
  readonly step: ArgoStep;
  readonly metrics: ArgoMetrics;
}

/** The ArgoCD source and metrics (ARGOCD_URL set). */
function argoParts(
  config: Config,
  registry: CachedRegistry,
  log: Logger,
  observations: ObservationStore,
  invalidObjects: HealthMetrics["invalidObjects"],
): RunningArgo {
  let step!: ArgoStep;
  const metrics = new ArgoMetrics(registry, () => step.source.status, () => step.source.streamConnected);
  const loaded = loadFacts(observations, log);
  step = createArgoStep(config, log, {
    onAttempt: (code) => metrics.requests.inc({ code }),
    onInvalid: (count) => invalidObjects.inc({ kind: "argocd_application" }, count),
    initialFacts: loaded,
    // Written before the poll that saw them publishes: what /metrics showed is in the file.
    persist: (changes) => void observations.upsert(factRecords(changes)),
  });
  invalidObjects.inc({ kind: "argocd_application" }, 0);
  return { step, metrics };
}

/** The ArgoCD facts kept in the state (first contact: none); records that fail their schema are skipped, logged. */
function loadFacts(observations: ObservationStore, log: Logger): Facts {
  let invalid = 0;
  const load = <T>(kind: string, schema: v.GenericSchema<unknown, T>): T[] => {
    const r = observations.load(kind, schema);
    invalid += r.invalid;
    return r.records.map((x) => x.payload);
  };
  const facts = factsFromRecords(
    load(KIND_ENTRY, EntryFactSchema),
    load(KIND_FAILED_SYNC, FailedSyncFactSchema),
    load(KIND_HEALTH, HealthFactSchema),
  );
  if (invalid > 0) log.warn("skipped invalid ArgoCD observations in the state file", { count: invalid });
  return facts;
}

/** Thrown when the listen address cannot be bound: a configuration problem (exit 2). */
export class ListenError extends Error {}

export async function startExporter({ config, log, demo = false }: ExporterOptions): Promise<RunningExporter> {
  // DORA series render once per change of a repo, not once per scrape (metrics/cache.ts).
  const dora = new DoraSeriesCache();
  const windows = new WindowGaugeMetrics();
  const registry = new CachedRegistry(dora, windows);
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
  // Opened before anything listens: a file it must refuse stops the start (exit 2).
  const state = config.stateFile === null ? null : openState(config.stateFile, config, log, now);
  const durable = state === null ? null : new DurableHistories(state.woodpecker, messageKeeper(config.reworkRules));
  let poller!: Poller;
  const health = new HealthMetrics(registry, () => poller.status, {
    version: VERSION,
    pollIntervalSeconds: config.pollInterval,
    now,
    demo,
  });
  // Labelled like the DORA series (the name the repo's state was published under), without
  // unpacking any state on the scrape path.
  registerRepoInfo(registry, config.repoLabels, function* () {
    for (const r of poller.repos.values()) yield r.stateLabel || r.listing.fullName;
  });
  const client = new WoodpeckerClient({
    baseUrl: config.woodpeckerUrl,
    token: config.token,
    tokenSetting: settingSource(config, "token"),
    timeoutMs: config.httpTimeout * 1000,
    onAttempt: (code) => health.requests.inc({ code }),
    onInvalid: (kind) => health.invalidObjects.inc({ kind }),
  });
  const observations: ObservationStore = state?.observations ?? new MemoryObservationStore();
  const argo = config.argocdUrl === null ? null : argoParts(config, registry, log, observations, health.invalidObjects);
  poller = new Poller({
    client,
    core: coreOptions(config),
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    shard: config.shard,
    log,
    now,
    onRepoState: (repo, repoState) => {
      dora.setRepo(repo.id, repo.fullName, repoState);
      argo?.metrics.setRepo(repo.id, repo.fullName, repoState);
    },
    onRepoRemoved: (repoId) => {
      dora.removeRepo(repoId);
      argo?.metrics.removeRepo(repoId);
    },
    argo: argo?.step ?? null,
    // Each synced repo is written before it is published: what /metrics showed is in the file.
    commitRepo: durable === null ? undefined : (tracked) => durable.save(tracked),
    restoreRepo: durable === null ? undefined : (listing) => durable.restore(listing),
  });
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
    const current = exporterWarnings({ ...config, now: Math.floor(now() / 1000), lastCycleOk: s.lastCycleOk, listedRepos: s.listedRepos, trackedRepos: s.trackedRepos });
    for (const w of current) if (!warned.has(w)) log.warn(w);
    warned = new Set(current);
  };

  const limit = memoryLimit(config.memoryLimit);
  const memory = limit ? watchMemory({ limit, log }) : null;
  let ready = false;
  const runPoll = async () => {
    const ok = await poller.poll();
    logWarnings();
    if (durable !== null) {
      try {
        durable.retain(poller);
      } catch (e) {
        log.error("state file write failed", { problem: e instanceof Error ? e.message : String(e) });
      }
    }
    void registry.warm().catch(() => {}); // pre-render after changes, off the scrape path
    // Windows end at the last completed poll (not at a scrape), computed once per such poll.
    if (ok) {
      const end = poller.status.lastSuccessAt;
      const pause = () => new Promise((resolve) => setImmediate(resolve));
      windows.set(await windowGaugesYielding(summaryRepos(poller), end, historyOrigin(poller, config.since), pause));
    }
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

  // Read before anything listens or polls: a bad file exits 2 (ConfigError) with nothing started.
  const web = config.webConfig === null ? null : loadWebConfig(config.webConfig);
  const app = createApp({
    users: web?.users,
    registry,
    readiness: { ready: () => ready },
    view: () =>
      buildView(poller, {
        demo,
        woodpeckerUrl: config.woodpeckerUrl,
        now,
        pollIntervalSeconds: config.pollInterval,
        since: config.since,
        repos: config.repos,
        shard: config.shard,
        argo: argo?.step ?? null,
        repoLabels: config.repoLabels,
      }),
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
      throw new ConfigError(`DORA_WEB_CONFIG ${config.webConfig}`, `tls_server_config: cannot use the certificate and key: ${reason}`);
    }
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new ListenError(`DORA_LISTEN: cannot listen on ${config.listen.host}:${config.listen.port}: ${reason}`);
  }
  const server = app.server!;
  const url = `${web?.tls ? "https" : "http"}://${server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname}:${server.port}`;
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
