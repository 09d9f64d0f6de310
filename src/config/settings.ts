// The one human-facing list of settings. `--help` and the README are rendered from it, and a
// test checks it against the schemas and defaults, so documentation cannot drift from behaviour.

export interface Setting {
  /** Environment variable; null for a config-file-only setting. */
  readonly env: string | null;
  /** Key in the DORA_CONFIG file; null for an environment-only setting. */
  readonly key: string | null;
  /** The default as a human reads it (not parsed; load.ts holds the typed defaults). */
  readonly default: string;
  readonly description: string;
}

export const SETTINGS: readonly Setting[] = [
  {
    env: "WOODPECKER_URL",
    key: "woodpecker_url",
    default: "(required)",
    description: "Woodpecker server URL, http or https, may include a path prefix",
  },
  {
    env: "WOODPECKER_TOKEN",
    key: "woodpecker_token",
    default: "(none)",
    description: "Woodpecker API token; set this or WOODPECKER_TOKEN_FILE",
  },
  {
    env: "WOODPECKER_TOKEN_FILE",
    key: "woodpecker_token_file",
    default: "(none)",
    description: "file holding the token (content trimmed), e.g. a mounted secret",
  },
  {
    env: "DORA_REPOS",
    key: "repos",
    default: "(all repos)",
    description: "comma-separated globs on owner/name; !glob excludes",
  },
  {
    env: "DORA_ADMIN_REPOS",
    key: "admin_repos",
    default: "false",
    description: "list every active repo on the server (needs an admin token)",
  },
  {
    env: "DORA_SINCE",
    key: "since",
    default: "(all history)",
    description: "ignore pipelines created before this RFC 3339 time, e.g. 2026-01-01T00:00:00Z",
  },
  {
    env: "DORA_POLL_INTERVAL",
    key: "poll_interval",
    default: "60",
    description: "seconds between polls of Woodpecker (1-86400)",
  },
  {
    env: "DORA_FAILURE_STATUSES",
    key: "failure_statuses",
    default: "failure,error",
    description: "statuses that make a deployment failed (failure, error, killed, canceled, declined, skipped)",
  },
  {
    env: "DORA_LISTEN",
    key: "listen",
    default: "0.0.0.0:9798",
    description: "HTTP listen address: host:port, [ipv6]:port or :port",
  },
  {
    env: "DORA_CONCURRENCY",
    key: "concurrency",
    default: "4",
    description: "repos fetched in parallel (1-64)",
  },
  {
    env: "DORA_SHARD",
    key: "shard",
    default: "(all repos)",
    description: "k/n: track only shard k (from 0) of n, split by a stable hash of the repo id",
  },
  {
    env: "DORA_HTTP_TIMEOUT",
    key: "http_timeout",
    default: "30",
    description: "seconds per Woodpecker request (1-600)",
  },
  {
    env: "DORA_STATE_FILE",
    key: "state_file",
    default: "(none: state in memory)",
    description: "SQLite file that keeps Woodpecker history and ArgoCD observations across restarts (see the README)",
  },
  {
    env: "DORA_LOG_LEVEL",
    key: "log_level",
    default: "info",
    description: "debug, info, warn or error",
  },
  {
    env: "DORA_CONFIG",
    key: null,
    default: "(none)",
    description: "YAML config file (JSON if the name ends in .json); the environment wins over it",
  },
  {
    env: null,
    key: "deployment_rules",
    default: "(built-in rules)",
    description: "per-repo deployment rules; config file only (see the README)",
  },
];

/** The settings as an aligned plain-text table for `--help`. */
export function renderSettingsHelp(): string {
  const rows = SETTINGS.map((s) => [s.env ?? "-", s.key ?? "-", s.default, s.description] as const);
  const header = ["environment", "config file", "default", "description"] as const;
  const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    ("  " + r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ")).trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The same table as Markdown, for the README. */
export function renderSettingsMarkdown(): string {
  const cell = (text: string | null) => (text === null ? "-" : text.replace(/\|/g, "\\|"));
  const code = (text: string | null) => (text === null ? "-" : "`" + text + "`");
  return [
    "| environment | config file | default | description |",
    "|---|---|---|---|",
    ...SETTINGS.map((s) => `| ${code(s.env)} | ${code(s.key)} | ${cell(s.default)} | ${cell(s.description)} |`),
  ].join("\n");
}
