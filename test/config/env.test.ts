// Every environment setting, with good and bad values. Messages are `SETTING: problem`.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { load, expectError, TOKEN } from "./support.ts";

describe("defaults", () => {
  test("only URL and token set: everything else at its documented default", () => {
    expect(load()).toEqual({
      woodpeckerUrl: "https://ci.example.com",
      token: TOKEN,
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
    });
  });

  test("empty and blank variables count as unset", () => {
    const blank = {
      DORA_REPOS: "",
      DORA_SINCE: "  ",
      DORA_POLL_INTERVAL: "",
      DORA_LISTEN: "",
      DORA_LOG_LEVEL: "",
      DORA_CONFIG: "",
    };
    expect(load(blank)).toEqual(load());
  });

  test("the config is frozen", () => {
    const c = load({ DORA_REPOS: "a/*" });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.repos)).toBe(true);
    expect(Object.isFrozen(c.listen)).toBe(true);
  });
});

describe("WOODPECKER_URL", () => {
  test.each([
    ["https://ci.example.com", "https://ci.example.com"],
    ["https://ci.example.com/", "https://ci.example.com"],
    ["http://ci.example.com:8000//", "http://ci.example.com:8000"],
    ["https://example.com/woodpecker/", "https://example.com/woodpecker"],
    ["HTTPS://CI.Example.com/ci", "https://ci.example.com/ci"],
    ["https://ci.example.com:443", "https://ci.example.com"],
    ["http://127.0.0.1:8000", "http://127.0.0.1:8000"],
    ["http://[::1]:8000/", "http://[::1]:8000"],
    ["  https://ci.example.com  ", "https://ci.example.com"],
  ])("%p -> %p", (raw, expected) => {
    expect(load({ WOODPECKER_URL: raw }).woodpeckerUrl).toBe(expected);
  });

  test.each([
    ["ci.example.com", `WOODPECKER_URL: "ci.example.com" is not an http:// or https:// URL`],
    ["not a url", "is not an http:// or https:// URL"],
    ["localhost:8000", "is not an http:// or https:// URL"],
    ["ftp://ci.example.com", "is not an http:// or https:// URL"],
    ["file:///etc/passwd", "is not an http:// or https:// URL"],
    ["https://ci.example.com/?x=1", "must not contain a query string"],
    ["https://ci.example.com/?", "must not contain a query string"],
    ["https://ci.example.com/#top", "must not contain a fragment"],
    ["https://user:pw@ci.example.com", "WOODPECKER_URL: must not contain credentials"],
    ["https://user@ci.example.com", "must not contain credentials"],
    ["https://ci.example.com:99999", "is not a valid URL"],
    ["https://", "is not a valid URL"],
  ])("%p is refused: %p", (raw, expected) => {
    expectError({ WOODPECKER_URL: raw }, expected);
  });

  test("credentials in the URL are not echoed", () => {
    const err = expectError({ WOODPECKER_URL: "https://admin:hunter22@ci.example.com" }, "credentials");
    expect(err.message).not.toContain("hunter22");
  });

  test("required", () => {
    expectError({ WOODPECKER_URL: undefined }, "WOODPECKER_URL: not set");
    expectError({ WOODPECKER_URL: "" }, "WOODPECKER_URL: not set");
  });
});

describe("DORA_REPOS", () => {
  test.each([
    ["acme/*", ["acme/*"]],
    ["acme/*,!acme/legacy-*", ["acme/*", "!acme/legacy-*"]],
    [" acme/api , acme/{web,app} ,", ["acme/api", "acme/{web,app}"]],
    ["*", ["*"]],
    ["acme/{api,web},!acme/[a,b]x,acme/x\\,y", ["acme/{api,web}", "!acme/[a,b]x", "acme/x\\,y"]],
  ])("%p", (raw, expected) => {
    expect(load({ DORA_REPOS: raw }).repos).toEqual(expected);
  });

  test.each([
    ["acme/{api", `DORA_REPOS: "acme/{api" is not a valid glob: unclosed '{'`],
    ["acme/*,!acme/[old", `DORA_REPOS: "!acme/[old" is not a valid glob: unclosed '['`],
    ["acme/}", `"acme/}" is not a valid glob: unmatched '}'`],
    ["!", `"!" is not a valid glob: empty pattern`],
    ["acme\\", `"acme\\\\" is not a valid glob: trailing '\\'`],
  ])("%p is refused", (raw, expected) => {
    expectError({ DORA_REPOS: raw }, expected);
  });
});

