// `dora-exporter check`: is the configuration right, and does it count the right pipelines?
// Validates the settings (main: exit 2 on a bad one), reaches Woodpecker, validates the token,
// reads the history once with the exporter's own poller and shows, per tracked repo, which rule
// mode applies and what it matches per target in the last 30 days, with an example pipeline link.
// Warnings (exit 1): a tracked repo with no matched deployment, a configured rule or rule block
// that matches nothing. Each warning says what was seen instead, so a wrong rule is fixed in one go.
import { type Config, coreOptions } from "../config/config.ts";
import { WARN_AT, expectedMemory, mb, memoryLimit } from "../memory.ts";
import { repoFilter } from "../core/glob.ts";
import { attemptOutcome, attemptTime, existingPipelines } from "../core/dora.ts";
import type { DeploymentRule, Pipeline, Repo } from "../core/model.ts";
import { olderThan25 } from "../collector/server-version.ts";
import {
  classify,
  DEFAULT_BRANCH_PLACEHOLDER,
  matchRule,
  resolveMode,
  ruleMatches,
  type Resolution,
} from "../core/rules.ts";
import { DAY } from "../core/levels.ts";
import { repoLabels } from "../core/groups.ts";
import { formatTime } from "../view/format.ts";
import { pipelineUrl } from "../woodpecker/links.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import { argocdCheck } from "./check-argocd.ts";
import { collectOnce, makeClient } from "./collect.ts";
import { compareCodeUnits } from "../util/strings.ts";
import { textTable } from "./table.ts";
import { exporterWarnings } from "../view/warnings.ts";

export const CHECK_DAYS = 30;

export interface CheckIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { isTTY?: boolean; write(s: string): unknown };
  /** Unix ms. */
  readonly now?: () => number;
}

interface TargetMatch {
  matched: number;
  success: number;
  failed: number;
  other: number;
  example: Pipeline | null;
}

