// The DORA state of one repo as a pure function of its pipeline history (DEFINITIONS.md).
//
// Input order, duplicates and stale snapshots must not matter: the collector re-feeds whatever it
// has accumulated on every poll, and a restarted exporter or a second replica has to arrive at
// the same numbers. So the history is first folded by id with the order-free `mergePipeline`,
// and everything after that sorts with total orders that end in the pipeline id.
import { compareCodeUnits } from "../util/strings.ts";
import { walkIncidents } from "./incidents.ts";
import { buildLeadTimeIndex, leadTimesForTarget, type DeliveredBy } from "./leadtime.ts";
import { mergePipeline } from "./merge.ts";
import { isTerminal, type CoreOptions, type Pipeline, type Repo } from "./model.ts";
import { classify, resolveMode } from "./rules.ts";
import type { Attempt, RepoState, TargetState } from "./state.ts";

export function computeRepoDora(repo: Repo, pipelines: Iterable<Pipeline>, options: CoreOptions): RepoState {
  const history = existingPipelines(pipelines, options.since);
  const resolution = resolveMode(repo, history, options);

  const byTarget = new Map<string, DeliveredBy[]>();
  for (const p of history) {
    if (attemptOutcome(p, options) === null) continue;
    const target = classify(p, repo, resolution);
    if (target === null) continue;
    const list = byTarget.get(target);
    const entry = { pipeline: p, time: attemptTime(p) };
    if (list) list.push(entry);
    else byTarget.set(target, [entry]);
  }
  if (byTarget.size === 0) return { repoId: repo.id, mode: resolution.mode, targets: [] };

  // Changes and parent chains span the whole repo (a push to main feeds every target).
  const index = buildLeadTimeIndex(history);
  const pushAncestors = new Map<number, Pipeline | null>();
  const targets: TargetState[] = [];
  for (const target of [...byTarget.keys()].sort(compareCodeUnits)) {
    const entries = byTarget.get(target)!.sort(compareAttemptOrder);
    const attempts: Attempt[] = entries.map(({ pipeline: p, time }) => ({
      pipelineId: p.id,
      number: p.number,
      time,
      success: attemptOutcome(p, options) === "success",
    }));
    const successes = entries.filter((_, i) => attempts[i]!.success);
    const walk = walkIncidents(attempts);
    const lead = leadTimesForTarget(successes, index, pushAncestors, options.reworkRules);
    targets.push({
      target,
      attempts,
      deployments: successes.length,
      failures: attempts.length - successes.length,
      lastSuccessAt: lastTime(attempts, true),
      lastFailureAt: lastTime(attempts, false),
      incidents: walk.incidents,
      failingSince: walk.failingSince,
      restoreSeconds: walk.restoreSeconds,
      leadTimes: lead.observations,
      leadTimeSourceMissing: lead.sourceMissing,
      rework: lead.rework,
    });
  }
  return { repoId: repo.id, mode: resolution.mode, targets };
}

/**
 * The pipelines that exist for the exporter: one merged snapshot per id, none created before
 * `since`. Filtering after merging keeps the result independent of which snapshot came first.
 */
export function existingPipelines(pipelines: Iterable<Pipeline>, since: number): Pipeline[] {
  const byId = new Map<number, Pipeline>();
  for (const p of pipelines) {
    const known = byId.get(p.id);
    byId.set(p.id, known ? mergePipeline(known, p) : p);
  }
  const out: Pipeline[] = [];
  for (const p of byId.values()) if (p.created >= since) out.push(p);
  return out;
}

/**
 * What a pipeline is as a deployment attempt, before asking whether a rule matches it.
 * `success` always succeeds; a configured failure status counts only once terminal, so a
 * misconfigured non-terminal status (e.g. `running`) can never count a pipeline twice.
 */
export function attemptOutcome(p: Pipeline, options: CoreOptions): "success" | "failure" | null {
  if (!isTerminal(p.status)) return null;
  if (p.status === "success") return "success";
  return options.failureStatuses.has(p.status) ? "failure" : null;
}

/** finished; where 0 (killed, errored before a step ran, …) updated; else created. */
export function attemptTime(p: Pipeline): number {
  return p.finished || p.updated || p.created;
}

function compareAttemptOrder(a: DeliveredBy, b: DeliveredBy): number {
  return a.time - b.time || a.pipeline.number - b.pipeline.number || a.pipeline.id - b.pipeline.id;
}

function lastTime(attempts: readonly Attempt[], success: boolean): number {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.success === success) return attempts[i]!.time;
  return 0;
}
