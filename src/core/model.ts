// The data the DORA core works on. Everything here is plain data: the Woodpecker client
// normalises API responses (2.x and 3.x keys) into these shapes before the core sees them.

/** A Woodpecker pipeline reduced to the fields the definitions need. Times are Unix seconds, 0 = unset. */
export interface Pipeline {
  /** Global, unique, never reused: the key of all state. */
  readonly id: number;
  /** Per repo; may be reused after an admin deletes the highest one. */
  readonly number: number;
  /** Number of the pipeline this one was restarted or deployed from; 0 for originals. */
  readonly parent: number;
  readonly event: string;
  readonly status: string;
  readonly created: number;
  readonly updated: number;
  readonly started: number;
  readonly finished: number;
  readonly branch: string;
  readonly commit: string;
  readonly ref: string;
  readonly deployTo: string;
  /** The commit message (Woodpecker rewrites it for tag, release and cron pipelines). */
  readonly message: string;
}

/** A repo as the exporter tracks it. Keyed by id; `fullName` is only its current label. */
export interface Repo {
  readonly id: number;
  readonly fullName: string;
  readonly defaultBranch: string;
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  "success",
  "failure",
  "error",
  "killed",
  "canceled",
  "declined",
  "skipped",
]);

export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * One user rule. All present conditions must hold. `branch` and `deployTo` are globs
 * (`*`, `?`, `{a,b}`); the literal branch `$default_branch` means the repo's default branch.
 */
export interface DeploymentRule {
  readonly events?: readonly string[];
  readonly branch?: string;
  readonly deployTo?: string;
  /** Target name. Absent: the pipeline's `deploy_to`, or `default` when that is empty. */
  readonly target?: string;
  /** A matching exclude rule makes the pipeline "not a deployment" and stops the search. */
  readonly exclude?: boolean;
}

/** A block of rules applying to the repos whose `full_name` matches the glob `repos`. */
export interface RepoRules {
  readonly repos: string;
  readonly rules: readonly DeploymentRule[];
}

/**
 * A user rework rule (DEFINITIONS "The fifth key"): a glob on the source branch, a regular
 * expression searched (unanchored) in the source change's message, or both, then both must hold.
 */
export interface ReworkRule {
  readonly branch?: string;
  /** Compiled by the config loader, without the `g`/`y` flags (no lastIndex state). */
  readonly message?: RegExp;
}

/** What the core needs besides history. Built once from the configuration. */
export interface CoreOptions {
  /** Statuses that make a deployment attempt a failure (default `failure`, `error`). */
  readonly failureStatuses: ReadonlySet<string>;
  /** Per-repo overrides; first block whose glob matches the repo's full_name wins. */
  readonly repoRules: readonly RepoRules[];
  /** Pipelines created before this Unix time do not exist for the exporter. 0 = all history. */
  readonly since: number;
  /** User rework rules, checked after rollback, revert and hotfix; any match makes rework. */
  readonly reworkRules: readonly ReworkRule[];
}
