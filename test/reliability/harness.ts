// Shared machinery of the reliability tests: a simulated Woodpecker with fault injection and a
// record of everything that happened to it (the "world"), an in-process exporter (the binary's
// own core, createExporterCore, its fetch wired to the simulator), scrape parsing, and the
// comparison of a scrape with the oracle. The oracle itself (oracle.ts) imports nothing from src/.
import type { Registry } from "prom-client";
import type { Poller } from "../../src/collector/poller.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createExporterCore } from "../../src/exporter.ts";
import { createLogger } from "../../src/log.ts";
import {
  FaultInjector,
  SimulatedWoodpecker,
  simulatorFetch,
  type InProcessFetch,
  type PipelineRecord,
  type RequestLogEntry,
} from "../../src/simulator/index.ts";
import { expectedSamples, oracle, type OraclePipeline, type OracleRepo, type OracleSeries } from "./oracle.ts";

/** Recognisable, so the secrets test can search every output for it. */
export const TOKEN = "wp-SECRET-7d1c0ffee-token";
export const T0 = 1_790_000_000;

export const DORA_METRICS = [
  "dora_deployments_total",
  "dora_deployment_failures_total",
  "dora_deployment_last_success_timestamp_seconds",
  "dora_deployment_last_failure_timestamp_seconds",
  "dora_deployment_failing",
  "dora_deployment_failing_since_timestamp_seconds",
  "dora_time_to_restore_seconds",
  "dora_lead_time_seconds",
  "dora_lead_time_source_missing_total",
  "dora_deployment_rework_total",
];

/** Parse an exposition into `name{labels}` -> value (comments skipped). */
export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function metricName(key: string): string {
  return key.split("{")[0]!.replace(/_(bucket|sum|count)$/, "");
}

/** Only the DORA contract series of a scrape. */
export function doraSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of parseSamples(text)) if (DORA_METRICS.includes(metricName(k))) out.set(k, v);
  return out;
}

/** The `le` values the scrape exposes for a histogram (same for every series of it). */
function lesOf(samples: Map<string, number>, name: string): string[] {
  const les = new Set<string>();
  for (const k of samples.keys()) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"`).exec(k);
    if (m) les.add(m[1]!);
  }
  return [...les];
}

/** Differences between a scrape's DORA series and the oracle's, one line each (empty: equal). */
export function diffWithOracle(scrape: string, series: OracleSeries[]): string[] {
  const got = doraSamples(scrape);
  const les = { restore: lesOf(got, "dora_time_to_restore_seconds"), lead: lesOf(got, "dora_lead_time_seconds") };
  // No attempt anywhere: no histogram series either, so take the buckets from nowhere.
  const want = expectedSamples(series, les);
  const diffs: string[] = [];
  for (const [k, v] of want) {
    if (!got.has(k)) diffs.push(`missing ${k} (oracle ${v})`);
    else if (Math.abs(got.get(k)! - v) > 1e-6) diffs.push(`${k}: exporter ${got.get(k)} oracle ${v}`);
  }
  for (const k of got.keys()) if (!want.has(k)) diffs.push(`unexpected ${k} ${got.get(k)}`);
  return diffs;
}

// ---- the world: simulator, faults, and what happened -------------------------------------------

export interface RepoInfo {
  id: number;
  deploys: boolean;
}

export class World {
  clock = T0;
  readonly sim: SimulatedWoodpecker;
  readonly faults: FaultInjector;
  /** Every request that reached the simulator in process (faulted ones are in `faults.injected`). */
  readonly requests: RequestLogEntry[] = [];
  /** The simulator as an in-process exporter reaches it: `faults(log(handler))`. */
  readonly fetch: InProcessFetch;
  readonly repos: RepoInfo[] = [];
  /** Every snapshot each pipeline id had (after each mutation), for checking what an exporter kept. */
  readonly snapshots = new Map<number, PipelineRecord[]>();
  /** Deleted pipelines: id -> repo id. */
  readonly deleted = new Map<number, number>();
  private commitSeq = 0;