describe("DORA_ADMIN_REPOS", () => {
  test.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["yes", true],
    ["Yes", true],
    ["false", false],
    ["0", false],
    ["no", false],
  ])("%p -> %p", (raw, expected) => {
    expect(load({ DORA_ADMIN_REPOS: raw }).adminRepos).toBe(expected);
  });

  test.each(["maybe", "on", "2", "y"])("%p is refused", (raw) => {
    expectError({ DORA_ADMIN_REPOS: raw }, `DORA_ADMIN_REPOS: "${raw}" is not a boolean`);
  });
});

describe("DORA_SINCE", () => {
  test.each([
    ["2026-01-01T00:00:00Z", 1767225600],
    ["2026-01-01t00:00:00z", 1767225600],
    ["2026-01-01T02:00:00+02:00", 1767225600],
    ["2025-12-31T19:30:00-04:30", 1767225600],
    ["2026-01-01T00:00:00.000Z", 1767225600],
    ["2026-01-01T00:00:00.25Z", 1767225601],
    ["2024-02-29T12:00:00Z", 1709208000],
    ["1970-01-01T00:00:00Z", 0],
    ["2016-12-31T23:59:60Z", 1483228800],
  ])("%p -> %p", (raw, expected) => {
    expect(load({ DORA_SINCE: raw }).since).toBe(expected);
  });

  test.each([
    ["2026-01-01", "is not an RFC 3339 time"],
    ["2026-01-01 00:00:00Z", "is not an RFC 3339 time"],
    ["2026-01-01T00:00:00", "is not an RFC 3339 time"],
    ["2026-01-01T00:00Z", "is not an RFC 3339 time"],
    ["01/02/2026", "is not an RFC 3339 time"],
    ["1767225600", "is not an RFC 3339 time"],
    ["2026-1-1T00:00:00Z", "is not an RFC 3339 time"],
    ["2026-01-01T00:00:00+0200", "is not an RFC 3339 time"],
    ["yesterday", "is not an RFC 3339 time"],
    ["2026-02-30T00:00:00Z", "is not a real date and time"],
    ["2025-02-29T00:00:00Z", "is not a real date and time"],
    ["1900-02-29T00:00:00Z", "is not a real date and time"],
    ["2026-13-01T00:00:00Z", "is not a real date and time"],
    ["2026-00-10T00:00:00Z", "is not a real date and time"],
    ["2026-04-31T00:00:00Z", "is not a real date and time"],
    ["2026-01-01T24:00:00Z", "is not a real date and time"],
    ["2026-01-01T00:60:00Z", "is not a real date and time"],
    ["2026-01-01T00:00:61Z", "is not a real date and time"],
    ["2026-01-01T00:00:00+24:00", "is not a real date and time"],
    ["1969-12-31T23:59:59Z", "is before 1970-01-01T00:00:00Z"],
  ])("%p is refused", (raw, expected) => {
    expectError({ DORA_SINCE: raw }, `DORA_SINCE: "${raw}" ${expected}`);
  });
});

describe.each([
  ["DORA_POLL_INTERVAL", "pollInterval", 1, 86400],
  ["DORA_CONCURRENCY", "concurrency", 1, 64],
  ["DORA_HTTP_TIMEOUT", "httpTimeout", 1, 600],
] as const)("%s", (name, field, min, max) => {
  test.each([String(min), String(max), "7", " 7 ", "007"])("%p is accepted", (raw) => {
    expect(load({ [name]: raw })[field]).toBe(Number(raw));
  });

  test.each([
    [String(min - 1), `${min - 1} is not an integer from ${min} to ${max}`],
    [String(max + 1), `${max + 1} is not an integer from ${min} to ${max}`],
    ["-5", `"-5" is not an integer`],
    ["1.5", `"1.5" is not an integer`],
    ["1e3", `"1e3" is not an integer`],
    ["60s", `"60s" is not an integer`],
    ["+5", `"+5" is not an integer`],
    ["0x10", `"0x10" is not an integer`],
    ["sixty", `"sixty" is not an integer`],
    ["99999999999999999999", `"99999999999999999999" is not an integer`],
  ])("%p is refused", (raw, expected) => {
    expectError({ [name]: raw }, `${name}: ${expected}`);
  });
});

