// The validated configuration every other layer receives. Built by `loadConfig` (load.ts) from
// the environment and the optional DORA_CONFIG file; environment wins.
import type { RepoRules } from "../core/model.ts";

export interface Listen {
  readonly host: string;
  readonly port: number;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  /** WOODPECKER_URL without trailing slash (may include a root path prefix). */
  readonly woodpeckerUrl: string;
  /** WOODPECKER_TOKEN or the trimmed content of WOODPECKER_TOKEN_FILE. A secret: never log it. */
  readonly token: string;
  /** DORA_REPOS: globs on full_name, `!glob` excludes. Empty = every repo the token sees. */
  readonly repos: readonly string[];
  /** DORA_ADMIN_REPOS: list every active repo on the server (needs an admin token). */
  readonly adminRepos: boolean;
  /** DORA_SINCE as Unix seconds; 0 = all history. */
  readonly since: number;
  /** DORA_POLL_INTERVAL in seconds. */
  readonly pollInterval: number;
  /** DORA_FAILURE_STATUSES. */
  readonly failureStatuses: readonly string[];
  /** DORA_LISTEN. */
  readonly listen: Listen;
  /** DORA_CONCURRENCY: repos fetched in parallel. */
  readonly concurrency: number;
  /** DORA_SHARD `k/n`: track only the repos whose id hashes to shard k of n; null = all repos. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** DORA_HTTP_TIMEOUT: seconds per Woodpecker request. */
  readonly httpTimeout: number;
  /** DORA_STATE_FILE: the durable state file (src/state/); null = state in memory only. */
  readonly stateFile: string | null;
  /** DORA_LOG_LEVEL. */
  readonly logLevel: LogLevel;
  /** `deployment_rules` from the config file (no env form). */
  readonly repoRules: readonly RepoRules[];
}

/** A bad setting. `message` is one line naming the setting and the problem; exit code 2. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}
