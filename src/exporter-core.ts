// The exporter without its listener: Woodpecker client -> poller -> pure core -> metrics (the DORA
// series cache, the window gauges, the repo info and the health gauges), wired once. The binary (exporter.ts) adds the
// process
// metrics, the HTTP server and the cron schedule around it; the one-shot commands, the in-process
// tests and the bench use it as it is, so they exercise the same path as the binary.
import { type Config, type Shard, coreOptions } from "./config/config.ts";
import { settingSource } from "./config/load.ts";
import { collectDefaultMetrics } from "prom-client";
import type * as v from "valibot";
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
import type { DurableHistories } from "./collector/durable.ts";
import { historyOrigin } from "./collector/origin.ts";
import { Poller } from "./collector/poller.ts";
import { gaugeRepos } from "./collector/summary-repos.ts";
import type { Logger } from "./log.ts";
import { CachedRegistry, DoraSeriesCache } from "./metrics/cache.ts";
import { ArgoMetrics } from "./metrics/argocd-metrics.ts";
import { HealthMetrics } from "./metrics/health-metrics.ts";
import { registerRepoInfo } from "./metrics/repo-info.ts";
import { WindowGaugeMetrics } from "./metrics/window-gauges.ts";
import { MemoryObservationStore, type ObservationStore } from "./state/index.ts";
import { VERSION } from "./version.ts";
import { WindowGaugeTracker } from "./view/window-tracker.ts";
import { WoodpeckerClient } from "./woodpecker/client.ts";

export interface ExporterCoreDeps {
  readonly log: Logger;
  /** Every request to Woodpecker goes through it (each attempt, retries included); default global fetch. */
  readonly fetch?: typeof fetch;
  /** Unix ms; default the real clock. */
  readonly now?: () => number;
  /** `dora_demo_mode 1`: the data is simulated. */
  readonly demo?: boolean;
  /** The process's own series (prom-client's default metrics), as the binary serves them. */
  readonly processMetrics?: boolean;
  /** DORA_STATE_FILE's histories: each synced repo is written before it is published. */
  readonly durable?: DurableHistories | null;
  /** Where ArgoCD observations are kept (the state file's store); default memory. */
  readonly observations?: ObservationStore;
  /** Overrides config.shard: the one-shot commands read every repo (null). */
  readonly shard?: Shard | null;
  /** Client tuning the binary leaves at its defaults (tests shorten retries and back-off). */
  readonly client?: { readonly timeoutMs?: number; readonly retries?: number; readonly backoffLimitMs?: number };
}

export interface ExporterCore {
  readonly config: Config;
  readonly client: WoodpeckerClient;
  readonly poller: Poller;
  /** The exposition: health gauges rendered per scrape, DORA families from `dora`. */
  readonly registry: CachedRegistry;
  readonly dora: DoraSeriesCache;
  readonly health: HealthMetrics;
  /** The ArgoCD source and metrics (ARGOCD_URL set), else null; its watch stream is started by the caller. */
  readonly argo: RunningArgo | null;
  readonly observations: ObservationStore;
  /**
   * One poll cycle; then the state file drops repos no longer held, the changed series are
   * pre-rendered off the scrape path and, after a complete cycle, the window gauges are computed.
   * False: the cycle was incomplete.
   */
  poll(): Promise<boolean>;
  /** What `poll` does after the cycle (`ok`: it completed), for a caller that awaits `poller.poll()` itself. */
  afterPoll(ok: boolean): Promise<void>;
  scrape(): Promise<string>;
}

export function createExporterCore(config: Config, deps: ExporterCoreDeps): ExporterCore {
  const now = deps.now ?? (() => Date.now());
  const durable = deps.durable ?? null;
  // DORA series render once per change of a repo, not once per scrape (metrics/cache.ts).
  const dora = new DoraSeriesCache();
  const windows = new WindowGaugeMetrics();
  const windowTracker = new WindowGaugeTracker();
  const registry = new CachedRegistry(dora, windows);
  if (deps.processMetrics) processMetrics(registry);
  let poller!: Poller;
  const health = new HealthMetrics(registry, () => poller.status, {
    version: VERSION,
    pollIntervalSeconds: config.pollInterval,
    now,
    demo: deps.demo ?? false,
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
    timeoutMs: deps.client?.timeoutMs ?? config.httpTimeout * 1000,
    retries: deps.client?.retries,
    backoffLimitMs: deps.client?.backoffLimitMs,
    fetch: deps.fetch,
    onAttempt: (code) => health.requests.inc({ code }),
    onInvalid: (kind) => health.invalidObjects.inc({ kind }),
  });
  const observations = deps.observations ?? new MemoryObservationStore();
  const argo =
    config.argocdUrl === null ? null : argoParts(config, registry, deps.log, observations, health.invalidObjects);
  poller = new Poller({
    client,
    core: coreOptions(config),
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    shard: deps.shard === undefined ? config.shard : deps.shard,
    log: deps.log,
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
    commitRepo: durable ? (tracked) => durable.save(tracked) : undefined,
    restoreRepo: durable ? (listing) => durable.restore(listing) : undefined,
  });
  const afterPoll = async (ok: boolean) => {
    if (durable !== null) {
      try {
        durable.retain(poller);
      } catch (e) {
        deps.log.error("state file write failed", { problem: e instanceof Error ? e.message : String(e) });
      }
    }
    void registry.warm().catch(() => {}); // pre-render after changes, off the scrape path
    // Windows end at the last completed poll (not at a scrape), computed once per such poll.
    // Only what a window gained or lost since the last poll is computed again (view/window-tracker.ts).
    if (ok)
      windows.set(
        windowTracker.update(gaugeRepos(poller), poller.status.lastSuccessAt, historyOrigin(poller, config.since)),
      );
  };
  return {
    config,
    client,
    poller,
    registry,
    dora,
    health,
    argo,
    observations,
    afterPoll,
    async poll() {
      const ok = await poller.poll();
      await afterPoll(ok);
      return ok;
    },
    scrape: () => registry.metrics(),
  };
}

function processMetrics(registry: CachedRegistry): void {
  // prom-client samples event-loop delay with a timer of this resolution (ms): its default, 10 ms,
  // wakes the process 100 times a second, ~5 ms of CPU per second with nothing to do (issue 14:
  // most of the idle exporter's background CPU). Once a second still gives 60 samples a minute.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  // Under Bun, v8.getHeapSpaceStatistics() walks the whole heap (~80 ms per scrape with 1M
  // pipelines tracked, the largest cost of a scrape; BENCHMARKS.md) and reports one non-zero space
  // out of 13, which nodejs_heap_size_*_bytes already give. Not worth 39 series and that cost.
  for (const kind of ["total", "used", "available"])
    registry.removeSingleMetric(`nodejs_heap_space_size_${kind}_bytes`);
  // prom-client names these gauges `_total`, which `promtool check metrics` rejects (a counter
  // suffix on a gauge); operators run that check, so they go.
  for (const n of ["handles", "requests", "resources"]) registry.removeSingleMetric(`nodejs_active_${n}_total`);
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
  const metrics = new ArgoMetrics(
    registry,
    () => step.source.status,
    () => step.source.streamConnected,
  );
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
