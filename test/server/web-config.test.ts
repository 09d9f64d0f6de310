// DORA_WEB_CONFIG (issue 13 item 8): TLS and basic auth in the exporter-toolkit web config format,
// applied to every path, /metrics included. A self-signed certificate is made here with openssl.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadWebConfig } from "../../src/config/web-config.ts";
import { startExporter, type RunningExporter } from "../../src/exporter.ts";
import { silentLogger } from "../../src/log.ts";
import { runBinary, startSim, type Sim } from "../api/sim.ts";

setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "dora-web-config-"));
const TOKEN = "web-config-token-77ab";
const PASSWORD = "correct horse battery staple";
let cert = "";
let hash = "";
let sim: Sim;
let exporter: RunningExporter;

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(async () => {
  const r = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "server.key"),
      "-out",
      join(dir, "server.crt"),
    ],
    { stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  cert = await Bun.file(join(dir, "server.crt")).text();
  hash = await Bun.password.hash(PASSWORD, { algorithm: "bcrypt", cost: 4 });
  // Relative paths: relative to the web config file's directory, as in exporter-toolkit.
  file(
    "web.yml",
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: "${hash}"\n`,
  );
  sim = startSim({ token: TOKEN, days: 7 });
  const config = loadConfig({
    ...sim.env,
    DORA_LISTEN: "127.0.0.1:0",
    DORA_POLL_INTERVAL: "3600",
    DORA_WEB_CONFIG: join(dir, "web.yml"),
  });
  exporter = await startExporter({ config, log: silentLogger });
});

afterAll(async () => {
  await exporter?.stop();
  sim?.served.stop();
  rmSync(dir, { recursive: true, force: true });
});

const basic = (user: string, password: string) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

async function get(path: string, authorization?: string): Promise<Response> {
  return await fetch(exporter.url + path, {
    headers: authorization ? { authorization } : {},
    tls: { ca: cert },
  } as RequestInit);
}

describe("TLS and basic auth on every path", () => {
  test("the exporter serves https", () => {
    expect(exporter.url).toStartWith("https://127.0.0.1:");
  });

  for (const path of [
    "/metrics",
    "/",
    "/api/v1/summary",
    "/api/v1/status",
    "/healthz",
    "/ready",
    "/api",
    "/openapi/json",
    "/nope",
  ]) {
    test(`${path}: missing or wrong credentials are 401, right ones pass`, async () => {
      const missing = await get(path);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toStartWith('Basic realm="dora-exporter"');
      expect(await missing.text()).toBe("unauthorized\n");
      expect((await get(path, basic("prometheus", "wrong"))).status).toBe(401);
      expect((await get(path, basic("someone", PASSWORD))).status).toBe(401);
      expect((await get(path, "Bearer " + PASSWORD)).status).toBe(401);
      const right = await get(path, basic("prometheus", PASSWORD));
      expect(right.status).not.toBe(401);
      if (path === "/metrics") expect(await right.text()).toContain("dora_build_info");
      if (path === "/api") expect(await right.text()).toContain("GET /api/v1/summary");
    });
  }

  test("a method other than GET is refused only after authentication", async () => {
    const res = await fetch(exporter.url + "/metrics", { method: "POST", tls: { ca: cert } } as RequestInit);
    expect(res.status).toBe(401);
  });

  test("plain http to the TLS port gets no answer", async () => {
    const plain = exporter.url.replace("https://", "http://");
    const answered = await fetch(plain + "/metrics").then(
      (r) => r.status,
      () => null,
    );
    expect(answered === null || answered === 400).toBe(true);
  });
});

describe("bad files: one line naming the file and what is wrong", () => {
  const problem = (content: string, extra: Record<string, string> = {}): string => {
    for (const [name, text] of Object.entries(extra)) file(name, text);
    const path = file(`bad-${Bun.hash(content)}.yml`, content);
    try {
      loadWebConfig(path);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).not.toMatch(/[\r\n]/);
      expect(message).toStartWith(`DORA_WEB_CONFIG ${path}: `);
      return message.slice(`DORA_WEB_CONFIG ${path}: `.length);
    }
    throw new Error("expected a ConfigError");
  };

  test.each([
    ["basic_auth_users:\n  alice: plaintext-password\n", "basic_auth_users.alice: is not a bcrypt hash"],
    ["basic_auth_users: [alice]\n", "basic_auth_users: expected a mapping of user names to bcrypt hashes"],
    ["tls_server_config:\n  cert_file: server.crt\n", "tls_server_config.key_file"],
    [
      "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n",
      `tls_server_config.cert_file: cannot read "${dir}/nope.crt" (ENOENT)`,
    ],
    [
      "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
      'tls_server_config.cert_file: "server.key" holds no PEM certificate',
    ],
    [
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n",
      'tls_server_config.key_file: "server.crt" holds no PEM private key',
    ],
    [
      "tls_server_config:\n  cert_file: server.crt\n  key_file: " +
        "server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
      "tls_server_config.client_auth_type: client_auth_type is not supported",
    ],
    ["tls_config:\n  cert_file: x\n", "tls_config: unknown key (known: tls_server_config, basic_auth_users)"],
    ["basic_auth_users: {a: [\n", "not valid YAML"],
  ])("%p", (content, expected) => {
    expect(problem(content)).toContain(expected);
  });

  test("a certificate that is PEM-shaped but unusable: a ConfigError before anything serves", async () => {
    const path = file("garbage-tls.yml", "tls_server_config:\n  cert_file: garbage.crt\n  key_file: server.key\n");
    file("garbage.crt", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    const config = loadConfig({
      ...sim.env,
      DORA_LISTEN: "127.0.0.1:0",
      DORA_POLL_INTERVAL: "3600",
      DORA_WEB_CONFIG: path,
    });
    let caught: unknown;
    try {
      const started = await startExporter({ config, log: silentLogger });
      await started.stop();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toStartWith(
      `DORA_WEB_CONFIG ${path}: tls_server_config: cannot use the certificate and key: `,
    );
    expect((caught as Error).message).not.toMatch(/[\r\n]/);
  });

  test("a hash is never echoed", () => {
    const message = problem(`basic_auth_users:\n  alice: "${hash.slice(0, 40)}"\n`);
    expect(message).not.toContain(hash.slice(0, 40));
  });

  test("the binary exits 2 with one line", async () => {
    const path = file("binary-bad.yml", "basic_auth_users:\n  alice: plaintext\n");
    const r = await runBinary([], {
      WOODPECKER_URL: "http://127.0.0.1:9",
      WOODPECKER_TOKEN: TOKEN,
      DORA_LISTEN: "127.0.0.1:0",
      DORA_WEB_CONFIG: path,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      `dora-exporter: DORA_WEB_CONFIG ${path}: basic_auth_users.alice: is not a bcrypt hash ($2y$..., $2b$... ` +
        `or $2a$..., e.g. from htpasswd -nbB user password) (see dora-exporter --help)`,
    ]);
  });
});