export async function runCheck(config: Config, io: CheckIo): Promise<number> {
  const nowMs = (io.now ?? (() => Date.now()))();
  const now = Math.floor(nowMs / 1000);
  const from = now - CHECK_DAYS * DAY;
  const out: string[] = [];
  const warnings: string[] = [];
  const print = () => io.stdout.write(out.splice(0).join("\n") + "\n");

  out.push(`configuration   ok   ${describeConfig(config)}`);
  // Settings that are valid but match nothing the exporter could count, as the exporter warns.
  warnings.push(...exporterWarnings({ ...config, now, lastCycleOk: null, listedRepos: 0, trackedRepos: 0 }));

  // Reach the server and validate the token before reading any history.
  const client = makeClient(config);
  try {
    const version = await client.version();
    out.push(
      `woodpecker      ok   ${config.woodpeckerUrl} answers${
        version
          ? `, \
version ${version}`
          : " (no version reported)"
      }`,
    );
    if (olderThan25(version)) {
      warnings.push(
        `Woodpecker ${version} is older than 2.5: it ignores the \`before\` filter, and pages are offsets: a ` +
          `pipeline deleted while the exporter pages shifts the pages, so exact numbers under deletion there ` +
          `rest on re-reading, one by one, every pipeline number a page boundary skipped (one extra request ` +
          `each); upgrade to 2.5 or later`,
      );
    }
  } catch (e) {
    out.push(`woodpecker      FAIL ${firstLine(e)}`);
    print();
    return 1;
  }
  try {
    const u = await client.user();
    out.push(`token           ok   user "${u.login}"${u.admin ? " (admin)" : ""}`);
    if (config.adminRepos && !u.admin)
      warnings.push(`DORA_ADMIN_REPOS is set but user "${u.login}" is not an admin: listing all repos will fail`);
  } catch (e) {
    out.push(`token           FAIL ${firstLine(e)}`);
    print();
    return 1;
  }

  const collected = await collectOnce(config, { progress: io.stderr, now: () => nowMs });
  if (!collected.ok) {
    out.push(`history         FAIL ${collected.problem}`);
    print();
    return 1;
  }
  let listing: RepoListing[];
  try {
    listing = config.adminRepos ? await collected.client.allRepos() : await collected.client.userRepos();
  } catch (e) {
    out.push(`repos           FAIL ${firstLine(e)}`);
    print();
    return 1;
  }
  const filter = repoFilter(config.repos);
  const tracked = listing
    .filter((r) => r.active && filter(r.fullName))
    .sort((a, b) => compareCodeUnits(a.fullName, b.fullName));
  const notTracked = listing.filter((r) => !tracked.includes(r));
  out.push(
    `repos           ${tracked.length === 0 ? "WARN" : "ok  "} ${tracked.length} tracked of ${listing.length} the \
token sees${
      notTracked.length === 0
        ? ""
        : `; not tracked: ${notTracked
            .map(
              (r) => `${r.fullName} \
(${r.active ? "excluded by DORA_REPOS" : "inactive"})`,
            )
            .join(", ")}`
    }`,
  );
  if (tracked.length === 0)
    warnings.push(
      `no repo is tracked: DORA_REPOS ${JSON.stringify(config.repos)} matches none of the active repos the token sees`,
    );
  for (const pattern of config.repos) {
    if (pattern.startsWith("!")) continue;
    if (!listing.some((r) => repoFilter([pattern])(r.fullName)))
      warnings.push(`DORA_REPOS pattern "${pattern}" matches no repo the token sees`);
  }
  // What holding this history costs (issue 14): the bench's bytes per stored pipeline.
  let stored = 0;
  for (const r of tracked) stored += collected.poller.repos.get(r.id)?.history.pipelines.size ?? 0;
  const expected = expectedMemory(stored);
  const limit = memoryLimit(config.memoryLimit);
  const overLimit = limit !== null && expected.peak > WARN_AT * limit.bytes;
  out.push(
    `memory          ${overLimit ? "WARN" : "ok  "} ~${mb(expected.settled)} MB once running, ~${mb(expected.peak)} \
MB at the backfill's peak, for ${stored} stored push/deployment pipelines${
      limit ? `; limit ${mb(limit.bytes)} MB (${limit.from})` : "; no memory limit set or found"
    }`,
  );
  if (overLimit) {
    warnings.push(
      `the backfill is expected to peak at ~${mb(expected.peak)} MB, over ${Math.round(WARN_AT * 100)} % of ` +
        `the ${mb(limit.bytes)} MB limit (${limit.from}): raise the limit, set DORA_SINCE to keep less history, ` +
        `or split the repos with DORA_SHARD (docs/scaling.md)`,
    );
  }
  // ArgoCD (optional): read in the same cycle, after Woodpecker; every app's mapping as the exporter decides it.
  const argo = collected.argo;
  let argoOk = false;
  if (argo !== null) {
    let version: string | null = null;
    let problem = argo.problem;
    try {
      version = await argo.client.version();
    } catch (e) {
      problem ??= firstLine(e);
    }
    const mappings = argo.step.last?.mappings ?? [];
    if (problem === null) {
      argoOk = true;
      out.push(
        `argocd          ok   ${config.argocdUrl} answers, version ${version || "(none reported)"};\
 ${mappings.length} app${mappings.length === 1 ? "" : "s"} read${
   argo.invalid.length > 0 ? `, ${argo.invalid.length} malformed skipped` : ""
 }`,
      );
    } else {
      out.push(`argocd          FAIL ${problem}`);
      warnings.push(`ArgoCD: ${problem}; the repos below are shown as without ArgoCD`);
    }
  }
  const mappings = argoOk ? (argo!.step.last?.mappings ?? []) : [];
  const buildsOnly: Repo[] = [];
  // By attempt time (finished, else updated, else created), as DEFINITIONS places an attempt in a
  // window and as `report`, the page and the API count: the same minute gives the same numbers.
  out.push(
    `window          last ${CHECK_DAYS} days: ${formatTime(from)} – ${formatTime(now)} (pipelines by attempt ` +
      `time: finished, else updated, else created)`,
  );
  const inWindow = (p: Pipeline) => {
    const t = attemptTime(p);
    return t > from && t <= now;
  };

  // Per configured rule: pipelines it decided (first match) across the repos of its block.
  const ruleHits = config.repoRules.map((b) => b.rules.map(() => 0));
  const blockPipelines = config.repoRules.map((): { p: Pipeline; repo: Repo }[] => []);
  const blockRepos = config.repoRules.map(() => 0);

  const core = coreOptions(config);
  for (const r of tracked) {
    const history = existingPipelines(collected.poller.repos.get(r.id)?.history.pipelines.values() ?? [], config.since);
    const apps = mappings.filter((m) => m.repoId === r.id);
    const res = resolveMode(r, history, core, apps.length > 0);
    if (res.mode === "argocd-builds") buildsOnly.push(r);
    if (res.blockIndex >= 0) blockRepos[res.blockIndex]!++;
    const recent = history.filter(inWindow).sort((a, b) => b.number - a.number);
    const targets = new Map<string, TargetMatch>();
    if (res.blockIndex >= 0) for (const p of recent) blockPipelines[res.blockIndex]!.push({ p, repo: r });
    for (const p of recent) {
      if (res.block) {
        const i = matchRule(p, r, res.block.rules);
        if (i >= 0) ruleHits[res.blockIndex]![i]!++;
      }
      const target = classify(p, r, res);
      if (target === null) continue;
      const m = targets.get(target) ?? { matched: 0, success: 0, failed: 0, other: 0, example: null };
      m.matched++;
      const outcome = attemptOutcome(p, core);
      if (outcome === "success") m.success++;
      else if (outcome === "failure") m.failed++;
      else m.other++;
      m.example ??= p; // newest first
      targets.set(target, m);
    }
    out.push(
      "",
      `${r.fullName} (id ${r.id}, default branch ${r.defaultBranch || "(empty)"})`,
      `  mode: ${describeMode(r, res)}`,
    );
    if (
      r.defaultBranch === "" &&
      (res.mode === "default-branch-push" ||
        res.block?.rules.some((rule) => rule.branch?.includes(DEFAULT_BRANCH_PLACEHOLDER)))
    ) {
      warnings.push(
        `${r.fullName}: Woodpecker reports an empty default branch, so ` +
          (res.mode === "default-branch-push"
            ? "no push counts as a deployment (default rule 2)"
            : "$default_branch matches no branch") +
          "; set the repo's default branch in the forge and repair the repo in Woodpecker",
      );
    }
    if (res.block) {
      res.block.rules.forEach((rule, i) => {
        const hits = recent.filter((p) => matchRule(p, r, res.block!.rules) === i).length;
        out.push(`  rule ${i + 1}: ${describeRule(rule)} -> decided ${hits} pipeline${hits === 1 ? "" : "s"}`);
      });
    }
    for (const m of apps) out.push(`  argocd: app ${m.app} -> target ${m.target} (${m.via}: ${m.why})`);
    if (targets.size === 0 && res.mode === "argocd-builds") {
      out.push(`  matched: no Woodpecker pipeline (its pushes are builds); its deployments come from ArgoCD`);
    } else if (targets.size === 0) {
      out.push(`  matched: nothing in the last ${CHECK_DAYS} days`);
      // The history read is filtered to the events rules can match (server-side on 3.x): read one
      // unfiltered page to say what the repo does run instead.
      const unfiltered = await collected.client.pipelinePage(r.id, { page: 1 }).then(
        (page) => page.pipelines.filter((p) => p.created >= config.since),
        () => [],
      );
      const ran = [...new Map([...history, ...unfiltered].map((p) => [p.id, p])).values()];
      warnings.push(
        `${r.fullName}: no pipeline matched as a deployment in the last ${CHECK_DAYS} days \
(${shortMode(r, res)}). ${seen(
          ran.filter(inWindow).sort((a, b) => b.number - a.number),
          r,
          ran,
        )}`,
      );
    } else {
      const rows = [...targets.entries()]
        .sort(([a], [b]) => compareCodeUnits(a, b))
        .map(([t, m]) => [
          t,
          String(m.matched),
          String(m.success),
          String(m.failed),
          String(m.other),
          m.example
            ? `#${m.example.number} ${m.example.event}${m.example.deployTo ? ` to ${m.example.deployTo}` : ""} ` +
              `on ${m.example.branch || "?"}: ${pipelineUrl(config.woodpeckerUrl, r.id, m.example.number)}`
            : "",
        ]);
      out.push(
        ...textTable(
          ["target", "matched", "success", "failed", "other", "example (newest)"],
          rows,
          new Set([1, 2, 3, 4]),
        )
          .split("\n")
          .map((l) => "  " + l),
      );
    }
    // Rework (DEFINITIONS "The fifth key") of the same window, with each deployment's reason.
    for (const t of collected.poller.repos.get(r.id)?.state?.targets ?? []) {
      const recentRework = t.rework.filter((w) => w.deployedAt > from && w.deployedAt <= now);
      if (recentRework.length === 0) continue;
      const shown = recentRework.slice(-8).map((w) => `#${w.deploymentNumber} ${w.reason}`);
      out.push(
        `  rework to ${t.target}: ${recentRework.length} (` +
          `${recentRework.length > shown.length ? "latest: " : ""}${shown.join(", ")})`,
      );
    }
    const labels = Object.entries(repoLabels(r.fullName, config.repoLabels));
    if (labels.length > 0) out.push(`  labels: ${labels.map(([k, v]) => `${k}=${v}`).join(", ")} (dora_repo_info)`);
  }

  config.repoRules.forEach((block, b) => {
    if (blockRepos[b] === 0) {
      warnings.push(
        `deployment_rules[${b}] (repos: "${block.repos}") applies to no tracked repo${
          tracked.some((r) => repoFilter([block.repos])(r.fullName))
            ? " (an earlier block matches its repos first)"
            : ""
        }`,
      );
      return;
    }
    block.rules.forEach((rule, i) => {
      if (ruleHits[b]![i] === 0) {
        warnings.push(
          `deployment_rules[${b}].rules[${i}] ${describeRule(rule)} matched no pipeline of ${blockRepos[b]} ` +
            `repo(s) in the last ${CHECK_DAYS} days${whyNoMatch(rule, blockPipelines[b]!)}`,
        );
      }
    });
  });

  let notes: readonly string[] = [];
  if (argoOk) {
    const a = argocdCheck({
      mappings,
      invalid: argo!.invalid,
      blocks: config.argocdAppBlocks,
      buildsOnly,
      stateFile: config.stateFile !== null,
    });
    out.push(...a.lines);
    warnings.push(...a.warnings);
    notes = a.notes;
  }

  out.push("");
  if (notes.length > 0)
    out.push(`${notes.length} note${notes.length === 1 ? "" : "s"}:`, ...notes.map((n) => `  - ${n}`));
  if (warnings.length === 0)
    out.push("ok: every tracked repo has matched deployments and every rule matches something");
  else out.push(`${warnings.length} warning${warnings.length === 1 ? "" : "s"}:`, ...warnings.map((w) => `  ! ${w}`));
  print();
  return warnings.length === 0 ? 0 : 1;
}

