// The settings table: the one list of every setting. The environment parser, the config-file
// schema and the `Config` type (load.ts, config.ts), `--help` and the README table are all derived
// from it, so documentation, parsing and types cannot drift apart.
//
// To add a setting: add one row below, in the order it should appear in `--help`.
//  - `value({...})`: an environment variable and/or a config-file key (null for the other) with
//    its valibot schema (schema.ts), its typed default (or `required(hint)`), the default as a
//    human reads it, and a one-line description. `secret: true` redacts it wherever the config is
//    printed and scrubs it from every message and log line.
//  - `value({ env: null, ... })`: a file-only (structured) entry, e.g. per-repo rule blocks.
//  - `token({...})`: a secret given either directly (FOO_TOKEN) or as a file (FOO_TOKEN_FILE).
// The row's name is the `Config` field. Then paste `renderSettingsMarkdown()` into README.md's
// CONFIGURATION section (test/docs/readme.test.ts says when it is stale).
import type * as v from "valibot";
import {
  AdminReposSchema,
  ArgoAppBlocksSchema,
  ArgoAppsSchema,
  ArgoSelectorSchema,
  ArgoUrlSchema,
  ConcurrencySchema,
  DegradedWindowSchema,
  DeploymentRulesSchema,
  FailureStatusesSchema,
  HttpTimeoutSchema,
  ListenSchema,
  LogLevelSchema,
  MemoryLimitSchema,
  PollIntervalSchema,
  ReposSchema,
  ShardSchema,
  SinceSchema,
  StateFileSchema,
  WebConfigFileSchema,
  WoodpeckerUrlSchema,
} from "./schema.ts";
import { RepoLabelsSchema } from "./labels-schema.ts";
import { ReworkRulesSchema } from "./rework-schema.ts";

type AnySchema = v.GenericSchema<unknown, unknown>;

/** A setting with one value, from the environment and/or the config file. */
export interface ValueRow<T> {
  readonly kind: "value";
  /** Environment variable; null for a config-file-only setting. */
  readonly env: string | null;
  /** Key in the DORA_CONFIG file; null for an environment-only setting. */
  readonly key: string | null;
  readonly schema: v.GenericSchema<unknown, T>;
  /** The typed default, or what to say when a required setting is missing. */
  readonly default: { readonly value: T } | { readonly required: string };
  /** The default as a human reads it, for `--help` and the README. */
  readonly shown: string;
  readonly description: string;
  readonly secret: boolean;
}

/** A secret given directly or as a file whose trimmed content is the secret; at most one of them. */
export interface TokenRow<Required extends boolean> {
  readonly kind: "token";
  readonly env: string;
  readonly key: string;
  readonly fileEnv: string;
  readonly fileKey: string;
  readonly required: Required;
  readonly description: string;
  readonly fileDescription: string;
}

/** Where the config file is (DORA_CONFIG): read before every other setting, not part of Config. */
export interface SourceRow {
  readonly kind: "source";
  readonly env: string;
  readonly shown: string;
  readonly description: string;
}

export type Row = ValueRow<unknown> | TokenRow<boolean> | SourceRow;

/** The `default` of a setting that has none. */
export const required = (hint: string): Required => ({ required: hint });
interface Required {
  readonly required: string;
}

interface ValueSpec<S extends AnySchema> {
  env: string | null;
  key: string | null;
  schema: S;
  shown: string;
  description: string;
  secret?: boolean;
}

// A `null` default makes the field nullable (null = not set); otherwise it has the schema's type.
function value<S extends AnySchema>(row: ValueSpec<S> & { default: null }): ValueRow<v.InferOutput<S> | null>;
function value<S extends AnySchema>(
  row: ValueSpec<S> & { default: NoInfer<v.InferOutput<S>> | Required },
): ValueRow<v.InferOutput<S>>;
function value(row: ValueSpec<AnySchema> & { default: unknown }): ValueRow<unknown> {
  const dflt = row.default;
  const isRequired = dflt !== null && typeof dflt === "object" && "required" in dflt && !Array.isArray(dflt);
  return {
    kind: "value",
    env: row.env,
    key: row.key,
    schema: row.schema,
    default: isRequired ? (dflt as Required) : { value: dflt },
    shown: row.shown,
    description: row.description,
    secret: row.secret ?? false,
  };
}

function token<R extends boolean>(row: {
  env: string;
  key: string;
  fileEnv: string;
  fileKey: string;
  required: R;
  description: string;
  fileDescription: string;
}): TokenRow<R> {
  return { kind: "token", ...row };
}

