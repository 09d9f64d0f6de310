// Build the Config from the environment and the optional DORA_CONFIG file.
// Precedence per setting: a non-empty environment variable, else the file's key, else the default.
// The first problem found is thrown as a ConfigError whose message is one line naming where the
// bad value came from: the environment variable, or `DORA_CONFIG <path>: <key path>`.
// The token never appears in a message (fixed token messages, plus a final scrub of every
// message against every token value seen).
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { type Config, ConfigError, type Listen, type LogLevel } from "./config.ts";
import { keyPath, oneLine, scrub, show } from "./format.ts";
import { type ConfigFile, ConfigFileSchema, ENV_SCHEMAS, type EnvName, TokenSchema } from "./schema.ts";

/** File access, injectable for tests. */
export interface ConfigFs {
  readFile(path: string): string;
}

const nodeFs: ConfigFs = { readFile: (path) => readFileSync(path, "utf8") };

/** The typed defaults (settings.ts shows them to humans; a test keeps the two in step). */
export const DEFAULTS = {
  repos: [] as readonly string[],
  adminRepos: false,
  since: 0,
  pollInterval: 60,
  failureStatuses: ["failure", "error"] as readonly string[],
  listen: { host: "0.0.0.0", port: 9798 } as Listen,
  concurrency: 4,
  shard: null as { readonly index: number; readonly count: number } | null,
  httpTimeout: 30,
  stateFile: null as string | null,
  logLevel: "info" as LogLevel,
} as const;

/** Where a value came from, as the prefix of its error messages. */
type Source = string;

export function loadConfig(env: Record<string, string | undefined>, fs: ConfigFs = nodeFs): Config {
  // Every token value seen along the way, to scrub from any message as a last line of defence.
  const secrets: string[] = [];
  try {
    return build(env, fs, secrets);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const setting = oneLine(scrub(err.setting, secrets));
    const problem = oneLine(scrub(err.message.slice(err.setting.length + 2), secrets));
    throw new ConfigError(setting, problem);
  }
}

function build(env: Record<string, string | undefined>, fs: ConfigFs, secrets: string[]): Config {
  // Empty (or blank) variables count as unset: `FOO=` in a compose file means "not configured".
  const envValue = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === "" ? undefined : raw;
  };
  const rawEnvToken = envValue("WOODPECKER_TOKEN");
  if (rawEnvToken !== undefined) secrets.push(rawEnvToken.trim());

  const configPath = envValue("DORA_CONFIG")?.trim();
  const file = configPath === undefined ? {} : readConfigFile(configPath, fs, secrets);
  const fileSource = (key: string): Source => `DORA_CONFIG ${configPath}: ${key}`;

  /** The environment variable's value through its schema, or undefined when unset. */
  const fromEnv = <N extends EnvName>(name: N): v.InferOutput<(typeof ENV_SCHEMAS)[N]> | undefined => {
    const raw = envValue(name);
    if (raw === undefined) return undefined;
    // The cast only tells TypeScript that indexing by a generic name keeps the output type.
    const schema = ENV_SCHEMAS[name] as v.GenericSchema<unknown, v.InferOutput<(typeof ENV_SCHEMAS)[N]>>;
    const result = v.safeParse(schema, raw, { abortEarly: true });
    if (!result.success) throw new ConfigError(name, result.issues[0].message);
    return result.output;
  };

  const woodpeckerUrl = fromEnv("WOODPECKER_URL") ?? file.woodpecker_url ?? undefined;
  if (woodpeckerUrl === undefined) {
    throw new ConfigError("WOODPECKER_URL", "not set (e.g. https://ci.example.com)");
  }

  const token = resolveToken(
    { token: fromEnv("WOODPECKER_TOKEN"), tokenFile: fromEnv("WOODPECKER_TOKEN_FILE") },
    { token: file.woodpecker_token ?? undefined, tokenFile: file.woodpecker_token_file ?? undefined },
    fileSource,
    fs,
    secrets,
  );

  const config: Config = {
    woodpeckerUrl,
    token,
    repos: Object.freeze(fromEnv("DORA_REPOS") ?? file.repos ?? DEFAULTS.repos),
    adminRepos: fromEnv("DORA_ADMIN_REPOS") ?? file.admin_repos ?? DEFAULTS.adminRepos,
    since: fromEnv("DORA_SINCE") ?? file.since ?? DEFAULTS.since,
    pollInterval: fromEnv("DORA_POLL_INTERVAL") ?? file.poll_interval ?? DEFAULTS.pollInterval,
    failureStatuses: Object.freeze(
      fromEnv("DORA_FAILURE_STATUSES") ?? file.failure_statuses ?? DEFAULTS.failureStatuses,
    ),
    listen: Object.freeze(fromEnv("DORA_LISTEN") ?? file.listen ?? DEFAULTS.listen),
    concurrency: fromEnv("DORA_CONCURRENCY") ?? file.concurrency ?? DEFAULTS.concurrency,
    shard: Object.freeze(fromEnv("DORA_SHARD") ?? file.shard ?? DEFAULTS.shard),
    httpTimeout: fromEnv("DORA_HTTP_TIMEOUT") ?? file.http_timeout ?? DEFAULTS.httpTimeout,
    stateFile: fromEnv("DORA_STATE_FILE") ?? file.state_file ?? DEFAULTS.stateFile,
    logLevel: fromEnv("DORA_LOG_LEVEL") ?? file.log_level ?? DEFAULTS.logLevel,
    repoRules: Object.freeze(file.deployment_rules ?? []),
  };
  return Object.freeze(config);
}