function describeConfig(c: Config): string {
  const parts = [
    `WOODPECKER_URL ${c.woodpeckerUrl}`,
    `DORA_REPOS ${c.repos.length === 0 ? "(all)" : c.repos.join(",")}`,
    `failure statuses ${c.failureStatuses.join(",")}`,
    `${c.repoRules.length} deployment rule block${c.repoRules.length === 1 ? "" : "s"}`,
    `rework: rollback, revert, hotfix/*, hotfix-*${
      c.reworkRules.length > 0
        ? ` + ${c.reworkRules.length} rework \
rule${c.reworkRules.length === 1 ? "" : "s"}`
        : ""
    }`,
  ];
  if (c.repoLabels.length > 0)
    parts.push(`${c.repoLabels.length} repo_labels block${c.repoLabels.length === 1 ? "" : "s"}`);
  if (c.since > 0) parts.push(`DORA_SINCE ${formatTime(c.since)}`);
  if (c.adminRepos) parts.push("DORA_ADMIN_REPOS");
  return parts.join(", ");
}

function describeMode(r: Repo, res: Resolution): string {
  switch (res.mode) {
    case "deployment-events":
      return "default 1: the repo has deployment pipelines, so only those count; target = deploy_to (or default)";
    case "default-branch-push":
      return r.defaultBranch === ""
        ? "default 2: no deployment pipelines, and the default branch is empty, so no push counts"
        : `default 2: no deployment pipelines, so pushes to the default branch "${r.defaultBranch}" count; ` +
            `target production`;
    case "rules":
      return `deployment_rules[${res.blockIndex}] (repos: "${res.block!.repos}"), first matching rule wins`;
    case "argocd-builds":
      return (
        "default 2 withdrawn: an ArgoCD app deploys this repo, " +
        "so its pushes are builds; its attempts come from ArgoCD"
      );
  }
}

