// A deliberately naive reading of DEFINITIONS.md (quadratic, no indexes, no memo), used as an
// oracle for computeRepoDora on random histories. Rule resolution and snapshot merging are reused:
// they have their own tests; this file is about attempts, incidents and lead time.
import { mergePipeline } from "../../src/core/merge.ts";
import { isTerminal, type CoreOptions, type Pipeline, type Repo } from "../../src/core/model.ts";
import { classify, resolveMode } from "../../src/core/rules.ts";
import { globMatch } from "../../src/core/glob.ts";
import type {
  Attempt,
  Incident,
  LeadTimeObservation,
  ReworkObservation,
  ReworkReason,
  RepoState,
  TargetState,
} from "../../src/core/state.ts";

export function referenceDora(repo: Repo, input: readonly Pipeline[], options: CoreOptions): RepoState {
  const ids = [...new Set(input.map((p) => p.id))];
  const history = ids
    .map((id) => input.filter((p) => p.id === id).reduce(mergePipeline))
    .filter((p) => p.created >= options.since);
  const resolution = resolveMode(repo, history, options);
  const time = (p: Pipeline) => (p.finished !== 0 ? p.finished : p.updated !== 0 ? p.updated : p.created);
  const isAttempt = (p: Pipeline) =>
    isTerminal(p.status) && (p.status === "success" || options.failureStatuses.has(p.status));

  const perTarget = new Map<string, Pipeline[]>();
  for (const p of history) {
    const t = classify(p, repo, resolution);
    if (t !== null && isAttempt(p)) perTarget.set(t, [...(perTarget.get(t) ?? []), p]);
  }
  const names = [...perTarget.keys()].sort();
  const targets: TargetState[] = names.map((target) => {
    const ps = [...perTarget.get(target)!].sort((a, b) => time(a) - time(b) || a.number - b.number || a.id - b.id);
    const attempts: Attempt[] = ps.map((p) => ({
      pipelineId: p.id,
      number: p.number,
      time: time(p),
      success: p.status === "success",
    }));

    const incidents: Incident[] = [];
    for (const a of attempts) {
      const last = incidents[incidents.length - 1];
      const open = last !== undefined && last.closedAt === null;
      if (!a.success && !open)
        incidents.push({
          openedAt: a.time,
          openedBy: a.number,
          lastFailureAt: a.time,
          closedAt: null,
          closedBy: null,
          failures: 1,
        });
      else if (!a.success && open)
        incidents[incidents.length - 1] = { ...last, lastFailureAt: a.time, failures: last.failures + 1 };
      else if (a.success && open) incidents[incidents.length - 1] = { ...last, closedAt: a.time, closedBy: a.number };
    }
    const last = incidents[incidents.length - 1];

    const { leadTimes, missing, rework } = naiveLeadTimes(
      history,
      ps.filter((p) => p.status === "success"),
      time,
      options,
    );
    const successes = attempts.filter((a) => a.success);
    const failures = attempts.filter((a) => !a.success);
    return {
      target,
      attempts,
      deployments: successes.length,
      failures: failures.length,
      lastSuccessAt: successes.length ? Math.max(...successes.map((a) => a.time)) : 0,
      lastFailureAt: failures.length ? Math.max(...failures.map((a) => a.time)) : 0,
      incidents,
      failingSince: last && last.closedAt === null ? last.openedAt : 0,
      restoreSeconds: incidents.filter((i) => i.closedAt !== null).map((i) => i.closedAt! - i.openedAt),
      leadTimes,
      leadTimeSourceMissing: missing,
      rework,
    };
  });
  return { repoId: repo.id, mode: resolution.mode, targets };
}

interface NaiveChange {
  branch: string;
  commit: string;
  number: number;
  created: number;
  id: number;
  message: string;
}

