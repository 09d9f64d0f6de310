// Build the Config from the environment and the optional DORA_CONFIG file.
// Precedence per setting: a non-empty environment variable, else the file's key, else the default.
// The first problem found is thrown as a ConfigError whose message is one line naming where the
// bad value came from: the environment variable, or `DORA_CONFIG <path>: <key path>`.
// The token never appears in a message (fixed token messages, plus a final scrub of every
// message against every token value seen).
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { type Config, ConfigError } from "./config.ts";
import { configFileSchema, TokenFileSchema, TokenSchema } from "./schema.ts";
import { didYouMean, keyPath, oneLine, scrub, show } from "./format.ts";
import { ENV_PREFIXES, knownEnvNames, ROWS, type TokenRow, type ValueRow } from "./settings.ts";

/** File access, injectable for tests. */
export interface ConfigFs {
  readFile(path: string): string;
}

const nodeFs: ConfigFs = { readFile: (path) => readFileSync(path, "utf8") };

/** The config file's keys and their value schemas, in table order. */
const FILE_ENTRIES: Record<string, v.GenericSchema<unknown, unknown>> = Object.fromEntries(
  ROWS.flatMap(([, row]) => {
    if (row.kind === "value") return row.key === null ? [] : [[row.key, row.schema]];
    if (row.kind === "token")
      return [
        [row.key, TokenSchema],
        [row.fileKey, TokenFileSchema],
      ];
    return [];
  }),
);
const ConfigFileSchema = configFileSchema(FILE_ENTRIES);

/** The file keys whose raw values are secrets from the moment the file is read. */
const SECRET_KEYS = ROWS.flatMap(([, row]) =>
  row.kind === "token" ? [row.key] : row.kind === "value" && row.secret && row.key !== null ? [row.key] : [],
);
const SECRET_ENVS = ROWS.flatMap(([, row]) =>
  row.kind === "token" ? [row.env] : row.kind === "value" && row.secret && row.env !== null ? [row.env] : [],
);
const SOURCE_ENV = ROWS.flatMap(([, row]) => (row.kind === "source" ? [row.env] : []))[0]!;

/** Where each set field of a Config built here came from (kept beside it: Config has one field per setting). */
const SOURCES = new WeakMap<Config, Readonly<Record<string, Source>>>();

/**
 * The setting a field of `config` was taken from, as messages name it: the environment variable
 * (`WOODPECKER_TOKEN_FILE`) or `DORA_CONFIG <path>: <key>`; undefined for a default (or a Config
 * not built by loadConfig). E.g. a rejected token names the setting the operator actually used.
 */
export function settingSource(config: Config, field: keyof Config): string | undefined {
  return SOURCES.get(config)?.[field];
}

type ConfigFile = Record<string, unknown>;

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

const KNOWN_ENV = knownEnvNames();

/**
 * A set variable with one of our prefixes that no setting reads: most likely a misspelt name,
 * which would otherwise leave the setting at its default without a word. Empty ones count as
 * unset, as everywhere. The value is never shown (it may be a token under a wrong name).
 */
function checkUnknownEnv(env: Record<string, string | undefined>): void {
  const unknown = Object.keys(env)
    .filter((name) => ENV_PREFIXES.some((p) => name.startsWith(p)) && !KNOWN_ENV.includes(name))
    .filter((name) => (env[name] ?? "").trim() !== "")
    .sort();
  const name = unknown[0];
  if (name === undefined) return;
  const suggestion = didYouMean(name, KNOWN_ENV);
  throw new ConfigError(
    name,
    suggestion !== undefined
      ? `unknown setting (did you mean ${suggestion}?)`
      : `unknown setting; no setting has this name (${ENV_PREFIXES.map((p) => p + "*").join(", ")} are reserved; ` +
          `see dora-exporter --help)`,
  );
}

