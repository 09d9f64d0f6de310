// SETTINGS (what --help and the README say) against what the loader does.
import { describe, expect, test } from "bun:test";
import { DEFAULTS, loadConfig } from "../../src/config/load.ts";
import { CONFIG_FILE_ENTRIES, ENV_SCHEMAS } from "../../src/config/schema.ts";
import { renderSettingsHelp, renderSettingsMarkdown, SETTINGS } from "../../src/config/settings.ts";
import { BASE_ENV, load } from "./support.ts";

describe("SETTINGS matches the schemas", () => {
  test("every environment variable the loader validates is documented, and nothing else", () => {
    const documented = SETTINGS.flatMap((s) => (s.env === null || s.env === "DORA_CONFIG" ? [] : [s.env])).sort();
    expect(documented).toEqual(Object.keys(ENV_SCHEMAS).sort());
  });

  test("every config-file key is documented, and nothing else", () => {
    const documented = SETTINGS.flatMap((s) => (s.key === null ? [] : [s.key])).sort();
    expect(documented).toEqual(Object.keys(CONFIG_FILE_ENTRIES).sort());
  });

  test("an env variable and its file key share one schema", () => {
    for (const s of SETTINGS) {
      if (s.env === null || s.key === null) continue;
      const entry = CONFIG_FILE_ENTRIES[s.key as keyof typeof CONFIG_FILE_ENTRIES];
      expect(entry.wrapped as unknown).toBe(ENV_SCHEMAS[s.env as keyof typeof ENV_SCHEMAS]);
    }
  });

  test("names are unique", () => {
    const envs = SETTINGS.map((s) => s.env).filter((e) => e !== null);
    const keys = SETTINGS.map((s) => s.key).filter((k) => k !== null);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("every description is one line", () => {
    for (const s of SETTINGS) expect(s.description).not.toMatch(/\n/);
  });
});

describe("documented defaults are the real ones", () => {
  test("a literal documented default, set explicitly, changes nothing", () => {
    const literal = SETTINGS.filter(
      (s) => s.env !== null && ENV_SCHEMAS[s.env as keyof typeof ENV_SCHEMAS] && !s.default.startsWith("("),
    );
    expect(literal.map((s) => s.env)).toEqual([
      "DORA_ADMIN_REPOS",
      "DORA_POLL_INTERVAL",
      "DORA_FAILURE_STATUSES",
      "DORA_LISTEN",
      "DORA_CONCURRENCY",
      "DORA_HTTP_TIMEOUT",
      "DORA_LOG_LEVEL",
    ]);
    for (const s of literal) expect(load({ [s.env!]: s.default })).toEqual(load());
  });

  test("parenthesised defaults", () => {
    const byEnv = (env: string) => SETTINGS.find((s) => s.env === env)!.default;
    expect(byEnv("WOODPECKER_URL")).toBe("(required)");
    expect(byEnv("DORA_REPOS")).toBe("(all repos)");
    expect(load().repos).toEqual([]);
    expect(byEnv("DORA_SINCE")).toBe("(all history)");
    expect(load().since).toBe(0);
  });

  test("DEFAULTS is what an unconfigured load returns", () => {
    const { woodpeckerUrl: _u, token: _t, repoRules, ...rest } = loadConfig(BASE_ENV);
    expect(rest).toEqual({ ...DEFAULTS });
    expect(repoRules).toEqual([]);
  });
});

describe("rendering", () => {
  test("--help lists every setting with its key and default, aligned", () => {
    const help = renderSettingsHelp();
    const lines = help.split("\n");
    expect(lines).toHaveLength(SETTINGS.length + 1);
    for (const s of SETTINGS) {
      const line = lines.find((l) => l.includes(s.description))!;
      expect(line).toBeDefined();
      if (s.env) expect(line).toContain(s.env);
      if (s.key) expect(line).toContain(s.key);
      expect(line).toContain(s.default);
    }
    const descriptionColumn = new Set(
      SETTINGS.map((s) => lines.find((l) => l.includes(s.description))!.indexOf(s.description)),
    );
    expect(descriptionColumn.size).toBe(1);
    for (const l of lines) expect(l).toBe(l.trimEnd());
  });

  test("the README table has one row per setting", () => {
    const md = renderSettingsMarkdown().split("\n");
    expect(md).toHaveLength(SETTINGS.length + 2);
    expect(md[2]).toBe(
      "| `WOODPECKER_URL` | `woodpecker_url` | (required) | Woodpecker server URL, http or https, may include a path prefix |",
    );
    expect(md.at(-1)).toContain("| - | `deployment_rules` |");
  });
});
