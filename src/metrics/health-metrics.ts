// Exporter health series (no repo/deploy_to labels), per the contract's "Exporter health".
import { Counter, Gauge, type Registry } from "prom-client";

/**
 * What the health gauges read of the poller's status (collector/poll-status.ts PollStatus, which
 * has this shape): declared here so the metrics do not depend on the collector.
 */
export interface PollHealth {
  /** Whether the last finished cycle completed correctly; null before the first one ends. */
  readonly lastCycleOk: boolean | null;
  /** Unix ms when the running cycle started; null when idle. */
  readonly cycleStartedAt: number | null;
  /** Unix seconds, 0 = never. */
  readonly lastSuccessAt: number;
  readonly lastDurationSeconds: number;
  readonly trackedRepos: number;
  readonly backfillComplete: boolean;
}

export class HealthMetrics {
  readonly requests: Counter<"code">;
  /** Objects in Woodpecker's answers that failed validation and were skipped, by kind. */
  readonly invalidObjects: Counter<"kind">;

  constructor(
    registry: Registry,
    status: () => PollHealth,
    opts: { version: string; pollIntervalSeconds: number; now: () => number; demo: boolean },
  ) {
    const registers = [registry];
    // Down while a cycle overruns max(interval, 5 s): a hung Woodpecker must not look healthy.
    const overrunMs = Math.max(opts.pollIntervalSeconds, 5) * 1000;
    new Gauge({
      name: "dora_woodpecker_up",
      help: "1 when the last poll cycle completed (every request answered correctly with an accepted token), else 0.",
      registers,
      collect() {
        const s = status();
        const overrun = s.cycleStartedAt !== null && opts.now() - s.cycleStartedAt > overrunMs;
        this.set(s.lastCycleOk === true && !overrun ? 1 : 0);
      },
    });
    new Gauge({
      name: "dora_last_poll_success_timestamp_seconds",
      help: "Time the last successful poll cycle ended (0 if none yet).",
      registers,
      collect() {
        this.set(status().lastSuccessAt);
      },
    });
    new Gauge({
      name: "dora_poll_duration_seconds",
      help: "Duration of the last finished poll cycle.",
      registers,
      collect() {
        this.set(status().lastDurationSeconds);
      },
    });
    new Gauge({
      name: "dora_repos",
      help: "Repos tracked (visible to the token and selected by DORA_REPOS).",
      registers,
      collect() {
        this.set(status().trackedRepos);
      },
    });
    new Gauge({
      name: "dora_backfill_complete",
      help: "1 once every tracked repo's history has been read back to DORA_SINCE, else 0.",
      registers,
      collect() {
        this.set(status().backfillComplete ? 1 : 0);
      },
    });
    const info = new Gauge({
      name: "dora_build_info",
      help: "Build information of the exporter; always 1.",
      labelNames: ["version"],
      registers,
    });
    info.set({ version: opts.version }, 1);
    if (opts.demo) {
      const demo = new Gauge({
        name: "dora_demo_mode",
        help: "1: this exporter reads the built-in SIMULATED Woodpecker (dora-exporter demo); its data is not real.",
        registers,
      });
      demo.set(1);
    }
    this.requests = new Counter({
      name: "dora_woodpecker_requests_total",
      help: 'HTTP requests to Woodpecker by response code ("error": no response), retries included.',
      labelNames: ["code"],
      registers,
    });
    this.invalidObjects = new Counter({
      name: "dora_invalid_objects_total",
      help: "Objects in Woodpecker's answers that failed validation and were skipped (fetched again later), by kind.",
      labelNames: ["kind"],
      registers,
    });
    for (const kind of ["pipeline", "repo"]) this.invalidObjects.inc({ kind }, 0);
  }
}
