// Wires the exporter together: Woodpecker client -> poller -> pure core -> metrics, and the HTTP
// server. The first poll (the backfill) starts at once; later ones follow the cron schedule.
import { cron } from "@elysiajs/cron";
import { Registry, collectDefaultMetrics } from "prom-client";
import type { Config } from "./config/config.ts";
import { Poller } from "./collector/poller.ts";
import type { Logger } from "./log.ts";
import { DoraMetrics } from "./metrics/dora-metrics.ts";
import { HealthMetrics } from "./metrics/health-metrics.ts";
import { createApp } from "./server/app.ts";
import type { ExporterView, TargetView } from "./server/view.ts";
import { VERSION } from "./version.ts";
import { WoodpeckerClient } from "./woodpecker/client.ts";

export interface ExporterOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly demo?: boolean;
}

export interface RunningExporter {
  readonly url: string;
  readonly poller: Poller;
  stop(): Promise<void>;
}

/** Thrown when the listen address cannot be bound: a configuration problem (exit 2). */
export class ListenError extends Error {}

export async function startExporter({ config, log, demo = false }: ExporterOptions): Promise<RunningExporter> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const now = () => Date.now();
  let poller!: Poller;
  const health = new HealthMetrics(registry, () => poller.status, {
    version: VERSION,
    pollIntervalSeconds: config.pollInterval,
    now,
    demo,
  });
  const dora = new DoraMetrics(registry);
  const client = new WoodpeckerClient({
    baseUrl: config.woodpeckerUrl,
    token: config.token,
    timeoutMs: config.httpTimeout * 1000,
    onAttempt: (code) => health.requests.inc({ code }),
  });
  poller = new Poller({
    client,
    core: {
      failureStatuses: new Set(config.failureStatuses),
      repoRules: config.repoRules,
      since: config.since,
    },
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    log,
    now,
    onRepoState: (repo, state) => dora.setRepo(repo.id, repo.fullName, state),
  });

  let ready = false;
  const runPoll = async () => {
    const ok = await poller.poll();
    if (ok && !ready && poller.status.backfillComplete) {
      ready = true;
      log.info("backfill complete", { repos: poller.status.trackedRepos });
    }
  };

  const app = createApp({
    registry,
    readiness: { ready: () => ready },
    view: () => buildView(poller, demo),
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
    app.listen({ hostname: config.listen.host, port: config.listen.port });
  } catch (e) {
    const reason = e instanceof Error && /in use|EADDRINUSE/i.test(e.message) ? "address already in use" : String(e);
    throw new ListenError(`DORA_LISTEN: cannot listen on ${config.listen.host}:${config.listen.port}: ${reason}`);
  }
  const server = app.server!;
  const url = `http://${server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname}:${server.port}`;
  log.info("listening", { url, poll_interval_s: config.pollInterval, demo });
  void runPoll();

  return {
    url,
    poller,
    async stop() {
      app.store.cron.poll.stop();
      await app.stop();
    },
  };
}

function buildView(poller: Poller, demo: boolean): ExporterView {
  const targets: TargetView[] = [];
  for (const r of poller.repos.values()) {
    for (const t of r.state?.targets ?? []) {
      targets.push({
        repo: r.stateLabel,
        deployTo: t.target,
        deployments: t.deployments,
        failures: t.failures,
        restored: t.restoreSeconds.length,
        failingSince: t.failingSince,
      });
    }
  }
  targets.sort((a, b) => a.repo.localeCompare(b.repo) || a.deployTo.localeCompare(b.deployTo));
  const s = poller.status;
  return {
    demo,
    version: VERSION,
    up: s.lastCycleOk === true,
    lastPollSuccess: s.lastSuccessAt,
    backfillComplete: s.backfillComplete,
    trackedRepos: s.trackedRepos,
    targets,
  };
}