function shortMode(r: Repo, res: Resolution): string {
  switch (res.mode) {
    case "deployment-events":
      return "default 1: deployment pipelines only";
    case "default-branch-push":
      return `default 2: pushes to "${r.defaultBranch}"`;
    case "rules":
      return `deployment_rules[${res.blockIndex}]`;
    case "argocd-builds":
      return "ArgoCD: pushes are builds";
  }
}

export function describeRule(rule: DeploymentRule): string {
  const parts: string[] = [];
  if (rule.events) parts.push(`events: [${rule.events.join(", ")}]`);
  if (rule.branch !== undefined) parts.push(`branch: ${JSON.stringify(rule.branch)}`);
  if (rule.deployTo !== undefined) parts.push(`deploy_to: ${JSON.stringify(rule.deployTo)}`);
  if (rule.exclude) parts.push("exclude: true");
  else parts.push(`target: ${rule.target ?? "(deploy_to or default)"}`);
  return `{${parts.join(", ")}}`;
}

/** What the repo ran in the window: the facts a rule has to match. */
function seen(recent: readonly Pipeline[], r: Repo, history: readonly Pipeline[]): string {
  if (recent.length === 0) {
    const newest = history.reduce<Pipeline | null>((a, p) => (a === null || p.created > a.created ? p : a), null);
    return newest === null
      ? "No pipeline of this repo was read at all (check DORA_SINCE and that the repo runs pipelines)."
      : `No pipeline was created in the last ${CHECK_DAYS} days; the newest read is #${newest.number} ` +
          `(${newest.event} on ${JSON.stringify(newest.branch)}, created ${formatTime(newest.created)}).`;
  }
  const byEvent = new Map<string, Pipeline[]>();
  for (const p of recent) byEvent.set(p.event, [...(byEvent.get(p.event) ?? []), p]);
  const deploysLike = recent.some(
    (p) => p.event === "deployment" || (p.event === "push" && p.branch === r.defaultBranch),
  );
  if (!deploysLike) {
    const counts = [...byEvent.entries()]
      .sort((a, b) => b[1].length - a[1].length || compareCodeUnits(a[0], b[0]))
      .map(([event, ps]) => `${ps.length} ${event}`);
    return (
      `${CHECK_DAYS} days: ${counts.join(", ")}; none is a push to ${r.defaultBranch || "the default branch"} or ` +
      `a deployment.${suggestRule(r, byEvent)}`
    );
  }
  const parts = [...byEvent.entries()]
    .sort((a, b) => b[1].length - a[1].length || compareCodeUnits(a[0], b[0]))
    .map(([event, ps]) => {
      const field = event === "deployment" ? "deploy_to" : "branch";
      const values = topValues(
        ps.map((p) => (event === "deployment" ? p.deployTo : p.branch)),
        (v) => (event !== "deployment" && v === r.defaultBranch ? " (default branch)" : ""),
      );
      return `${event} x${ps.length} (${field}: ${values})`;
    });
  return `Seen instead: ${parts.join("; ")}.`;
}

