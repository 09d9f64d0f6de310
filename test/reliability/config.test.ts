// Bad configuration, end to end through the compiled binary: every setting with a bad value
// exits 2 with exactly one line on stderr naming the setting and the problem, and the token
// (recognisable) is never echoed.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "../e2e/exporter-process.ts";
import { TOKEN } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "dora-rel-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string, mode?: number): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  if (mode !== undefined) chmodSync(p, mode);
  return p;
}

function run(env: Record<string, string>) {
  ensureBinary();
  const r = Bun.spawnSync([BINARY], {
    env: { PATH: process.env.PATH ?? "", DORA_LISTEN: "127.0.0.1:0", ...env },
    timeout: 15_000,
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const OK = { WOODPECKER_URL: "http://127.0.0.1:9", WOODPECKER_TOKEN: TOKEN };

/** [what, env, the setting the line must name, a word of the problem] */
const CASES: Array<[string, Record<string, string>, string, RegExp]> = [
  ["URL that is not a URL", { ...OK, WOODPECKER_URL: "not a url" }, "WOODPECKER_URL", /not an http/],
  ["URL with another scheme", { ...OK, WOODPECKER_URL: "ftp://ci.example.com" }, "WOODPECKER_URL", /http/],
  ["zero interval", { ...OK, DORA_POLL_INTERVAL: "0" }, "DORA_POLL_INTERVAL", /\d/],
  ["negative interval", { ...OK, DORA_POLL_INTERVAL: "-5" }, "DORA_POLL_INTERVAL", /\d/],
  ["interval not a number", { ...OK, DORA_POLL_INTERVAL: "often" }, "DORA_POLL_INTERVAL", /./],
  ["zero timeout", { ...OK, DORA_HTTP_TIMEOUT: "0" }, "DORA_HTTP_TIMEOUT", /\d/],
  ["zero concurrency", { ...OK, DORA_CONCURRENCY: "0" }, "DORA_CONCURRENCY", /\d/],
  ["date that is not RFC 3339", { ...OK, DORA_SINCE: "2026-01-01" }, "DORA_SINCE", /RFC 3339/],
  ["date without a zone", { ...OK, DORA_SINCE: "2026-01-01T00:00:00" }, "DORA_SINCE", /RFC 3339/],
  ["bad glob", { ...OK, DORA_REPOS: "acme/{api" }, "DORA_REPOS", /unclosed/],
  ["repos that are only commas", { ...OK, DORA_REPOS: ",," }, "DORA_REPOS", /no repo glob/],
  [
    "a misspelt variable",
    { ...OK, DORA_POLL_INTERVALL: "30" },
    "DORA_POLL_INTERVALL",
    /did you mean DORA_POLL_INTERVAL\?/,
  ],
  ["bad failure status", { ...OK, DORA_FAILURE_STATUSES: "failure,oops" }, "DORA_FAILURE_STATUSES", /oops/],
  ["bad log level", { ...OK, DORA_LOG_LEVEL: "loud" }, "DORA_LOG_LEVEL", /loud/],
  ["bad listen address", { ...OK, DORA_LISTEN: "localhost" }, "DORA_LISTEN", /port/],
  [
    "token file missing",
    { WOODPECKER_URL: OK.WOODPECKER_URL, WOODPECKER_TOKEN_FILE: join(dir, "nope") },
    "WOODPECKER_TOKEN_FILE",
    /no such file/,
  ],
  [
    "token file is a directory",
    { WOODPECKER_URL: OK.WOODPECKER_URL, WOODPECKER_TOKEN_FILE: dir },
    "WOODPECKER_TOKEN_FILE",
    /directory/,
  ],
  [
    "config file with an unknown key",
    { ...OK, DORA_CONFIG: file("unknown.yaml", "poll_interval: 30\nfrobnicate: true\n") },
    "DORA_CONFIG",
    /frobnicate/,
  ],
  [
    "config file with a misspelt key",
    { ...OK, DORA_CONFIG: file("typo.yaml", "poll_intervall: 30\n") },
    "DORA_CONFIG",
    /poll_intervall/,
  ],
  [
    "config file that is not YAML",
    { ...OK, DORA_CONFIG: file("broken.yaml", "repos: [a, b\n") },
    "DORA_CONFIG",
    /YAML/,
  ],
  [
    "config file with a bad glob in a rule",
    {
      ...OK,
      DORA_CONFIG: file("rules.yaml", "deployment_rules:\n  - repos: 'acme/[x'\n    rules: [{ events: [push] }]\n"),
    },
    "DORA_CONFIG",
    /unclosed|\[/,
  ],
  [
    "config file holding the token, with a bad value elsewhere",
    {
      WOODPECKER_URL: OK.WOODPECKER_URL,
      DORA_CONFIG: file("tok.yaml", `woodpecker_token: ${TOKEN}\npoll_interval: -1\n`),
    },
    "poll_interval",
    /./,
  ],
];

describe("bad configuration: exit 2, one line naming the setting and the problem", () => {
  for (const [what, env, setting, problem] of CASES) {
    test(what, () => {
      const r = run(env);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const lines = r.err.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(setting);
      expect(lines[0]).toMatch(problem);
      expect(r.err).not.toContain(TOKEN);
    });
  }

  if (process.getuid?.() !== 0) {
    test("unreadable token file", () => {
      const p = file("token-600", TOKEN, 0o000);
      const r = run({ WOODPECKER_URL: OK.WOODPECKER_URL, WOODPECKER_TOKEN_FILE: p });
      expect(r.code).toBe(2);
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
      expect(r.err).toContain("WOODPECKER_TOKEN_FILE");
      expect(r.err).toMatch(/permission denied/);
      expect(r.err).not.toContain(TOKEN);
    });
  }

  test("listen address in use", async () => {
    const other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
    try {
      const r = run({ ...OK, DORA_LISTEN: `127.0.0.1:${other.port}` });
      expect(r.code).toBe(2);
      const lines = r.err.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("DORA_LISTEN");
      expect(lines[0]).toMatch(/in use/);
    } finally {
      other.stop(true);
    }
  });
});
