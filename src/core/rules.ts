// Which pipelines of a repo are deployments, and to which target (DEFINITIONS "Deployment rules").
//
// Resolution happens in two steps so that `dora-exporter check` can show both: first the repo gets
// a mode (a user rule block, or one of the two defaults), then each pipeline is classified under
// that mode. Rule resolution ignores status and time on purpose: whether a pipeline is an
// *attempt* (terminal, success/failure) and whether it exists at all (DORA_SINCE) are decided by
// the caller, so `check` can also explain pipelines that are still running.
import { globMatch } from "./glob.ts";
import type { CoreOptions, DeploymentRule, Pipeline, Repo, RepoRules } from "./model.ts";
import type { RuleMode } from "./state.ts";

/** How a repo's pipelines are classified. */
export interface Resolution {
  readonly mode: RuleMode;
  /** The user rule block that matched the repo (mode "rules"); null in the default modes. */
  readonly block: RepoRules | null;
  /** Index of `block` in `options.repoRules`; -1 in the default modes. */
  readonly blockIndex: number;
}

/** Placeholder in a rule's `branch` glob for the repo's default branch. */
export const DEFAULT_BRANCH_PLACEHOLDER = "$default_branch";

const DEFAULT_TARGET = "default";
/** What `$default_branch` stands for when the default branch is empty: no git branch is named so. */
const NO_BRANCH = "\u0000";
const PUSH_TARGET = "production";

/**
 * The mode of a repo. A user block whose `repos` glob matches `full_name` wins (the first one);
 * otherwise default 1 when the repo has any `deployment` pipeline created at or after
 * `options.since` (whatever its status), else default 2.
 */
export function resolveMode(
  repo: Repo,
  pipelines: Iterable<Pipeline>,
  options: CoreOptions,
  argoMapped = false,
): Resolution {
  const blockIndex = options.repoRules.findIndex((b) => globMatch(b.repos, repo.fullName));
  const block = options.repoRules[blockIndex];
  if (block) return { mode: "rules", block, blockIndex };
  for (const p of pipelines) {
    // Pipelines before DORA_SINCE do not exist for the exporter, so they cannot switch the mode.
    if (p.event === "deployment" && p.created >= options.since) {
      return { mode: "deployment-events", block: null, blockIndex: -1 };
    }
  }
  // An ArgoCD app deploys this repo: its pushes are builds (rule 1 and user rules still apply).
  if (argoMapped) return { mode: "argocd-builds", block: null, blockIndex: -1 };
  return { mode: "default-branch-push", block: null, blockIndex: -1 };
}

/**
 * The target `p` deploys to under `resolution`, or null when it is not a deployment.
 * Says nothing about status or DORA_SINCE (see the module comment).
 */
export function classify(p: Pipeline, repo: Repo, resolution: Resolution): string | null {
  switch (resolution.mode) {
    case "deployment-events":
      return p.event === "deployment" ? p.deployTo || DEFAULT_TARGET : null;
    case "default-branch-push":
      // An empty default branch names no branch: no rule-2 deployments (`check` warns).
      return p.event === "push" && repo.defaultBranch !== "" && p.branch === repo.defaultBranch ? PUSH_TARGET : null;
    case "argocd-builds":
      return null;
    case "rules": {
      const rules = resolution.block?.rules ?? [];
      const rule = rules[matchRule(p, repo, rules)];
      if (!rule || rule.exclude) return null;
      // An empty `target` would become an empty Prometheus label value: treat it as absent.
      return rule.target || p.deployTo || DEFAULT_TARGET;
    }
  }
}

/** Index of the first rule that matches `p` (exclude rules included), or -1. For `check`. */
export function matchRule(p: Pipeline, repo: Repo, rules: readonly DeploymentRule[]): number {
  return rules.findIndex((r) => ruleMatches(r, p, repo));
}

/** Whether every condition present in `rule` holds for `p`. */
export function ruleMatches(rule: DeploymentRule, p: Pipeline, repo: Repo): boolean {
  if (rule.events !== undefined && !rule.events.includes(p.event)) return false;
  if (rule.branch !== undefined && !branchMatches(rule.branch, p.branch, repo.defaultBranch)) return false;
  if (rule.deployTo !== undefined && !patternMatches(rule.deployTo, p.deployTo)) return false;
  return true;
}

function branchMatches(glob: string, branch: string, defaultBranch: string): boolean {
  // The whole pattern being the placeholder is the common case; compare exactly so an empty or
  // odd default branch name never goes through the glob parser.
  if (glob === DEFAULT_BRANCH_PLACEHOLDER) return defaultBranch !== "" && branch === defaultBranch;
  if (!glob.includes(DEFAULT_BRANCH_PLACEHOLDER)) return patternMatches(glob, branch);
  // Inside a larger glob (`{$default_branch,release/*}`) the default branch stands for itself,
  // so its characters are escaped rather than read as glob syntax.
  // An empty default branch names no branch: it stands for a name no git branch can have (NUL).
  return globMatch(glob.split(DEFAULT_BRANCH_PLACEHOLDER).join(escapeGlob(defaultBranch || NO_BRANCH)), branch);
}

// An empty pattern is how a rule says "deploy_to is empty" (push pipelines that deploy carry
// deploy_to = ""); the glob parser rejects "" as a typo, so it is matched here, exactly.
function patternMatches(glob: string, text: string): boolean {
  return glob === "" ? text === "" : globMatch(glob, text);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?{}[\],\\]/g, (c) => "\\" + c);
}
