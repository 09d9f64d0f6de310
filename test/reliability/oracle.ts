// The oracle: ../shared/dora/DEFINITIONS.md transcribed as directly as possible, sentence by
// sentence, with no cleverness and NOTHING imported from src/. It works on the simulator's wire
// records (3.x field names) so not even the exporter's normalisation is shared. It covers the
// default deployment rules (what the reliability tests configure), not user rule blocks.

/** The fields of a Woodpecker 3.x pipeline object the definitions talk about. */
export interface OraclePipeline {
  id: number;
  number: number;
  parent: number;
  event: string;
  status: string;
  created: number;
  updated: number;
  finished: number;
  branch: string;
  commit: string;
  deploy_to: string;
  message: string;
}

export interface OracleRepo {
  /** The `repo` label: the repo's current full_name. */
  fullName: string;
  defaultBranch: string;
  pipelines: OraclePipeline[];
}

export interface OracleSeries {
  repo: string;
  deployTo: string;
  deployments: number;
  failures: number;
  lastSuccess: number;
  lastFailure: number;
  failing: number;
  failingSince: number;
  restore: number[];
  leadTimes: number[];
  sourceMissing: number;
  /** Rework deployments' reasons, in attempt order (the first reason that holds). */
  rework: string[];
}

const TERMINAL = ["success", "failure", "error", "killed", "canceled", "declined", "skipped"];

/** Every (repo, target) with at least one deployment attempt, sorted by repo then target. */
export function oracle(repos: OracleRepo[], opts: { failureStatuses: string[]; since: number }): OracleSeries[] {
  const out: OracleSeries[] = [];
  for (const repo of repos) out.push(...oracleRepo(repo, opts));
  return out.sort((a, b) =>
    a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.deployTo < b.deployTo ? -1 : a.deployTo > b.deployTo ? 1 : 0,
  );
}

function oracleRepo(repo: OracleRepo, opts: { failureStatuses: string[]; since: number }): OracleSeries[] {
  // "pipelines created before it do not exist for the exporter, in any role"
  const history = repo.pipelines.filter((p) => p.created >= opts.since);

  // Deployment rules, defaults: 1. a repo with at least one event=deployment pipeline counts only
  // those, target = deploy_to or "default"; 2. any other repo counts push pipelines on its default
  // branch, target "production". "A repo whose default_branch is empty has no rule-2 deployments."
  const deploymentMode = history.some((p) => p.event === "deployment");
  const targetOf = (p: OraclePipeline): string | null => {
    if (deploymentMode) return p.event === "deployment" ? (p.deploy_to === "" ? "default" : p.deploy_to) : null;
    return p.event === "push" && repo.defaultBranch !== "" && p.branch === repo.defaultBranch ? "production" : null;
  };

  // A deployment attempt: matched by a rule AND terminal; success, or a status in the failure set.
  const outcome = (p: OraclePipeline): "success" | "failure" | null => {
    if (!TERMINAL.includes(p.status)) return null;
    if (p.status === "success") return "success";
    if (opts.failureStatuses.includes(p.status)) return "failure";
    return null;
  };
  // Time of an attempt: finished; where finished is 0, updated, else created.
  const timeOf = (p: OraclePipeline) => (p.finished !== 0 ? p.finished : p.updated !== 0 ? p.updated : p.created);

  const targets = new Map<string, OraclePipeline[]>();
  for (const p of history) {
    const t = targetOf(p);
    if (t === null || outcome(p) === null) continue;
    if (!targets.has(t)) targets.set(t, []);
    targets.get(t)!.push(p);
  }

  const series: OracleSeries[] = [];
  for (const [target, attempts] of targets) {
    // "Attempts of one (repo, target) are ordered by that time, then by number."
    attempts.sort((a, b) => timeOf(a) - timeOf(b) || a.number - b.number || a.id - b.id);
    const successes = attempts.filter((p) => outcome(p) === "success");
    const failures = attempts.filter((p) => outcome(p) === "failure");

    // Time to restore: walk in order; a failure while healthy opens an incident at its time,
    // more failures keep it open, the next success closes it.
    let openSince: number | null = null;
    const restore: number[] = [];
    for (const p of attempts) {
      if (outcome(p) === "failure") {
        if (openSince === null) openSince = timeOf(p);
      } else if (openSince !== null) {
        restore.push(timeOf(p) - openSince);
        openSince = null;
      }
    }

    const lead = leadTimes(history, successes, timeOf);
    series.push({
      repo: repo.fullName,
      deployTo: target,
      deployments: successes.length,
      failures: failures.length,
      lastSuccess: Math.max(0, ...successes.map(timeOf)),
      lastFailure: Math.max(0, ...failures.map(timeOf)),
      failing: openSince === null ? 0 : 1,
      failingSince: openSince ?? 0,
      restore,
      leadTimes: lead.observations,
      sourceMissing: lead.missing,
      rework: lead.rework,
    });
  }
  return series;
}