export const SETTINGS = {
  woodpeckerUrl: value({
    env: "WOODPECKER_URL",
    key: "woodpecker_url",
    schema: WoodpeckerUrlSchema,
    default: required("e.g. https://ci.example.com"),
    shown: "(required)",
    description: "Woodpecker server URL, http or https, may include a path prefix",
  }),
  token: token({
    env: "WOODPECKER_TOKEN",
    key: "woodpecker_token",
    fileEnv: "WOODPECKER_TOKEN_FILE",
    fileKey: "woodpecker_token_file",
    required: true,
    description: "Woodpecker API token; set this or WOODPECKER_TOKEN_FILE",
    fileDescription: "file holding the token (content trimmed), e.g. a mounted secret",
  }),
  repos: value({
    env: "DORA_REPOS",
    key: "repos",
    schema: ReposSchema,
    default: [],
    shown: "(all repos)",
    description: "comma-separated globs on owner/name; !glob excludes",
  }),
  adminRepos: value({
    env: "DORA_ADMIN_REPOS",
    key: "admin_repos",
    schema: AdminReposSchema,
    default: false,
    shown: "false",
    description: "list every active repo on the server (needs an admin token)",
  }),
  /** Unix seconds; 0 = all history. */
  since: value({
    env: "DORA_SINCE",
    key: "since",
    schema: SinceSchema,
    default: 0,
    shown: "(all history)",
    description: "ignore pipelines created before this RFC 3339 time, e.g. 2026-01-01T00:00:00Z",
  }),
  pollInterval: value({
    env: "DORA_POLL_INTERVAL",
    key: "poll_interval",
    schema: PollIntervalSchema,
    default: 60,
    shown: "60",
    description: "seconds between polls of Woodpecker (1-86400)",
  }),
  failureStatuses: value({
    env: "DORA_FAILURE_STATUSES",
    key: "failure_statuses",
    schema: FailureStatusesSchema,
    default: ["failure", "error"],
    shown: "failure,error",
    description: "statuses that make a deployment failed (failure, error, killed, canceled, declined, skipped)",
  }),
  listen: value({
    env: "DORA_LISTEN",
    key: "listen",
    schema: ListenSchema,
    default: { host: "0.0.0.0", port: 9798 },
    shown: "0.0.0.0:9798",
    description: "HTTP listen address: host:port, [ipv6]:port or :port",
  }),
  /** Path of the TLS/basic auth file (config/web-config.ts); null: plain HTTP, no authentication. */
  webConfig: value({
    env: "DORA_WEB_CONFIG",
    key: "web_config",
    schema: WebConfigFileSchema,
    default: null,
    shown: "(none: plain HTTP)",
    description:
      "web config file (Prometheus exporter-toolkit format): tls_server_config cert_file/key_file, " +
      "basic_auth_users with bcrypt hashes; applies to every path",
  }),
  concurrency: value({
    env: "DORA_CONCURRENCY",
    key: "concurrency",
    schema: ConcurrencySchema,
    default: 4,
    shown: "4",
    description: "repos fetched in parallel (1-64)",
  }),
  /** Track only the repos whose id hashes to shard k of n; null = all repos. */
  shard: value({
    env: "DORA_SHARD",
    key: "shard",
    schema: ShardSchema,
    default: null,
    shown: "(all repos)",
    description: "k/n: track only shard k (from 0) of n, split by a stable hash of the repo id",
  }),
  httpTimeout: value({
    env: "DORA_HTTP_TIMEOUT",
    key: "http_timeout",
    schema: HttpTimeoutSchema,
    default: 30,
    shown: "30",
    description: "seconds per Woodpecker request (1-600)",
  }),
  /** The durable state file (src/state/); null = state in memory only. */
  stateFile: value({
    env: "DORA_STATE_FILE",
    key: "state_file",
    schema: StateFileSchema,
    default: null,
    shown: "(none: state in memory)",
    description: "SQLite file that keeps Woodpecker history and ArgoCD observations across restarts (see the README)",
  }),
  /** Bytes; null: the cgroup's limit when one can be read (memory.ts). */
  memoryLimit: value({
    env: "DORA_MEMORY_LIMIT",
    key: "memory_limit",
    schema: MemoryLimitSchema,
    default: null,
    shown: "(the cgroup's limit)",
    description: "memory the exporter may use (e.g. 512Mi): a warning is logged when its RSS passes 80 % of it",
  }),
  logLevel: value({
    env: "DORA_LOG_LEVEL",
    key: "log_level",
    schema: LogLevelSchema,
    default: "info",
    shown: "info",
    description: "debug, info, warn or error",
  }),
  configFile: {
    kind: "source",
    env: "DORA_CONFIG",
    shown: "(none)",
    description: "YAML config file (JSON if the name ends in .json); the environment wins over it",
  } satisfies SourceRow,
  repoRules: value({
    env: null,
    key: "deployment_rules",
    schema: DeploymentRulesSchema,
    default: [],
    shown: "(built-in rules)",
    description: "per-repo deployment rules; config file only (see the README)",
  }),
  reworkRules: value({
    env: null,
    key: "rework_rules",
    schema: ReworkRulesSchema,
    default: [],
    shown: "(none)",
    description: "more rework besides rollback, revert, hotfix/*: branch glob and/or message regex; config file only",
  }),
  repoLabels: value({
    env: null,
    key: "repo_labels",
    schema: RepoLabelsSchema,
    default: [],
    shown: "(none)",
    description: "labels such as team per repo glob, on dora_repo_info; first matching block wins; config file only",
  }),
  /** ArgoCD server; null = ArgoCD is not read (nothing changes). */
  argocdUrl: value({
    env: "ARGOCD_URL",
    key: "argocd_url",
    schema: ArgoUrlSchema,
    default: null,
    shown: "(ArgoCD not read)",
    description: "ArgoCD server URL: also read ArgoCD Applications as deployments (see the README)",
  }),
  argocdToken: token({
    env: "ARGOCD_TOKEN",
    key: "argocd_token",
    fileEnv: "ARGOCD_TOKEN_FILE",
    fileKey: "argocd_token_file",
    required: false,
    description: "ArgoCD API token (read-only account); required with ARGOCD_URL; or ARGOCD_TOKEN_FILE",
    fileDescription: "file holding the ArgoCD token (content trimmed)",
  }),
  argocdApps: value({
    env: "ARGOCD_APPS",
    key: "argocd_apps_filter",
    schema: ArgoAppsSchema,
    default: [],
    shown: "(all apps)",
    description: "comma-separated globs on <project>/<name> of the apps to read; !glob excludes",
  }),
  argocdSelector: value({
    env: "ARGOCD_SELECTOR",
    key: "argocd_selector",
    schema: ArgoSelectorSchema,
    default: null,
    shown: "(none)",
    description: "Kubernetes label selector passed to ArgoCD's application list and stream",
  }),
  argocdDegradedWindow: value({
    env: "ARGOCD_DEGRADED_WINDOW",
    key: "argocd_degraded_window",
    schema: DegradedWindowSchema,
    default: 3600,
    shown: "3600",
    description: "seconds after a deployment within which turning Degraded is its failure",
  }),
  argocdAppBlocks: value({
    env: null,
    key: "argocd_apps",
    schema: ArgoAppBlocksSchema,
    default: [],
    shown: "(automatic mapping)",
    description: "per-app mapping blocks (apps glob -> repo, deploy_to); config file only (see the README)",
  }),
} as const;
// Checked apart from the literal: a contextual type there would widen the rows' inferred types.
SETTINGS satisfies Record<string, Row>;

