// Environment over file over default, setting by setting; and what a file value may look like.
import { describe, expect, test } from "bun:test";
import { expectError, load } from "./support.ts";

const FILE = "/etc/dora.yaml";
const withFile = (text: string, env: Record<string, string | undefined> = {}) =>
  load({ DORA_CONFIG: FILE, ...env }, { [FILE]: text });

describe("the environment wins over the file", () => {
  // [file key and YAML value, env name and value, Config field, expected from file, expected from env]
  const cases = [
    [
      "woodpecker_url: https://file.example.com",
      "WOODPECKER_URL",
      "https://env.example.com/",
      "woodpeckerUrl",
      "https://file.example.com",
      "https://env.example.com",
    ],
    ["repos: [file/*]", "DORA_REPOS", "env/*", "repos", ["file/*"], ["env/*"]],
    ["admin_repos: true", "DORA_ADMIN_REPOS", "false", "adminRepos", true, false],
    ["since: 2026-01-01T00:00:00Z", "DORA_SINCE", "2026-01-02T00:00:00Z", "since", 1767225600, 1767312000],
    ["poll_interval: 120", "DORA_POLL_INTERVAL", "30", "pollInterval", 120, 30],
    ["failure_statuses: [killed]", "DORA_FAILURE_STATUSES", "error", "failureStatuses", ["killed"], ["error"]],
    [
      "listen: 127.0.0.1:9000",
      "DORA_LISTEN",
      ":9001",
      "listen",
      { host: "127.0.0.1", port: 9000 },
      { host: "0.0.0.0", port: 9001 },
    ],
    ["concurrency: 2", "DORA_CONCURRENCY", "3", "concurrency", 2, 3],
    ["http_timeout: 10", "DORA_HTTP_TIMEOUT", "20", "httpTimeout", 10, 20],
    ["state_file: /var/lib/dora/a.db", "DORA_STATE_FILE", "/tmp/b.db", "stateFile", "/var/lib/dora/a.db", "/tmp/b.db"],
    ["log_level: warn", "DORA_LOG_LEVEL", "error", "logLevel", "warn", "error"],
  ] as const;

  test.each(cases)("%s vs %s", (yaml, envName, envValue, field, fromFile, fromEnv) => {
    // BASE_ENV sets WOODPECKER_URL; unset it where the file's URL is the point.
    const unset = envName === "WOODPECKER_URL" ? { WOODPECKER_URL: undefined } : {};
    expect(withFile(yaml + "\n", unset)[field]).toEqual(fromFile as never);
    expect(withFile(yaml + "\n", { [envName]: envValue })[field]).toEqual(fromEnv as never);
    // An empty environment value does not override the file.
    expect(withFile(yaml + "\n", { [envName]: "" })[field]).toEqual(fromFile as never);
  });

  test("each setting comes from its own layer", () => {
    const c = withFile("poll_interval: 120\nconcurrency: 2\n", { DORA_POLL_INTERVAL: "30" });
    expect([c.pollInterval, c.concurrency, c.httpTimeout]).toEqual([30, 2, 30]);
  });

  test("the file is validated as a whole, even a value the environment overrides", () => {
    expectError(
      { DORA_CONFIG: FILE, DORA_POLL_INTERVAL: "30" },
      "DORA_CONFIG /etc/dora.yaml: poll_interval: 0 is not an integer",
      { [FILE]: "poll_interval: 0\n" },
    );
  });
});

describe("file values", () => {
  test("an empty file, or only comments, sets nothing", () => {
    expect(withFile("")).toEqual(load());
    expect(withFile("# nothing yet\n")).toEqual(load());
  });

  test("an empty key (YAML null) means not set", () => {
    expect(withFile("since:\nrepos:\npoll_interval: ~\ndeployment_rules:\n")).toEqual(load());
  });

  test("strings where numbers and booleans are expected use the environment's spellings", () => {
    const c = withFile('poll_interval: "90"\nconcurrency: " 5 "\nadmin_repos: "yes"\nhttp_timeout: "12"\n');
    expect([c.pollInterval, c.concurrency, c.adminRepos, c.httpTimeout]).toEqual([90, 5, true, 12]);
  });

  test("native booleans and 0/1", () => {
    expect(withFile("admin_repos: true\n").adminRepos).toBe(true);
    expect(withFile("admin_repos: 1\n").adminRepos).toBe(true);
    expect(withFile("admin_repos: 0\n").adminRepos).toBe(false);
  });

  test("lists as YAML lists or comma strings", () => {
    expect(withFile("repos: a/*, !a/b\n").repos).toEqual(["a/*", "!a/b"]);
    expect(withFile("repos: 'a/{x,y}'\n").repos).toEqual(["a/{x,y}"]);
    expect(withFile("failure_statuses: failure, killed\n").failureStatuses).toEqual(["failure", "killed"]);
    expect(withFile("repos: []\n").repos).toEqual([]);
  });

  test("an empty item in a file list is an error, not silently dropped", () => {
    expectError({ DORA_CONFIG: FILE }, `DORA_CONFIG /etc/dora.yaml: repos[1]: "" is not a valid glob: empty pattern`, {
      [FILE]: 'repos: [a/*, ""]\n',
    });
  });

  test("a YAML-looking type in the wrong place", () => {
    expectError({ DORA_CONFIG: FILE }, "DORA_CONFIG /etc/dora.yaml: log_level: a list is not a log level", {
      [FILE]: "log_level: [info]\n",
    });
    expectError({ DORA_CONFIG: FILE }, "DORA_CONFIG /etc/dora.yaml: poll_interval: true is not an integer", {
      [FILE]: "poll_interval: true\n",
    });
    expectError({ DORA_CONFIG: FILE }, "DORA_CONFIG /etc/dora.yaml: poll_interval: Infinity is not an integer", {
      [FILE]: "poll_interval: .inf\n",
    });
  });

  test("odd keys are shown quoted", () => {
    expectError({ DORA_CONFIG: FILE }, `DORA_CONFIG /etc/dora.yaml: ["poll interval"]: unknown key`, {
      [FILE]: "poll interval: 5\n",
    });
  });

  test("a path with a newline still gives a one-line message", () => {
    const path = "/etc/dora\n.yaml";
    expectError({ DORA_CONFIG: path }, "DORA_CONFIG /etc/dora .yaml: cannot read");
  });
});
