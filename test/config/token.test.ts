// The token: exactly one source per layer, file content trimmed, and never in any message.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { BASE_ENV, configError, expectError, load, memFs, TOKEN } from "./support.ts";

const noToken = { WOODPECKER_TOKEN: undefined };

describe("sources", () => {
  test("WOODPECKER_TOKEN, trimmed", () => {
    expect(load({ WOODPECKER_TOKEN: `  ${TOKEN}\n` }).token).toBe(TOKEN);
  });

  test("WOODPECKER_TOKEN_FILE: the file's content, trimmed", () => {
    const c = load({ ...noToken, WOODPECKER_TOKEN_FILE: "/run/secrets/token" }, { "/run/secrets/token": `${TOKEN}\n` });
    expect(c.token).toBe(TOKEN);
  });

  test("neither: the documented message", () => {
    const err = expectError(noToken, "WOODPECKER_TOKEN: not set (set WOODPECKER_TOKEN or WOODPECKER_TOKEN_FILE)");
    expect(err.setting).toBe("WOODPECKER_TOKEN");
    expect(err.message).toBe("WOODPECKER_TOKEN: not set (set WOODPECKER_TOKEN or WOODPECKER_TOKEN_FILE)");
  });

  test("empty values count as unset", () => {
    expectError({ WOODPECKER_TOKEN: "", WOODPECKER_TOKEN_FILE: "" }, "WOODPECKER_TOKEN: not set");
    expect(load({ WOODPECKER_TOKEN_FILE: "" }).token).toBe(TOKEN);
  });

  test("both in the environment: an error, and the file is not even read", () => {
    const fs = memFs({ "/t": "other" });
    const err = configError(() => loadConfig({ ...BASE_ENV, WOODPECKER_TOKEN_FILE: "/t" }, fs));
    expect(err.message).toBe("WOODPECKER_TOKEN: set only one of WOODPECKER_TOKEN and WOODPECKER_TOKEN_FILE");
    expect(fs.reads).toEqual([]);
  });

  test("unreadable token file names WOODPECKER_TOKEN_FILE and the path", () => {
    expectError(
      { ...noToken, WOODPECKER_TOKEN_FILE: "/run/secrets/missing" },
      `WOODPECKER_TOKEN_FILE: cannot read "/run/secrets/missing": no such file`,
    );
  });

  test("a value that looks like the token itself rather than a path is not echoed", () => {
    const err = expectError(
      { ...noToken, WOODPECKER_TOKEN_FILE: "eyJhbGciOiJIUzI1NiJ9.eyJ0eXBlIjoidXNlciJ9.c2ln" },
      "WOODPECKER_TOKEN_FILE: cannot read the file (name not shown: is it the token itself?): no such file",
    );
    expect(err.message).not.toContain("eyJ");
    // Short relative names are still shown.
    expectError(
      { ...noToken, WOODPECKER_TOKEN_FILE: "token.txt" },
      `WOODPECKER_TOKEN_FILE: cannot read "token.txt": no such file`,
    );
  });

  test("a directory, from the real file system", () => {
    // A directory cannot be read as a file: a real, portable read failure.
    const err = configError(() => loadConfig({ WOODPECKER_URL: "http://x", WOODPECKER_TOKEN_FILE: import.meta.dir }));
    expect(err.message).toBe(`WOODPECKER_TOKEN_FILE: cannot read ${JSON.stringify(import.meta.dir)}: is a directory`);
  });

  test.each(["", "\n", "   \n\t"])("empty token file %p", (content) => {
    expectError({ ...noToken, WOODPECKER_TOKEN_FILE: "/t" }, `WOODPECKER_TOKEN_FILE: "/t" is empty`, { "/t": content });
  });

  test("a token file with two lines is refused without showing either", () => {
    const err = expectError(
      { ...noToken, WOODPECKER_TOKEN_FILE: "/t" },
      `WOODPECKER_TOKEN_FILE: the token in "/t" must be printable ASCII`,
      {
        "/t": `${TOKEN}\nsecond-line-9876\n`,
      },
    );
    expect(err.message).not.toContain("second-line-9876");
  });

  test.each([`${TOKEN} x`, `${TOKEN}\u00e9`, `a\u0000${TOKEN}`])(
    "WOODPECKER_TOKEN %p is refused without echo",
    (token) => {
      expectError(
        { WOODPECKER_TOKEN: token },
        "WOODPECKER_TOKEN: must be printable ASCII without spaces or line breaks",
      );
    },
  );
});