  constructor(opts: { seed?: number; version?: string; admin?: boolean } = {}) {
    this.sim = new SimulatedWoodpecker({
      token: TOKEN,
      now: () => this.clock,
      version: opts.version,
      admin: opts.admin,
    });
    this.faults = new FaultInjector(opts.seed ?? 1);
    this.fetch = simulatorFetch(this.sim, { requests: this.requests, faults: this.faults });
  }

  addRepo(name: string, deploys: boolean): RepoInfo {
    const r = this.sim.addRepo({ full_name: name, allow_deploy: deploys });
    const info = { id: r.id, deploys };
    this.repos.push(info);
    return info;
  }

  newCommit(): string {
    return (++this.commitSeq).toString(16).padStart(40, "c");
  }

  record(repoId: number, number: number): void {
    const p = this.sim.getPipeline(repoId, number);
    if (!p) return;
    const list = this.snapshots.get(p.id) ?? [];
    list.push(p);
    this.snapshots.set(p.id, list);
  }

  /** Take a new pipeline to `end`: a terminal status after `dur` seconds, or leave it non-terminal. */
  drive(repoId: number, p: PipelineRecord, end: string, dur: number, skew = false): void {
    this.record(repoId, p.number);
    if (["created", "pending", "blocked"].includes(end)) {
      this.sim.updatePipeline(repoId, p.number, { status: end as PipelineRecord["status"] });
    } else {
      this.sim.startPipeline(repoId, p.number);
      if (end !== "running") {
        this.clock += dur;
        // Agent clock skew: finished before started (API-NOTES, issue #6808).
        const at = skew ? this.clock - dur - 300 : undefined;
        this.sim.finishPipeline(repoId, p.number, end as PipelineRecord["status"], at);
      }
    }
    this.record(repoId, p.number);
  }

  finish(repoId: number, number: number, status: string, skew = false): void {
    const p = this.sim.getPipeline(repoId, number);
    if (!p || ["success", "failure", "error", "killed", "canceled", "declined", "skipped"].includes(p.status)) return;
    this.sim.finishPipeline(
      repoId,
      number,
      status as PipelineRecord["status"],
      skew ? (p.started || this.clock) - 300 : undefined,
    );
    this.record(repoId, number);
  }

  delete(repoId: number, number: number): void {
    const p = this.sim.getPipeline(repoId, number);
    if (!p) return;
    this.record(repoId, number);
    this.sim.deletePipeline(repoId, number);
    this.deleted.set(p.id, repoId);
  }

  /**
   * The oracle's input. Woodpecker's history as it stands, plus (DEFINITIONS: deletion is the one
   * exception) the deleted pipelines a running exporter already holds: `kept` tells which ids it
   * holds and with which status/finished; each must be a snapshot Woodpecker really had.
   */
  oracleRepos(kept?: (repoId: number, id: number) => { status: string; finished: number } | undefined): OracleRepo[] {
    const out: OracleRepo[] = [];
    for (const r of this.sim.listRepos()) {
      // What the exporter tracks: active repos the token's user can push to.
      if (!r.active || !this.sim.permission(r.id).push) continue;
      // Servers before 3.14 report a pre-start cancel as `killed`: the oracle reads what the wire says.
      const wire = (p: PipelineRecord) => toOracle(p, this.sim.features.canceledStatus);
      const pipelines: OraclePipeline[] = this.sim.listPipelines(r.id).map(wire);
      for (const [id, repoId] of this.deleted) {
        if (repoId !== r.id || !kept) continue;
        const k = kept(repoId, id);
        if (!k) continue;
        const snap = (this.snapshots.get(id) ?? [])
          .map(wire)
          .find((s) => s.status === k.status && s.finished === k.finished);
        if (!snap)
          throw new Error(
            `exporter holds deleted pipeline ${id} as ${k.status}/${k.finished}, a state Woodpecker never had`,
          );
        pipelines.push(snap);
      }
      out.push({ fullName: r.full_name, defaultBranch: r.default_branch, pipelines });
    }
    return out;
  }