describe("DORA_SHARD", () => {
  test.each([
    ["0/1", { index: 0, count: 1 }],
    ["0/2", { index: 0, count: 2 }],
    ["1/2", { index: 1, count: 2 }],
    [" 2 / 3 ", { index: 2, count: 3 }],
    ["1023/1024", { index: 1023, count: 1024 }],
  ])("%p is accepted", (raw, expected) => {
    const c = load({ DORA_SHARD: raw });
    expect(c.shard).toEqual(expected);
    expect(Object.isFrozen(c.shard)).toBe(true);
  });

  test.each([
    ["0/0", `"0/0": n must be from 1 to 1024`],
    ["3/2", `"3/2": k must be from 0 to 1 (shards are counted from 0)`],
    ["2/2", `"2/2": k must be from 0 to 1`],
    ["1/1025", `"1/1025": n must be from 1 to 1024`],
    ["abc", `"abc" is not k/n`],
    ["1", `"1" is not k/n`],
    ["-1/2", `"-1/2" is not k/n`],
    ["1/2/3", `"1/2/3" is not k/n`],
    ["1.5/2", `"1.5/2" is not k/n`],
    ["a/b", `"a/b" is not k/n`],
  ])("%p is refused", (raw, expected) => {
    expectError({ DORA_SHARD: raw }, `DORA_SHARD: ${expected}`);
  });
});

describe("DORA_FAILURE_STATUSES", () => {
  test.each([
    ["failure", ["failure"]],
    ["failure,error,killed", ["failure", "error", "killed"]],
    [" failure , error ", ["failure", "error"]],
    ["failure,failure,error", ["failure", "error"]],
    [
      "failure,error,killed,canceled,declined,skipped",
      ["failure", "error", "killed", "canceled", "declined", "skipped"],
    ],
  ])("%p", (raw, expected) => {
    expect(load({ DORA_FAILURE_STATUSES: raw }).failureStatuses).toEqual(expected);
  });

  test.each([
    ["success", `DORA_FAILURE_STATUSES: "success" cannot be a failure status`],
    ["failure,success", `"success" cannot be a failure status`],
    ["failed", `"failed" is not a terminal Woodpecker status other than success`],
    ["running", `"running" is not a terminal Woodpecker status`],
    ["pending", `"pending" is not a terminal Woodpecker status`],
    ["Failure", `"Failure" is not a terminal Woodpecker status`],
    [",", "must name at least one status"],
  ])("%p is refused", (raw, expected) => {
    expectError({ DORA_FAILURE_STATUSES: raw }, expected);
  });
});

