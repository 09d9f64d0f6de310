// The DORA state of one repo as a pure function of its pipeline history (DEFINITIONS.md).
//
// Input order, duplicates and stale snapshots must not matter: the collector re-feeds whatever it
// has accumulated on every poll, and a restarted exporter or a second replica has to arrive at
// the same numbers. So the history is first folded by id with the order-free `mergePipeline`,
// and everything after that sorts with total orders that end in the pipeline id.
import { compareCodeUnits } from "../util/strings.ts";
import {
  argoSourceOf,
  buildCommitIndex,
  compareArgoEvents,
  NO_ARGO,
  type ArgoEvent,
  type ArgoInput,
} from "./argocd.ts";
import { walkIncidents, type IncidentStep } from "./incidents.ts";
import { buildLeadTimeIndex, leadTimesForTarget, type DeliveredBy } from "./leadtime.ts";
import { mergePipeline } from "./merge.ts";
import { isTerminal, type CoreOptions, type Pipeline, type Repo } from "./model.ts";
import { classify, resolveMode } from "./rules.ts";
import type { Attempt, RepoState, TargetState } from "./state.ts";

/**
 * `argo`: the ArgoCD events of the apps mapped to this repo (DEFINITIONS "ArgoCD deployments"),
 * merged with the Woodpecker attempts of each target; absent, the state is Woodpecker's alone.
 */
export function computeRepoDora(
  repo: Repo,
  pipelines: Iterable<Pipeline>,
  options: CoreOptions,
  argo: ArgoInput = NO_ARGO,
): RepoState {
  const history = existingPipelines(pipelines, options.since);
  const resolution = resolveMode(repo, history, options, argo.mapped);

  const byTarget = new Map<string, Step[]>();
  const add = (target: string, step: Step) => {
    const list = byTarget.get(target);
    if (list) list.push(step);
    else byTarget.set(target, [step]);
  };
  for (const p of history) {
    if (attemptOutcome(p, options) === null) continue;
    const target = classify(p, repo, resolution);
    if (target === null) continue;
    add(target, { pipeline: p, time: attemptTime(p) });
  }
  // ArgoCD observations before DORA_SINCE do not exist either (by their `created`).
  for (const e of argo.events) if (e.created >= options.since) add(e.target, { argo: e });
  const targets: TargetState[] = [];
  if (byTarget.size === 0) return { repoId: repo.id, mode: resolution.mode, targets };

  // Changes and parent chains span the whole repo (a push to main feeds every target).
  const index = buildLeadTimeIndex(history);
  const commits = argo.events.length > 0 ? buildCommitIndex(index) : null;
  const pushAncestors = new Map<number, Pipeline | null>();
  for (const target of [...byTarget.keys()].sort(compareCodeUnits)) {
    const steps = byTarget.get(target)!.sort(compareSteps);
    const walkSteps: IncidentStep[] = [];
    const attempts: Attempt[] = [];
    const successes: DeliveredBy[] = [];
    for (const s of steps) {
      if ("pipeline" in s) {
        const success = attemptOutcome(s.pipeline, options) === "success";
        const a: Attempt = { pipelineId: s.pipeline.id, number: s.pipeline.number, time: s.time, success };
        attempts.push(a);
        walkSteps.push(a);
        if (success) successes.push(s);
        continue;
      }
      const e = s.argo;
      if (e.kind === "restore") {
        walkSteps.push({ restore: true, time: e.time, app: e.app });
        continue;
      }
      const a: Attempt = {
        pipelineId: 0,
        number: e.number,
        time: e.time,
        success: e.kind === "deployment",
        app: e.app,
      };
      attempts.push(a);
      walkSteps.push(a);
      if (e.kind === "deployment") {
        successes.push({ pipeline: argoPipeline(e), time: e.time, source: argoSourceOf(e, commits!) });
      }
    }
    if (attempts.length === 0) continue; // restores alone make no series
    const deployments = successes.length;
    const walk = walkIncidents(walkSteps);
    const lead = leadTimesForTarget(successes, index, pushAncestors, options.reworkRules);
    targets.push({
      target,
      attempts,
      deployments,
      failures: attempts.length - deployments,
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

type Step = DeliveredBy | { readonly argo: ArgoEvent };

/**
 * The order of one target's steps (DEFINITIONS: "ordered by time; at equal times Woodpecker
 * attempts come first (by number), then ArgoCD events (by app name, then history id or startedAt)").
 */
function compareSteps(a: Step, b: Step): number {
  const ta = "pipeline" in a ? a.time : a.argo.time;
  const tb = "pipeline" in b ? b.time : b.argo.time;
  if (ta !== tb) return ta - tb;
  if ("pipeline" in a) return "pipeline" in b ? compareAttemptOrder(a, b) : -1;
  return "pipeline" in b ? 1 : compareArgoEvents(a.argo, b.argo);
}

/** What the lead-time walk reads of an ArgoCD deployment whose source is already resolved. */
function argoPipeline(e: ArgoEvent): Pipeline {
  return {
    id: 0,
    number: e.number,
    parent: 0,
    event: "argocd",
    status: "success",
    created: e.created,
    updated: e.time,
    started: e.created,
    finished: e.time,
    branch: "",
    commit: "",
    ref: "",
    deployTo: e.target,
    // Without a source, the rework reasons read D's own branch and message: an ArgoCD sync has neither.
    message: "",
  };
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