/**
 * A rule block that would count what the repo runs, when one of its events plausibly is how it
 * ships: tags (releases) first, then release events, then manual runs (a button to deploy).
 */
function suggestRule(r: Repo, byEvent: ReadonlyMap<string, readonly Pipeline[]>): string {
  const event = (["tag", "release", "manual"] as const).find((e) => byEvent.has(e));
  if (event === undefined) return " If it deploys another way, a deployment_rules block in DORA_CONFIG can say how.";
  const why = {
    tag: "tags are its releases",
    release: "releases are its deployments",
    manual: "manual runs are its deployments",
  }[event];
  return (
    ` If ${why}, add to DORA_CONFIG: deployment_rules: [{repos: "${r.fullName}", rules: [{events: [${event}], ` +
    `target: production}]}]`
  );
}

/** `"main" x131, "dev" x9, and 12 other values`. */
function topValues(values: readonly string[], note: (v: string) => string = () => "", limit = 4): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]));
  const shown = top.slice(0, limit).map(([v, n]) => `${JSON.stringify(v)}${note(v)} x${n}`);
  if (top.length > limit) shown.push(`${top.length - limit} other value${top.length - limit === 1 ? "" : "s"}`);
  return shown.join(", ");
}

/**
 * Why a rule matched nothing: for each of its conditions, the values that field had among the
 * pipelines that pass the rule's other conditions. Empty when the rule has a single condition
 * that nothing of that event reached.
 */
function whyNoMatch(rule: DeploymentRule, pipelines: readonly { p: Pipeline; repo: Repo }[]): string {
  const without = (drop: keyof DeploymentRule) =>
    pipelines.filter(({ p, repo }) => ruleMatches({ ...rule, [drop]: undefined }, p, repo));
  const hints: string[] = [];
  if (rule.events !== undefined) {
    const others = without("events");
    if (others.length > 0) hints.push(`events seen: ${topValues(others.map(({ p }) => p.event))}`);
  }
  if (rule.branch !== undefined) {
    const others = without("branch");
    if (others.length > 0) hints.push(`branches seen: ${topValues(others.map(({ p }) => p.branch))}`);
  }
  if (rule.deployTo !== undefined) {
    const others = without("deployTo");
    if (others.length > 0) hints.push(`deploy_to values seen: ${topValues(others.map(({ p }) => p.deployTo))}`);
  }
  return hints.length === 0 ? "" : ` (${hints.join("; ")})`;
}

/** The first line of an error's message. */
function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