function build(env: Record<string, string | undefined>, fs: ConfigFs, secrets: string[]): Config {
  checkUnknownEnv(env);
  // Empty (or blank) variables count as unset: `FOO=` in a compose file means "not configured".
  const envValue = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === "" ? undefined : raw;
  };
  for (const name of SECRET_ENVS) {
    const raw = envValue(name);
    if (raw !== undefined) secrets.push(raw.trim());
  }

  const configPath = envValue(SOURCE_ENV)?.trim();
  const file = configPath === undefined ? {} : readConfigFile(configPath, fs, secrets);
  const fileSource = (key: string): Source => `DORA_CONFIG ${configPath}: ${key}`;

  /** The environment variable's value through its schema, or undefined when unset. */
  const fromEnv = <T>(name: string | null, schema: v.GenericSchema<unknown, T>): T | undefined => {
    const raw = name === null ? undefined : envValue(name);
    if (raw === undefined) return undefined;
    const result = v.safeParse(schema, raw, { abortEarly: true });
    if (!result.success) throw new ConfigError(name!, result.issues[0].message);
    return result.output;
  };
  /** The file's value (already validated), or undefined when absent or null. */
  const fromFile = (key: string | null): unknown => (key === null ? undefined : (file[key] ?? undefined));

  const sources: Record<string, Source> = {};
  const value = (field: string, row: ValueRow<unknown>): unknown => {
    const env = fromEnv(row.env, row.schema);
    const set = env ?? fromFile(row.key);
    if (set !== undefined) sources[field] = env !== undefined ? row.env! : fileSource(row.key!);
    if (set !== undefined) return Object.freeze(set);
    if ("required" in row.default)
      throw new ConfigError(row.env ?? fileSource(row.key!), `not set (${row.default.required})`);
    return Object.freeze(row.default.value);
  };

  const token = (field: string, row: TokenRow<boolean>): string | null => {
    const resolved = resolveToken(
      row,
      { token: fromEnv(row.env, TokenSchema), tokenFile: fromEnv(row.fileEnv, TokenFileSchema) },
      { token: fromFile(row.key) as string | undefined, tokenFile: fromFile(row.fileKey) as string | undefined },
      fileSource,
      fs,
      secrets,
    );
    if (resolved === null) return null;
    sources[field] = resolved.source;
    return resolved.token;
  };

  const config: Record<string, unknown> = {};
  for (const [field, row] of ROWS) {
    if (row.kind === "value") config[field] = value(field, row);
    else if (row.kind === "token") config[field] = token(field, row);
  }
  // The ArgoCD token is optional only while ArgoCD is off.
  if (config.argocdUrl !== null && config.argocdToken === null) {
    const where = sources.argocdUrl === "ARGOCD_URL" ? "ARGOCD_TOKEN" : fileSource("argocd_token");
    throw new ConfigError(where, "not set (required with ARGOCD_URL; set ARGOCD_TOKEN or ARGOCD_TOKEN_FILE)");
  }
  const frozen = Object.freeze(config) as unknown as Config;
  SOURCES.set(frozen, Object.freeze(sources));
  return frozen;
}

/**
 * Exactly one token source. The environment and the file are layers: if the environment names
 * either source, the file's token settings are ignored (environment wins); naming both sources
 * within one layer is an error, since one of them would be silently unused.
 */
function resolveToken(
  row: TokenRow<boolean>,
  fromEnv: { token: string | undefined; tokenFile: string | undefined },
  fromFile: { token: string | undefined; tokenFile: string | undefined },
  fileSource: (key: string) => Source,
  fs: ConfigFs,
  secrets: string[],
): { token: string; source: Source } | null {
  if (fromEnv.token !== undefined || fromEnv.tokenFile !== undefined) {
    if (fromEnv.token !== undefined && fromEnv.tokenFile !== undefined) {
      throw new ConfigError(row.env, `set only one of ${row.env} and ${row.fileEnv}`);
    }
    if (fromEnv.token !== undefined) return { token: fromEnv.token, source: row.env };
    return { token: readTokenFile(row.fileEnv, fromEnv.tokenFile!, fs, secrets), source: row.fileEnv };
  }
  if (fromFile.token !== undefined || fromFile.tokenFile !== undefined) {
    if (fromFile.token !== undefined && fromFile.tokenFile !== undefined) {
      throw new ConfigError(fileSource(row.key), `set only one of ${row.key} and ${row.fileKey}`);
    }
    if (fromFile.token !== undefined) return { token: fromFile.token, source: fileSource(row.key) };
    const source = fileSource(row.fileKey);
    return { token: readTokenFile(source, fromFile.tokenFile!, fs, secrets), source };
  }
  if (!row.required) return null;
  throw new ConfigError(row.env, `not set (set ${row.env} or ${row.fileEnv})`);
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
  if (data !== null && typeof data === "object") {
    for (const key of SECRET_KEYS) {
      const secret = (data as Record<string, unknown>)[key];
      if (typeof secret === "string") secrets.push(secret.trim());
    }
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