describe("environment and file layers", () => {
  const file = (text: string) => ({ "/c.yaml": `woodpecker_url: https://ci.example.com\n${text}` });
  const env = { WOODPECKER_URL: undefined, WOODPECKER_TOKEN: undefined, DORA_CONFIG: "/c.yaml" };

  test("token from the file", () => {
    expect(load(env, file(`woodpecker_token: ${TOKEN}\n`)).token).toBe(TOKEN);
  });

  test("token file from the file", () => {
    expect(load(env, { ...file("woodpecker_token_file: /t\n"), "/t": TOKEN }).token).toBe(TOKEN);
  });

  test("the environment's token wins over the file's token file (which is not read)", () => {
    const fs = memFs({ ...file("woodpecker_token_file: /t\n"), "/t": "from-file" });
    expect(loadConfig({ DORA_CONFIG: "/c.yaml", WOODPECKER_TOKEN: TOKEN }, fs).token).toBe(TOKEN);
    expect(fs.reads).toEqual(["/c.yaml"]);
  });

  test("the environment's token file wins over the file's token", () => {
    const c = load(
      { ...env, WOODPECKER_TOKEN_FILE: "/t" },
      { ...file("woodpecker_token: from-file-1234\n"), "/t": TOKEN },
    );
    expect(c.token).toBe(TOKEN);
  });

  test("both in the file: an error naming the file keys", () => {
    expectError(
      env,
      "DORA_CONFIG /c.yaml: woodpecker_token: set only one of woodpecker_token and woodpecker_token_file",
      file(`woodpecker_token: ${TOKEN}\nwoodpecker_token_file: /t\n`),
    );
  });

  test("unreadable token file named in the file", () => {
    expectError(
      env,
      `DORA_CONFIG /c.yaml: woodpecker_token_file: cannot read "/t": no such file`,
      file("woodpecker_token_file: /t\n"),
    );
  });
});

describe("the token never appears in a message", () => {
  // Each case fails for some reason while the token is present somewhere: env, file, token file.
  const cases: [string, Record<string, string | undefined>, Record<string, string>][] = [
    ["bad URL, token in env", { WOODPECKER_URL: "nope" }, {}],
    ["token pasted into DORA_REPOS", { DORA_REPOS: `${TOKEN}{` }, {}],
    ["token pasted into DORA_LISTEN", { DORA_LISTEN: TOKEN }, {}],
    ["token pasted into DORA_SINCE", { DORA_SINCE: TOKEN }, {}],
    ["token pasted into DORA_LOG_LEVEL", { DORA_LOG_LEVEL: TOKEN }, {}],
    ["token pasted into WOODPECKER_URL", { WOODPECKER_URL: `https://ci.example.com/?t=${TOKEN}` }, {}],
    ["token as URL userinfo", { WOODPECKER_URL: `https://${TOKEN}@ci.example.com` }, {}],
    ["token as URL password, unparseable", { WOODPECKER_URL: `https//x:${TOKEN}@ci` }, {}],
    [
      "the token put in WOODPECKER_TOKEN_FILE",
      { WOODPECKER_TOKEN: undefined, WOODPECKER_TOKEN_FILE: `${TOKEN}-abcdefghij` },
      {},
    ],
    [
      "a JWT put in WOODPECKER_TOKEN_FILE",
      { WOODPECKER_TOKEN: undefined, WOODPECKER_TOKEN_FILE: `eyJhbGciOiJIUzI1NiJ9.${TOKEN}.sig` },
      {},
    ],
    ["token with a space", { WOODPECKER_TOKEN: `${TOKEN} ${TOKEN}` }, {}],
    ["both sources", { WOODPECKER_TOKEN_FILE: "/t" }, { "/t": TOKEN }],
    [
      "token in file, bad key",
      { WOODPECKER_TOKEN: undefined, DORA_CONFIG: "/c.yaml" },
      { "/c.yaml": `woodpecker_token: ${TOKEN}\nrepos: ["${TOKEN}["]\n` },
    ],
    [
      "token in file, YAML syntax error on its line",
      { DORA_CONFIG: "/c.yaml" },
      { "/c.yaml": `woodpecker_token: "${TOKEN}\n` },
    ],
    ["token in file, flow error", { DORA_CONFIG: "/c.yaml" }, { "/c.yaml": `woodpecker_token: {${TOKEN}\n` }],
    ["token as an alias", { DORA_CONFIG: "/c.yaml" }, { "/c.yaml": `woodpecker_token: *${TOKEN}\n` }],
    ["token in file, JSON syntax error", { DORA_CONFIG: "/c.json" }, { "/c.json": `{"woodpecker_token": ${TOKEN}}` }],
    ["token in file, JSON bad string", { DORA_CONFIG: "/c.json" }, { "/c.json": `{"woodpecker_token": "${TOKEN}\n"}` }],
    ["token as a key", { DORA_CONFIG: "/c.yaml" }, { "/c.yaml": `${TOKEN}: 1\n` }],
    [
      "token file content in a later error",
      { WOODPECKER_TOKEN: undefined, WOODPECKER_TOKEN_FILE: "/t", DORA_POLL_INTERVAL: TOKEN },
      { "/t": TOKEN },
    ],
  ];

  test.each(cases)("%s", (_name, env, files) => {
    // configError asserts one line and no token.
    const err = configError(() => load(env, files));
    expect(err.message).not.toContain(TOKEN.slice(0, 8));
  });

  test("a token-looking value in an unrelated setting is still shown when it is not the token", () => {
    expectError({ DORA_LISTEN: "other-value-123" }, `"other-value-123" has no port`);
  });
});