describe("DORA_LISTEN", () => {
  test.each([
    ["0.0.0.0:9798", { host: "0.0.0.0", port: 9798 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    [":8080", { host: "0.0.0.0", port: 8080 }],
    ["localhost:65535", { host: "localhost", port: 65535 }],
    ["metrics.internal.example.com:80", { host: "metrics.internal.example.com", port: 80 }],
    ["[::]:9798", { host: "::", port: 9798 }],
    ["[::1]:9798", { host: "::1", port: 9798 }],
    ["[2001:db8::1]:9798", { host: "2001:db8::1", port: 9798 }],
  ])("%p", (raw, expected) => {
    expect(load({ DORA_LISTEN: raw }).listen).toEqual(expected);
  });

  test.each([
    ["9798", "has no port"],
    ["localhost", "has no port"],
    ["localhost:", `port "" is not an integer from 0 to 65535`],
    [":65536", `port "65536" is not an integer from 0 to 65535`],
    [":-1", `port "-1" is not an integer`],
    [":http", `port "http" is not an integer`],
    [":80.5", `port "80.5" is not an integer`],
    ["::1:9798", "an IPv6 address needs brackets"],
    ["[::1]9798", "has no port"],
    ["[::1:9798", "has an unclosed '['"],
    ["[nope]:9798", `"nope" is not an IPv6 address`],
    ["256.0.0.1:80", `"256.0.0.1" is not an IPv4 address or host name`],
    ["bad_host:80", `"bad_host" is not an IPv4 address or host name`],
    ["http://0.0.0.0:80", "is not an address; no scheme or path"],
  ])("%p is refused", (raw, expected) => {
    expectError({ DORA_LISTEN: raw }, `DORA_LISTEN: "${raw}"`);
    expectError({ DORA_LISTEN: raw }, expected);
  });
});

describe("DORA_LOG_LEVEL", () => {
  test.each(["debug", "info", "warn", "error"] as const)("%p", (level) => {
    expect(load({ DORA_LOG_LEVEL: level }).logLevel).toBe(level);
  });

  test.each(["verbose", "warning", "INFO", "trace"])("%p is refused", (raw) => {
    expectError({ DORA_LOG_LEVEL: raw }, `DORA_LOG_LEVEL: "${raw}" is not a log level (debug, info, warn, error)`);
  });
});

describe("DORA_CONFIG", () => {
  test("unreadable file names DORA_CONFIG and the path", () => {
    expectError(
      { DORA_CONFIG: "/etc/dora/missing.yaml" },
      "DORA_CONFIG /etc/dora/missing.yaml: cannot read: no such file",
    );
  });

  test("a directory, or a permission problem", () => {
    const fs = (code: string) => ({
      readFile(): string {
        throw Object.assign(new Error("boom"), { code });
      },
    });
    expect(() => loadConfig({ DORA_CONFIG: "/d" }, fs("EISDIR"))).toThrow(
      "DORA_CONFIG /d: cannot read: is a directory",
    );
    expect(() => loadConfig({ DORA_CONFIG: "/d" }, fs("EACCES"))).toThrow(
      "DORA_CONFIG /d: cannot read: permission denied",
    );
  });
});

test("the first bad setting wins, and the file is checked before the environment", () => {
  expectError({ DORA_POLL_INTERVAL: "0", DORA_LISTEN: "nope" }, "DORA_POLL_INTERVAL");
  expectError({ DORA_POLL_INTERVAL: "0", DORA_CONFIG: "/c.yaml" }, "DORA_CONFIG /c.yaml: listen", {
    "/c.yaml": "listen: nope\n",
  });
});

describe("no silent mistakes (issue 13)", () => {
  test.each([
    ["DORA_POLL_INTERVALL", "DORA_POLL_INTERVALL: unknown setting (did you mean DORA_POLL_INTERVAL?)"],
    ["DORA_REPO", "DORA_REPO: unknown setting (did you mean DORA_REPOS?)"],
    ["WOODPECKER_TOKENFILE", "WOODPECKER_TOKENFILE: unknown setting (did you mean WOODPECKER_TOKEN_FILE?)"],
    ["DORA_SINSE", "DORA_SINSE: unknown setting (did you mean DORA_SINCE?)"],
    ["DORA_FROBNICATE", "DORA_FROBNICATE: unknown setting; no setting has this name"],
    ["ARGOCD_SERVR", "ARGOCD_SERVR: unknown setting"],
  ])("an unknown %s is refused with a suggestion", (name, expected) => {
    const err = expectError({ [name]: TOKEN }, expected);
    expect(err.setting).toBe(name);
  });

  test("an unknown variable that is empty counts as unset; other prefixes are not ours", () => {
    expect(load({ DORA_POLL_INTERVALL: "", CI_DORA_X: "1", DORAX: "1" })).toEqual(load());
  });

  test.each([",,", " , ", ","])("DORA_REPOS=%p names no repo and is refused", (raw) => {
    expectError({ DORA_REPOS: raw }, "DORA_REPOS: lists no repo glob");
  });

  test('an empty list in the file is still "every repo"', () => {
    expect(load({ DORA_CONFIG: "/c.yaml" }, { "/c.yaml": "repos: []\n" }).repos).toEqual([]);
  });
});

describe("DORA_MEMORY_LIMIT", () => {
  test.each([
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    [" 1.5Gi ", 1.5 * 2 ** 30],
    ["600M", 600e6],
    ["512MiB", 512 * 2 ** 20],
    ["536870912", 536870912],
  ])("%p is %p bytes", (raw, bytes) => {
    expect(load({ DORA_MEMORY_LIMIT: raw }).memoryLimit).toBe(bytes);
  });

  test.each([
    ["512 megabytes", "is not a size in bytes (e.g. 512Mi, 1Gi, 600M or 536870912)"],
    ["-1Gi", "is not a size in bytes"],
    ["512mi", "is not a size in bytes"],
    ["1000", "is less than 1Mi"],
    ["99999999999Ti", "is too large"],
  ])("%p is refused", (raw, problem) => {
    expectError({ DORA_MEMORY_LIMIT: raw }, `DORA_MEMORY_LIMIT: ${JSON.stringify(raw.trim())} ${problem}`);
  });
});