/** Lead time for changes, per DEFINITIONS "4. Lead time for changes". */
function leadTimes(
  history: OraclePipeline[],
  deploymentsInOrder: OraclePipeline[],
  timeOf: (p: OraclePipeline) => number,
) {
  // A change is (branch, commit) of push pipelines, whatever their status, represented by its
  // earliest push pipeline (lowest created, then lowest number).
  const change = (branch: string, commit: string): OraclePipeline | null => {
    const pushes = history.filter((p) => p.event === "push" && p.branch === branch && p.commit === commit);
    pushes.sort((a, b) => a.created - b.created || a.number - b.number || a.id - b.id);
    return pushes[0] ?? null;
  };
  const changesOfBranch = (branch: string): OraclePipeline[] => {
    const seen = new Set<string>();
    const out: OraclePipeline[] = [];
    for (const p of history) {
      if (p.event !== "push" || p.branch !== branch || seen.has(p.commit)) continue;
      seen.add(p.commit);
      out.push(change(branch, p.commit)!);
    }
    return out;
  };
  // `parent` is a number; after a reuse the pipeline meant is the one holding that number when
  // the child was created: the latest one created at or before the child.
  const parentOf = (child: OraclePipeline): OraclePipeline | null => {
    if (child.parent === 0) return null;
    const holders = history.filter((p) => p.number === child.parent && p.created <= child.created);
    holders.sort((a, b) => b.created - a.created || b.id - a.id);
    return holders[0] ?? null;
  };
  // S(D): for a deployment event, follow parent through deployments to a push and take that
  // push's change; without such a parent, match (b, c).
  // Only a change created no later than D can be its source (docs/READINGS.md).
  const sourceOf = (d: OraclePipeline): OraclePipeline | null => {
    const s = anySourceOf(d);
    return s !== null && s.created <= d.created ? s : null;
  };
  const anySourceOf = (d: OraclePipeline): OraclePipeline | null => {
    if (d.event === "deployment") {
      const visited: number[] = [d.id];
      let cur = d;
      for (;;) {
        const parent = parentOf(cur);
        if (parent === null || visited.includes(parent.id)) break;
        if (parent.event === "push") return change(parent.branch, parent.commit);
        if (parent.event !== "deployment") break;
        visited.push(parent.id);
        cur = parent;
      }
    }
    return change(d.branch, d.commit);
  };

  const observations: number[] = [];
  const rework: string[] = [];
  let missing = 0;
  const watermark = new Map<string, number>(); // W(T, b) of this target, by branch
  for (const d of deploymentsInOrder) {
    const s = sourceOf(d);
    // Rework, "checked in this order; the first that holds is its reason". Reasons 2-4 "read the
    // branch of S(D) and the message of its change's representative push; when the source is
    // missing, D's own branch and message". The reliability tests configure no user rules.
    const branch = s === null ? d.branch : s.branch;
    const message = s === null ? d.message : s.message;
    const w0 = s === null ? undefined : watermark.get(s.branch);
    if (s !== null && w0 !== undefined && s.number < w0) rework.push("rollback");
    else if (message.startsWith('Revert "') || message.includes("This reverts commit ")) rework.push("revert");
    // Globs `hotfix/*` and `hotfix-*`: `*` is any run of characters, the empty one included.
    else if (branch.startsWith("hotfix/") || branch.startsWith("hotfix-")) rework.push("hotfix");
    if (s === null) {
      observations.push(Math.max(0, timeOf(d) - d.created));
      missing++;
      continue;
    }
    const w = watermark.get(s.branch);
    if (w === undefined) {
      observations.push(Math.max(0, timeOf(d) - s.created));
      watermark.set(s.branch, s.number);
    } else if (s.number <= w) {
      // a rollback or a redeploy: delivers nothing
    } else {
      for (const c of changesOfBranch(s.branch)) {
        if (c.number > w && c.number <= s.number) observations.push(Math.max(0, timeOf(d) - c.created));
      }
      watermark.set(s.branch, s.number);
    }
  }
  return { observations, missing, rework };
}

/**
 * The oracle's series as `name{labels} value` samples, the way the contract names them. Histogram
 * buckets are taken from the scrape being checked (`les`: the `le` values it exposes); the counts
 * in them are computed here from the oracle's observations.
 */
export function expectedSamples(
  series: OracleSeries[],
  les: { restore: string[]; lead: string[] },
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const l = `repo="${s.repo}",deploy_to="${s.deployTo}"`;
    out.set(`dora_deployments_total{${l}}`, s.deployments);
    out.set(`dora_deployment_failures_total{${l}}`, s.failures);
    out.set(`dora_deployment_last_success_timestamp_seconds{${l}}`, s.lastSuccess);
    out.set(`dora_deployment_last_failure_timestamp_seconds{${l}}`, s.lastFailure);
    out.set(`dora_deployment_failing{${l}}`, s.failing);
    out.set(`dora_deployment_failing_since_timestamp_seconds{${l}}`, s.failingSince);
    out.set(`dora_lead_time_source_missing_total{${l}}`, s.sourceMissing);
    out.set(`dora_deployment_rework_total{${l}}`, s.rework.length);
    histogram(out, "dora_time_to_restore_seconds", l, s.restore, les.restore);
    histogram(out, "dora_lead_time_seconds", l, s.leadTimes, les.lead);
  }
  return out;
}

function histogram(out: Map<string, number>, name: string, labels: string, obs: number[], les: string[]) {
  for (const le of les) {
    const bound = le === "+Inf" ? Infinity : Number(le);
    out.set(`${name}_bucket{le="${le}",${labels}}`, obs.filter((o) => o <= bound).length);
  }
  out.set(
    `${name}_sum{${labels}}`,
    obs.reduce((a, b) => a + b, 0),
  );
  out.set(`${name}_count{${labels}}`, obs.length);
}
