// settingSource: which setting a value was taken from, as messages name it, so that a problem
// found later (a token the server rejects) points at the setting the operator actually used.
import { describe, expect, test } from "bun:test";
import { settingSource } from "../../src/config/load.ts";
import { load, TOKEN } from "./support.ts";

describe("settingSource", () => {
  test("the token: each of its four settings, environment over file", () => {
    const file = "/etc/dora/config.yaml";
    const cases: [Record<string, string | undefined>, Record<string, string>, string][] = [
      [{}, {}, "WOODPECKER_TOKEN"],
      [
        { WOODPECKER_TOKEN: undefined, WOODPECKER_TOKEN_FILE: "/run/token" },
        { "/run/token": TOKEN },
        "WOODPECKER_TOKEN_FILE",
      ],
      [
        { WOODPECKER_TOKEN: undefined, DORA_CONFIG: file },
        { [file]: `woodpecker_token: ${TOKEN}\n` },
        `DORA_CONFIG ${file}: woodpecker_token`,
      ],
      [
        { WOODPECKER_TOKEN: undefined, DORA_CONFIG: file },
        { [file]: "woodpecker_token_file: /run/token\n", "/run/token": TOKEN },
        `DORA_CONFIG ${file}: woodpecker_token_file`,
      ],
      [
        { WOODPECKER_TOKEN: undefined, WOODPECKER_TOKEN_FILE: "/run/token", DORA_CONFIG: file },
        { [file]: `woodpecker_token: other-token-value\n`, "/run/token": TOKEN },
        "WOODPECKER_TOKEN_FILE",
      ],
    ];
    for (const [env, files, source] of cases) {
      const config = load(env, files);
      expect(config.token).toBe(TOKEN);
      expect(settingSource(config, "token")).toBe(source);
    }
  });

  test("other settings: the variable or the file key; a default has none", () => {
    const file = "/etc/dora/config.yaml";
    const config = load({ DORA_POLL_INTERVAL: "30", DORA_CONFIG: file }, { [file]: "concurrency: 2\n" });
    expect(settingSource(config, "pollInterval")).toBe("DORA_POLL_INTERVAL");
    expect(settingSource(config, "concurrency")).toBe(`DORA_CONFIG ${file}: concurrency`);
    expect(settingSource(config, "httpTimeout")).toBeUndefined();
    expect(settingSource({ ...config }, "token")).toBeUndefined();
  });
});