/**
 * Exactly one token source. The environment and the file are layers: if the environment names
 * either source, the file's token settings are ignored (environment wins); naming both sources
 * within one layer is an error, since one of them would be silently unused.
 */
function resolveToken(
  fromEnv: { token: string | undefined; tokenFile: string | undefined },
  fromFile: { token: string | undefined; tokenFile: string | undefined },
  fileSource: (key: string) => Source,
  fs: ConfigFs,
  secrets: string[],
): string {
  if (fromEnv.token !== undefined || fromEnv.tokenFile !== undefined) {
    if (fromEnv.token !== undefined && fromEnv.tokenFile !== undefined) {
      throw new ConfigError("WOODPECKER_TOKEN", "set only one of WOODPECKER_TOKEN and WOODPECKER_TOKEN_FILE");
    }
    return fromEnv.token ?? readTokenFile("WOODPECKER_TOKEN_FILE", fromEnv.tokenFile!, fs, secrets);
  }
  if (fromFile.token !== undefined || fromFile.tokenFile !== undefined) {
    if (fromFile.token !== undefined && fromFile.tokenFile !== undefined) {
      throw new ConfigError(
        fileSource("woodpecker_token"),
        "set only one of woodpecker_token and woodpecker_token_file",
      );
    }
    return fromFile.token ?? readTokenFile(fileSource("woodpecker_token_file"), fromFile.tokenFile!, fs, secrets);
  }
  throw new ConfigError("WOODPECKER_TOKEN", "not set (set WOODPECKER_TOKEN or WOODPECKER_TOKEN_FILE)");
}

function readTokenFile(source: Source, path: string, fs: ConfigFs, secrets: string[]): string {
  let content: string;
  try {
    content = fs.readFile(path);
  } catch (err) {
    // A classic slip is to put the token itself in the _FILE setting. A long value without a
    // slash is more likely that than a file name, so it is not echoed.
    const shown =
      !path.includes("/") && path.length >= 24 ? "the file (name not shown: is it the token itself?)" : show(path);
    throw new ConfigError(source, `cannot read ${shown}: ${describeFsError(err)}`);
  }
  const trimmed = content.trim();
  secrets.push(trimmed);
  if (trimmed === "") throw new ConfigError(source, `${show(path)} is empty`);
  const result = v.safeParse(TokenSchema, trimmed, { abortEarly: true });
  // TokenSchema's messages are fixed strings, never the token.
  if (!result.success) throw new ConfigError(source, `the token in ${show(path)} ${result.issues[0].message}`);
  return result.output;
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      if (typeof code === "string") return code;
      return err instanceof Error ? (err.message.split("\n")[0] ?? "unreadable") : "unreadable";
  }
}

/** Read, parse and validate DORA_CONFIG. `.json` is JSON, anything else YAML. */
function readConfigFile(path: string, fs: ConfigFs, secrets: string[]): ConfigFile {
  const fail = (problem: string) => new ConfigError(`DORA_CONFIG ${path}`, problem);
  let text: string;
  try {
    text = fs.readFile(path);
  } catch (err) {
    throw fail(`cannot read: ${describeFsError(err)}`);
  }
  const data = path.toLowerCase().endsWith(".json") ? parseJson(text, fail) : parseYaml(text, fail);

  // A token in the file is a secret from here on, even if the file turns out to be invalid.
  if (data !== null && typeof data === "object" && "woodpecker_token" in data) {
    const token = (data as { woodpecker_token?: unknown }).woodpecker_token;
    if (typeof token === "string") secrets.push(token.trim());
  }

  const result = v.safeParse(ConfigFileSchema, data, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const where = keyPath(issue.path);
    throw fail(where === "" ? issue.message : `${where}: ${issue.message}`);
  }
  return result.output;
}

// Parser messages can quote the offending source text (which may be the token line), so only
// their position and kind are reported.

function parseJson(text: string, fail: (problem: string) => ConfigError): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason =
      err instanceof Error ? err.message.replace(/^JSON Parse error:\s*/i, "").replace(/\s*(["'`]).*?\1/g, "") : "";
    throw fail(`not valid JSON${reason === "" ? "" : ` (${reason.split("\n")[0]})`}`);
  }
}

function parseYaml(text: string, fail: (problem: string) => ConfigError): unknown {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    const position = at === undefined ? "" : ` at line ${at.line}, column ${at.col}`;
    throw fail(`not valid YAML${position}: ${error.code.toLowerCase().replace(/_/g, " ")}`);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // Alias problems ("Unresolved alias …: <name>"); keep the fixed part before the colon.
    throw fail(`not valid YAML: ${err instanceof Error ? (err.message.split(":")[0] ?? "") : "cannot be read"}`);
  }
  // An empty document (or only comments) sets nothing.
  return data === null || data === undefined ? {} : data;
}