  expected(kept?: Parameters<World["oracleRepos"]>[0]): OracleSeries[] {
    return oracle(this.oracleRepos(kept), { failureStatuses: ["failure", "error"], since: 0 });
  }
}

function toOracle(p: PipelineRecord, canceledStatus: boolean): OraclePipeline {
  return {
    id: p.id,
    number: p.number,
    parent: p.parent,
    event: p.event,
    status: p.status === "canceled" && !canceledStatus ? "killed" : p.status,
    created: p.created,
    updated: p.updated,
    finished: p.finished,
    branch: p.branch,
    commit: p.commit,
    deploy_to: p.deploy_to,
    message: p.message,
  };
}

// ---- the in-process exporter --------------------------------------------------------------------

export interface InProcessExporter {
  readonly poller: Poller;
  readonly registry: Registry;
  readonly logs: string[];
  /** One poll cycle, as the binary runs it (the changed series pre-rendered after it). */
  poll(): Promise<boolean>;
  scrape(): Promise<string>;
  /** What the exporter holds of a (deleted) pipeline: for World.oracleRepos. */
  kept(repoId: number, id: number): { status: string; finished: number } | undefined;
}

export interface InProcessOptions {
  timeoutMs?: number;
  retries?: number;
  backoffLimitMs?: number;
  /** DORA_ADMIN_REPOS: list every active repo on the server (the World must be made with `admin`). */
  adminRepos?: boolean;
}

/** The exporter's own core (createExporterCore, as the binary wires it) with its fetch wired to the world. */
export function inProcessExporter(world: World, opts: InProcessOptions = {}): InProcessExporter {
  const config = loadConfig({
    WOODPECKER_URL: "http://woodpecker.test",
    WOODPECKER_TOKEN: TOKEN,
    DORA_CONCURRENCY: "2",
    DORA_ADMIN_REPOS: opts.adminRepos ? "true" : undefined,
  });
  const logs: string[] = [];
  const core = createExporterCore(config, {
    log: createLogger({ write: (l) => logs.push(l) }),
    now: () => world.clock * 1000,
    client: { timeoutMs: opts.timeoutMs ?? 100, retries: opts.retries ?? 1, backoffLimitMs: opts.backoffLimitMs ?? 5 },
    fetch: world.fetch as typeof fetch,
  });
  const { poller } = core;
  return {
    poller,
    registry: core.registry,
    logs,
    poll: () => core.poll(),
    scrape: () => core.scrape(),
    kept(repoId, id) {
      const p = poller.repos.get(repoId)?.history.pipelines.get(id);
      return p && { status: p.status, finished: p.finished };
    },
  };
}

/** The DORA families of an exposition (HELP, TYPE and samples), lines sorted: what two exporters must share. */
export function doraLines(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => {
      const name = l.startsWith("# ") ? (l.split(" ")[2] ?? "") : (l.split(/[{ ]/)[0] ?? "");
      return DORA_METRICS.includes(name.replace(/_(bucket|sum|count)$/, ""));
    })
    .sort();
}

/** Sample keys (`name{labels}`) that appear more than once in an exposition: must be none. */
export function duplicateSeries(text: string): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const key = line.slice(0, line.lastIndexOf(" "));
    if (seen.has(key)) dups.push(key);
    seen.add(key);
  }
  return dups;
}

/** Scrape-to-scrape check: no DORA counter moves backwards and no series vanishes. */
export function monotonicProblems(
  before: Map<string, number>,
  after: Map<string, number>,
  exempt: (key: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const [k, v] of before) {
    if (exempt(k)) continue;
    if (!after.has(k)) problems.push(`series vanished: ${k}`);
    else if (
      /^dora_(deployments_total|deployment_failures_total|lead_time_source_missing_total|deployment_rework_total)\{/.test(
        k,
      ) &&
      after.get(k)! < v
    ) {
      problems.push(`counter went backwards: ${k} ${v} -> ${after.get(k)}`);
    }
  }
  return problems;
}