export type Settings = typeof SETTINGS;

type FieldOf<R> =
  R extends ValueRow<infer T>
    ? Readonly<T>
    : R extends TokenRow<infer Req>
      ? Req extends true
        ? string
        : string | null
      : never;

/** The validated configuration: one readonly field per row of SETTINGS (except the config file's path). */
export type ConfigFields = {
  readonly [K in keyof Settings as Settings[K] extends SourceRow ? never : K]: FieldOf<Settings[K]>;
};

/** The rows in table order, with their Config field names. */
export const ROWS: readonly (readonly [field: string, row: Row])[] = Object.entries(SETTINGS);

/**
 * The prefixes this program owns in the environment: a variable with one of them that no row
 * names is a misspelling (DORA_POLL_INTERVALL), refused rather than silently ignored.
 */
export const ENV_PREFIXES = ["DORA_", "WOODPECKER_", "ARGOCD_"] as const;

/** Every environment variable a row reads (a token row reads two). */
export function knownEnvNames(): string[] {
  return ROWS.flatMap(([, row]) => {
    if (row.kind === "token") return [row.env, row.fileEnv];
    return row.env === null ? [] : [row.env];
  });
}

/** The value of every secret setting in `config` (set ones only), for log and message scrubbing. */
export function secretsOf(config: ConfigFields): string[] {
  const values = ROWS.flatMap(([field, row]) =>
    row.kind === "token" || (row.kind === "value" && row.secret) ? [(config as Record<string, unknown>)[field]] : [],
  );
  return values.filter((x): x is string => typeof x === "string" && x !== "");
}

/** `config` fit to print: every secret setting replaced by `<redacted>` (unset ones stay null). */
export function redactedConfig(config: ConfigFields): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const [field, row] of ROWS) {
    if ((row.kind === "token" || (row.kind === "value" && row.secret)) && out[field] != null) out[field] = "<redacted>";
  }
  return out;
}

// ---- Documentation ------------------------------------------------------------------------------

interface DocRow {
  readonly env: string | null;
  readonly key: string | null;
  readonly default: string;
  readonly description: string;
}

/** One line per variable/key pair as `--help` and the README show them (a token row is two). */
export function documentedSettings(): DocRow[] {
  return ROWS.flatMap(([, row]): DocRow[] => {
    switch (row.kind) {
      case "value":
        return [{ env: row.env, key: row.key, default: row.shown, description: row.description }];
      case "source":
        return [{ env: row.env, key: null, default: row.shown, description: row.description }];
      case "token":
        return [
          { env: row.env, key: row.key, default: "(none)", description: row.description },
          { env: row.fileEnv, key: row.fileKey, default: "(none)", description: row.fileDescription },
        ];
    }
  });
}

/** The settings as an aligned plain-text table for `--help`. */
export function renderSettingsHelp(): string {
  const rows = documentedSettings().map((s) => [s.env ?? "-", s.key ?? "-", s.default, s.description] as const);
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
    ...documentedSettings().map(
      (s) => `| ${code(s.env)} | ${code(s.key)} | ${cell(s.default)} | ${cell(s.description)} |`,
    ),
  ].join("\n");
}
