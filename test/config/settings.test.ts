// The settings table (settings.ts): what --help and the README say against what the loader does.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import {
  documentedSettings,
  redactedConfig,
  renderSettingsHelp,
  renderSettingsMarkdown,
  ROWS,
  secretsOf,
} from "../../src/config/settings.ts";
import { BASE_ENV, load, TOKEN } from "./support.ts";

describe("the table", () => {
  test("names are unique", () => {
    const docs = documentedSettings();
    const envs = docs.map((s) => s.env).filter((e) => e !== null);
    const keys = docs.map((s) => s.key).filter((k) => k !== null);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("every description is one line", () => {
    for (const s of documentedSettings()) expect(s.description).not.toMatch(/\n/);
  });
});

describe("documented defaults are the real ones", () => {
  test("a literal documented default, set explicitly, changes nothing", () => {
    const literal = documentedSettings().filter((s) => s.env !== "DORA_CONFIG" && !s.default.startsWith("("));
    expect(literal.map((s) => s.env)).toEqual([
      "DORA_ADMIN_REPOS",
      "DORA_POLL_INTERVAL",
      "DORA_FAILURE_STATUSES",
      "DORA_LISTEN",
      "DORA_CONCURRENCY",
      "DORA_HTTP_TIMEOUT",
      "DORA_LOG_LEVEL",
      "ARGOCD_DEGRADED_WINDOW",
    ]);
    for (const s of literal) expect(load({ [s.env!]: s.default })).toEqual(load());
  });

  test("parenthesised defaults", () => {
    const byEnv = (env: string) => documentedSettings().find((s) => s.env === env)!.default;
    expect(byEnv("WOODPECKER_URL")).toBe("(required)");
    expect(byEnv("DORA_REPOS")).toBe("(all repos)");
    expect(load().repos).toEqual([]);
    expect(byEnv("DORA_SINCE")).toBe("(all history)");
    expect(load().since).toBe(0);
    expect(byEnv("DORA_SHARD")).toBe("(all repos)");
    expect(load().shard).toBeNull();
  });

  test("an unconfigured load has one field per row, at the table's defaults", () => {
    const { woodpeckerUrl: _u, token: _t, argocdToken, ...rest } = loadConfig(BASE_ENV);
    expect(argocdToken).toBeNull(); // an optional token row: unset while ArgoCD is off
    const defaults = Object.fromEntries(
      ROWS.flatMap(([field, row]) =>
        row.kind === "value" && "value" in row.default ? [[field, row.default.value]] : [],
      ),
    );
    expect(rest).toEqual(defaults as never);
    expect(Object.keys(loadConfig(BASE_ENV))).toEqual(ROWS.filter(([, r]) => r.kind !== "source").map(([f]) => f));
  });
});

describe("secrets", () => {
  test("the token is the config's secret, and printing the config redacts it", () => {
    const config = load();
    expect(secretsOf(config)).toEqual([TOKEN]);
    const printed = JSON.stringify(redactedConfig(config));
    expect(printed).not.toContain(TOKEN);
    expect(printed).toContain('"token":"<redacted>"');
    expect(printed).toContain('"woodpeckerUrl":"https://ci.example.com"');
  });

  test("the ArgoCD token, quotes and backslashes included, is a secret too", () => {
    const argo = 'argo"tok\\en';
    const config = load({ ARGOCD_URL: "https://argocd.example.com", ARGOCD_TOKEN: argo });
    expect(secretsOf(config)).toEqual([TOKEN, argo]);
    const printed = JSON.stringify(redactedConfig(config));
    expect(printed).not.toContain(JSON.stringify(argo).slice(1, -1));
    expect(printed).toContain('"argocdToken":"<redacted>"');
  });

  test("ARGOCD_URL without a token is refused in one line; the token alone changes nothing", () => {
    expect(() => load({ ARGOCD_URL: "https://argocd.example.com" })).toThrow(
      "ARGOCD_TOKEN: not set (required with ARGOCD_URL; set ARGOCD_TOKEN or ARGOCD_TOKEN_FILE)",
    );
    expect(load({ ARGOCD_TOKEN: "x" }).argocdUrl).toBeNull();
  });
});

describe("rendering", () => {
  test("--help lists every setting with its key and default, aligned", () => {
    const docs = documentedSettings();
    const lines = renderSettingsHelp().split("\n");
    expect(lines).toHaveLength(docs.length + 1);
    for (const s of docs) {
      const line = lines.find((l) => l.includes(s.description))!;
      expect(line).toBeDefined();
      if (s.env) expect(line).toContain(s.env);
      if (s.key) expect(line).toContain(s.key);
      expect(line).toContain(s.default);
    }
    const descriptionColumn = new Set(
      docs.map((s) => lines.find((l) => l.includes(s.description))!.indexOf(s.description)),
    );
    expect(descriptionColumn.size).toBe(1);
    for (const l of lines) expect(l).toBe(l.trimEnd());
  });

  test("the README table has one row per setting", () => {
    const md = renderSettingsMarkdown().split("\n");
    expect(md).toHaveLength(documentedSettings().length + 2);
    expect(md[2]).toBe(
      "| `WOODPECKER_URL` | `woodpecker_url` | (required) | Woodpecker server URL, http or https, may include " +
        "a path prefix |",
    );
    expect(md[4]).toBe(
      "| `WOODPECKER_TOKEN_FILE` | `woodpecker_token_file` | (none) | file holding the token (content " +
        "trimmed), e.g. a mounted secret |",
    );
    for (const key of ["deployment_rules", "rework_rules", "repo_labels"]) {
      expect(md.some((row) => row.startsWith(`| - | \`${key}\` |`))).toBe(true);
    }
    expect(md.at(-1)).toContain("| - | `argocd_apps` |");
  });
});
