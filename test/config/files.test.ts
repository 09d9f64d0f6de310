// The DORA_CONFIG file, read from disk with the default file system: every file in
// testdata/config/good loads to the expected Config, every file in testdata/config/bad fails with
// the message its first line (`# error: <text>`; PATH stands for the file's path) announces.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load.ts";
import { configError, TESTDATA, TOKEN } from "./support.ts";

const GOOD = join(TESTDATA, "good");
const BAD = join(TESTDATA, "bad");

const defaults = {
  repos: [],
  adminRepos: false,
  since: 0,
  pollInterval: 60,
  failureStatuses: ["failure", "error"],
  listen: { host: "0.0.0.0", port: 9798 },
  webConfig: null,
  concurrency: 4,
  shard: null,
  httpTimeout: 30,
  stateFile: null,
  memoryLimit: null,
  logLevel: "info",
  repoRules: [],
  reworkRules: [],
  repoLabels: [],
  argocdUrl: null,
  argocdToken: null,
  argocdApps: [],
  argocdSelector: null,
  argocdDegradedWindow: 3600,
  argocdAppBlocks: [],
} as const;

const argoOff = {
  argocdUrl: null,
  argocdToken: null,
  argocdApps: [],
  argocdSelector: null,
  argocdDegradedWindow: 3600,
  argocdAppBlocks: [],
} as const;

const expectedGood: Record<string, Config> = {
  "minimal.yaml": { ...defaults, woodpeckerUrl: "https://ci.example.com", token: TOKEN },
  "full.yaml": {
    woodpeckerUrl: "https://example.com/woodpecker",
    token: TOKEN,
    repos: ["acme/*", "!acme/legacy-*", "tools/{cli,web}"],
    adminRepos: true,
    since: 1767225600,
    pollInterval: 300,
    failureStatuses: ["failure", "error", "killed"],
    listen: { host: "::", port: 9100 },
    webConfig: null,
    concurrency: 8,
    shard: { index: 1, count: 3 },
    httpTimeout: 45,
    stateFile: null,
    memoryLimit: 512 * 2 ** 20,
    logLevel: "debug",
    repoRules: [{ repos: "acme/*", rules: [{ events: ["deployment"], deployTo: "prod*", target: "production" }] }],
    reworkRules: [],
    repoLabels: [],
    argocdUrl: "https://argocd.example.com",
    argocdToken: 'argo-t0ken-"quoted"\\x',
    argocdApps: ["shop/*", "!shop/legacy-*"],
    argocdSelector: "team=shop,tier!=test",
    argocdDegradedWindow: 1800,
    argocdAppBlocks: [
      { apps: "shop/api-*", repo: "acme/shop-api", deployTo: "production" },
      { apps: "*/web", deployTo: "web" },
    ],
  },
  "full.json": {
    woodpeckerUrl: "http://woodpecker.internal:8000",
    token: TOKEN,
    repos: ["acme/*", "!acme/legacy-*"],
    adminRepos: false,
    since: 1751328000, // 2025-07-01T00:00:00Z
    pollInterval: 30,
    failureStatuses: ["failure"],
    listen: { host: "0.0.0.0", port: 9798 },
    webConfig: null,
    concurrency: 1,
    shard: null,
    httpTimeout: 600,
    stateFile: null,
    memoryLimit: 1e9,
    logLevel: "warn",
    repoRules: [{ repos: "acme/api", rules: [{ events: ["tag"], branch: "v*", target: "production" }] }],
    reworkRules: [],
    repoLabels: [],
    ...argoOff,
  },
  "rules.yaml": {
    ...defaults,
    woodpeckerUrl: "https://ci.example.com",
    token: TOKEN,
    repoRules: [
      {
        repos: "acme/{api,web}",
        rules: [
          { events: ["deployment"], deployTo: "staging*", target: "staging" },
          { events: ["deployment"], deployTo: "prod*", target: "production" },
          { events: ["deployment"], deployTo: "", exclude: true },
        ],
      },
      {
        repos: "acme/*",
        rules: [
          { events: ["tag", "release"], target: "production" },
          { events: ["push"], branch: "$default_branch", target: "staging" },
          { events: ["push", "manual"], branch: "{hotfix,release}/*" },
        ],
      },
      { repos: "acme-libs/*", rules: [{ exclude: true }] },
    ],
  },
  "rework-groups.yaml": {
    ...defaults,
    woodpeckerUrl: "https://ci.example.com",
    token: TOKEN,
    reworkRules: [
      { branch: "release/*" },
      { message: /^perf\(db\)/ },
      { branch: "main", message: /\[emergency\]|incident #\d+/ },
    ],
    repoLabels: [
      { repos: "acme/payments-*", labels: { team: "payments", system: "checkout" } },
      { repos: "acme/*", labels: { team: "shop" } },
      { repos: "tools/*", labels: { team: "platform" } },
    ],
  },
};

describe("good config files", () => {
  const files = readdirSync(GOOD).sort();

  test("the folder holds the files this test expects", () => {
    expect(files).toEqual(Object.keys(expectedGood).sort());
  });

  test.each(files)("%s", (name) => {
    expect(loadConfig({ DORA_CONFIG: join(GOOD, name) })).toEqual(expectedGood[name]!);
  });

  test("a JSON file is read as JSON, a YAML one as YAML", () => {
    // full.json is also valid YAML, so prove the choice with a JSON-only failure.
    const fs = { readFile: () => "poll_interval: 5\n" };
    expect(() =>
      loadConfig({ DORA_CONFIG: "/x.json", WOODPECKER_URL: "http://x", WOODPECKER_TOKEN: TOKEN }, fs),
    ).toThrow("DORA_CONFIG /x.json: not valid JSON");
    expect(
      loadConfig({ DORA_CONFIG: "/x.yml", WOODPECKER_URL: "http://x", WOODPECKER_TOKEN: TOKEN }, fs).pollInterval,
    ).toBe(5);
    expect(
      loadConfig(
        { DORA_CONFIG: "/x.JSON", WOODPECKER_URL: "http://x", WOODPECKER_TOKEN: TOKEN },
        { readFile: () => '{"poll_interval": 7}' },
      ).pollInterval,
    ).toBe(7);
  });
});

describe("bad config files", () => {
  const files = readdirSync(BAD)
    .filter((f) => f.endsWith(".yaml"))
    .sort();

  test("there are bad files to check", () => {
    expect(files.length).toBeGreaterThan(40);
  });

  test.each(files)("%s", (name) => {
    const path = join(BAD, name);
    const first = readFileSync(path, "utf8").split("\n", 1)[0]!;
    const announced = /^# error: (.+)$/.exec(first);
    if (!announced) throw new Error(`${name}: first line must be "# error: <expected message substring>"`);
    const expected = announced[1]!.replaceAll("PATH", path);

    const err = configError(() => loadConfig({ DORA_CONFIG: path }));
    expect(err.message).toContain(expected);
    // Every problem in a file is reported as the file's, with the path.
    expect(err.message.startsWith(`DORA_CONFIG ${path}: `)).toBe(true);
    // One line, no token (configError checks); no URL password either.
    expect(err.message).not.toContain("hunter22");
  });
});