function naiveLeadTimes(
  history: Pipeline[],
  deployments: Pipeline[],
  time: (p: Pipeline) => number,
  options: CoreOptions,
) {
  const pushes = history.filter((p) => p.event === "push");
  const changeOf = (branch: string, commit: string): NaiveChange | null => {
    const same = pushes.filter((p) => p.branch === branch && p.commit === commit);
    same.sort((a, b) => a.created - b.created || a.number - b.number || a.id - b.id);
    const first = same[0];
    return first
      ? { branch, commit, number: first.number, created: first.created, id: first.id, message: first.message }
      : null;
  };
  const allChanges = pushes
    .map((p) => changeOf(p.branch, p.commit)!)
    .filter((c, i, all) => all.findIndex((d) => d.id === c.id) === i);
  const parentOf = (child: Pipeline): Pipeline | null => {
    const cands = history.filter((p) => p.number === child.parent && p.created <= child.created && child.parent > 0);
    cands.sort((a, b) => b.created - a.created || b.id - a.id);
    return cands[0] ?? null;
  };
  // A change pushed after D was created is never D's source (docs/READINGS.md).
  const sourceOf = (d: Pipeline): NaiveChange | null => {
    const s = anySourceOf(d);
    return s && s.created <= d.created ? s : null;
  };
  const anySourceOf = (d: Pipeline): NaiveChange | null => {
    if (d.event === "deployment") {
      let cur = d;
      const visited = [d.id];
      for (;;) {
        const parent = parentOf(cur);
        if (!parent || visited.includes(parent.id)) break;
        if (parent.event === "push") return changeOf(parent.branch, parent.commit);
        if (parent.event !== "deployment") break;
        visited.push(parent.id);
        cur = parent;
      }
    }
    return changeOf(d.branch, d.commit);
  };

  const leadTimes: LeadTimeObservation[] = [];
  const rework: ReworkObservation[] = [];
  let missing = 0;
  const w: Record<string, number | undefined> = {};
  for (const d of deployments) {
    const s = sourceOf(d);
    const t = time(d);
    // Rework: the definition's four tests, in its order, written out here without src/core/rework.ts.
    const branch = s ? s.branch : d.branch;
    const message = s ? s.message : d.message;
    const reasons: ReworkReason[] = [];
    if (s && w["b:" + s.branch] !== undefined && s.number < w["b:" + s.branch]!) reasons.push("rollback");
    if (message.indexOf('Revert "') === 0 || message.indexOf("This reverts commit ") >= 0) reasons.push("revert");
    if (/^hotfix\//s.test(branch) || /^hotfix-/s.test(branch)) reasons.push("hotfix");
    for (const r of options.reworkRules) {
      const byBranch = r.branch === undefined || globMatch(r.branch, branch);
      const byMessage = r.message === undefined || new RegExp(r.message.source).test(message);
      if ((r.branch !== undefined || r.message !== undefined) && byBranch && byMessage) reasons.push("rule");
    }
    if (reasons.length > 0) rework.push({ deploymentNumber: d.number, deployedAt: t, reason: reasons[0]! });
    if (!s) {
      missing++;
      leadTimes.push({
        deploymentNumber: d.number,
        deployedAt: t,
        changeNumber: null,
        seconds: Math.max(0, t - d.created),
      });
      continue;
    }
    const wb = w["b:" + s.branch];
    let delivered: NaiveChange[];
    if (wb === undefined) delivered = [s];
    else if (s.number <= wb) delivered = [];
    else delivered = allChanges.filter((c) => c.branch === s.branch && c.number > wb && c.number <= s.number);
    delivered.sort((a, b) => a.number - b.number || a.created - b.created || a.id - b.id);
    for (const c of delivered)
      leadTimes.push({
        deploymentNumber: d.number,
        deployedAt: t,
        changeNumber: c.number,
        seconds: Math.max(0, t - c.created),
      });
    if (wb === undefined || s.number > wb) w["b:" + s.branch] = s.number;
  }
  return { leadTimes, missing, rework };
}
