// DORA_WEB_CONFIG: TLS and basic auth for the listener, in the Prometheus exporter-toolkit's web
// configuration format (https://prometheus.io/docs/prometheus/latest/configuration/https/), so a
// file written for node_exporter's --web.config.file works here too:
//
//   tls_server_config: { cert_file: server.crt, key_file: server.key }
//   basic_auth_users: { prometheus: $2y$10$... }   # bcrypt hashes (htpasswd -nbB)
//
// The parts of the format that change who may connect (client certificates, TLS versions and
// ciphers, HTTP/2, headers) are not supported and refused by name, not ignored: an operator who
// asks for client certificates must not get a listener that accepts anyone. Relative paths are
// relative to the file's directory, as in exporter-toolkit.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { ConfigError } from "./config.ts";
import { keyPath, show } from "./format.ts";

export interface WebConfig {
  /** PEM text of the certificate (chain) and key; null: plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | null;
  /** user -> bcrypt hash; empty: no authentication. */
  readonly users: Readonly<Record<string, string>>;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

const unsupported = (what: string) =>
  v.custom<never>(() => false, `${what} is not supported by dora-exporter (only cert_file and key_file are)`);

const TlsSchema = v.strictObject(
  {
    cert_file: v.pipe(v.string("cert_file: expected a file path"), v.nonEmpty("cert_file: is empty")),
    key_file: v.pipe(v.string("key_file: expected a file path"), v.nonEmpty("key_file: is empty")),
    client_auth_type: v.optional(unsupported("client_auth_type")),
    client_ca_file: v.optional(unsupported("client_ca_file")),
    client_allowed_sans: v.optional(unsupported("client_allowed_sans")),
    min_version: v.optional(unsupported("min_version")),
    max_version: v.optional(unsupported("max_version")),
    cipher_suites: v.optional(unsupported("cipher_suites")),
    prefer_server_cipher_suites: v.optional(unsupported("prefer_server_cipher_suites")),
    curve_preferences: v.optional(unsupported("curve_preferences")),
    cert: v.optional(unsupported("cert (inline)")),
    key: v.optional(unsupported("key (inline)")),
  },
  (issue) => (issue.expected === "never" ? "unknown key" : "expected a mapping with cert_file and key_file"),
);

const USERS_MAPPING = "expected a mapping of user names to bcrypt hashes";
// valibot's record accepts arrays (typeof "object"); a list of names is a common slip.
const UsersSchema = v.pipe(
  v.unknown(),
  v.check((x) => !Array.isArray(x), USERS_MAPPING),
  v.record(
    v.pipe(v.string(), v.nonEmpty("a user name is empty"), v.regex(/^[^:]+$/, "a user name must not contain ':'")),
    v.pipe(
      v.string("expected a bcrypt hash (htpasswd -nbB user password)"),
      // Never echo the value: it is a password hash.
      v.regex(BCRYPT, "is not a bcrypt hash ($2y$..., $2b$... or $2a$..., e.g. from htpasswd -nbB user password)"),
    ),
    USERS_MAPPING,
  ),
);

const WebConfigSchema = v.strictObject(
  {
    tls_server_config: v.optional(v.nullable(TlsSchema)),
    basic_auth_users: v.optional(v.nullable(UsersSchema)),
    http_server_config: v.optional(unsupported("http_server_config")),
    rate_limit: v.optional(unsupported("rate_limit")),
  },
  (issue) =>
    issue.expected === "never"
      ? "unknown key (known: tls_server_config, basic_auth_users)"
      : "expected a mapping of tls_server_config and basic_auth_users",
);

export interface WebConfigFs {
  readFile(path: string): string;
}
const nodeFs: WebConfigFs = { readFile: (path) => readFileSync(path, "utf8") };

/** Read and check DORA_WEB_CONFIG; every problem is a one-line ConfigError naming the file and key. */
export function loadWebConfig(path: string, fs: WebConfigFs = nodeFs): WebConfig {
  const fail = (problem: string) => new ConfigError(`DORA_WEB_CONFIG ${path}`, problem);
  const read = (file: string, what: string): string => {
    try {
      return fs.readFile(file);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw fail(`${what}: cannot read ${show(file)}${code ? ` (${code})` : ""}`);
    }
  };
  const doc = parseDocument(read(path, "file"));
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const at = yamlError.linePos?.[0];
    throw fail(`not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}`);
  }
  const data: unknown = doc.toJS() ?? {};
  const result = v.safeParse(WebConfigSchema, data, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const where = keyPath(issue.path);
    throw fail(where === "" ? issue.message : `${where}: ${issue.message}`);
  }
  const base = dirname(resolve(path));
  const tlsConf = result.output.tls_server_config ?? null;
  let tls: WebConfig["tls"] = null;
  if (tlsConf !== null) {
    const cert = read(resolve(base, tlsConf.cert_file), "tls_server_config.cert_file");
    const key = read(resolve(base, tlsConf.key_file), "tls_server_config.key_file");
    if (!cert.includes("-----BEGIN CERTIFICATE-----"))
      throw fail(`tls_server_config.cert_file: ${show(tlsConf.cert_file)} holds no PEM certificate`);
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
      throw fail(`tls_server_config.key_file: ${show(tlsConf.key_file)} holds no PEM private key`);
    tls = { cert, key };
  }
  return { tls, users: result.output.basic_auth_users ?? {} };
}
