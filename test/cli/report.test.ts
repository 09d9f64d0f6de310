// `dora-exporter report` as an operator runs it (the compiled binary against the simulator), plus
// the progress bar's terminal-only behaviour in process.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runReport, parseReportArgs } from "../../src/cli/report.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import { END, runBinary, startSim, type Sim } from "../api/sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "report-token-c0ffee42";
let s: Sim;
const AT = ["--at", String(END)];

beforeAll(() => {
  s = startSim({ token: TOKEN });
});
afterAll(() => s?.served.stop());

describe("output formats", () => {
  test("table (default): title, overall lines and one row per repo × target; nothing on stderr", async () => {
    const r = await runBinary(["report", ...AT], s.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      "DORA over the last 30 days (2026-08-02 00:00 UTC – 2026-09-01 00:00 UTC), 4 repos, 5 targets",
    );
    // The five keys in DORA 2024's groups, restore under its 2023 name.
    expect(r.stdout).toMatch(
      /^ {2}throughput\n {4}lead time for changes {12}\S.*\n {4}deployment frequency {13}\S.*\n {4}failed deployment recovery time {2}\S/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}instability\n {4}change failure rate {14}\S.*\n {4}deployment rework rate {11}\S.* no level: .*\(DORA publishes no thresholds\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}failing now {24}1 target, the first since 2026-08-31/m);
    const header = lines.findIndex((l) => l.startsWith("repo "));
    expect(lines[header]).toMatch(
      /^repo +target +lead time \(median \/ p90\) +deploy frequency +recovery time +change failure rate +rework rate +failing since$/,
    );
    const rows = lines.slice(header + 2).filter((l) => l.startsWith("acme/"));
    expect(
      rows.map((l) =>
        l
          .split(/\s{2,}/)
          .slice(0, 2)
          .join(" "),
      ),
    ).toEqual([
      "acme/billing production",
      "acme/search production",
      "acme/shop-api production",
      "acme/shop-api staging",
      "acme/web production",
    ]);
  });

  test("--format json has the API's summary shape; --window and repeated --repo filter", async () => {
    const r = await runBinary(
      ["report", "--format=json", "--window", "7d", "--repo", "acme/web", "--repo", "acme/search", ...AT],
      s.env,
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as SummaryJson;
    expect(Object.keys(j).sort()).toEqual(["apps", "keyGroups", "keyNames", "overall", "repos", "targets", "window"]);
    expect(j.apps).toEqual([]); // no ArgoCD
    for (const t of j.targets)
      expect(t.sources).toEqual([{ source: "woodpecker", app: "", mappedBy: null, why: null }]);
    expect(j.keyGroups).toEqual({
      throughput: ["leadTime", "deploymentFrequency", "timeToRestore"],
      instability: ["changeFailureRate", "reworkRate"],
    });
    expect(j.keyNames.timeToRestore).toBe("Failed deployment recovery time");
    expect(j.overall.keys.reworkRate.level).toBe("none");
    expect(j.window).toEqual({ days: 7, start: END - 7 * 86_400, end: END });
    expect(j.repos.map((x) => x.repo)).toEqual(["acme/search", "acme/web"]);
    expect(j.overall.repos).toBe(2);
  });

  test("--format markdown: a heading and pipe tables", async () => {
    const r = await runBinary(["report", "--format", "markdown", "--repo", "acme/shop-*", ...AT], s.env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toStartWith("## DORA over the last 30 days");
    expect(lines).toContain(
      "| repo | target | lead time (median / p90) | deploy frequency | recovery time | change failure rate | " +
        "rework rate | failing since |",
    );
    expect(lines).toContain("|---|---|---:|---:|---:|---:|---:|---|");
    expect(lines.filter((l) => l.startsWith("| acme/shop-api | ")).length).toBe(2);
  });
});

describe("--group-by", () => {
  // Overlapping globs: acme/shop-api matches the first and the last block; the first wins.
  const labels = `repo_labels:
  - repos: "acme/{shop-api,web}"
    labels: { team: shop }
  - repos: "acme/billing"
    labels: { team: payments, system: money }
  - repos: "acme/*"
    labels: { system: other }
`;
  let env: Record<string, string>;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "dora-report-"));
    writeFileSync(join(dir, "dora.yaml"), labels);
    env = { ...s.env, DORA_CONFIG: join(dir, "dora.yaml") };
  });

  test("json: one pooled row per team, repos without the label last; pools equal the sum of their repos", async () => {
    const r = await runBinary(["report", "--format", "json", "--group-by", "team", ...AT], env);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as SummaryJson;
    expect(j.groupBy).toBe("team");
    expect(j.groups!.map((g) => [g.group, g.repos])).toEqual([
      ["payments", 1],
      ["shop", 2],
      [null, 1],
    ]);
    const byRepo = new Map(j.repos.map((x) => [x.repo, x.keys]));
    const shop = j.groups!.find((g) => g.group === "shop")!.keys;
    const sum = (f: (k: SummaryJson["overall"]["keys"]) => number) =>
      f(byRepo.get("acme/shop-api")!) + f(byRepo.get("acme/web")!);
    expect(shop.deploymentFrequency.deployments).toBe(sum((k) => k.deploymentFrequency.deployments));
    expect(shop.changeFailureRate.attempts).toBe(sum((k) => k.changeFailureRate.attempts));
    expect(shop.reworkRate.rework).toBe(sum((k) => k.reworkRate.rework));
    expect(shop.leadTime.observations).toBe(sum((k) => k.leadTime.observations));
    const total = j.groups!.reduce((n, g) => n + g.keys.deploymentFrequency.deployments, 0);
    expect(total).toBe(j.overall.keys.deploymentFrequency.deployments);
  });

  test("table: a 'By team' table before the targets", async () => {
    const r = await runBinary(["report", "--group-by", "system", ...AT], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const at = lines.indexOf("By system:");
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^system +repos +lead time/);
    // billing's block names system money; the others fall to acme/* (shop-api and web have no system).
    expect(
      lines.slice(at + 3, at + 6).map((l) =>
        l
          .split(/\s{2,}/)
          .slice(0, 2)
          .join(" "),
      ),
    ).toEqual(["money 1", "other 1", "(no system) 2"]);
  });

  test("an unknown label: exit 2 naming the known ones", async () => {
    const r = await runBinary(["report", "--group-by", "tier"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'dora-exporter report: --group-by: no repo_labels block defines the label "tier" (known: system, team) ' +
        "(see dora-exporter report --help)\n",
    );
  });
});

describe("errors", () => {
  const usage: [string[], string][] = [
    [
      ["--window", "abc"],
      "dora-exporter report: --window: expected a number of days from 1d to 365d, like 7d, 30d or 90d (see " +
        "dora-exporter report --help)\n",
    ],
    [
      ["--format", "xml"],
      'dora-exporter report: --format: expected table, json or markdown, got "xml" (see dora-exporter report --help)\n',
    ],
    [
      ["--verbose", "1"],
      "dora-exporter report: unknown flag --verbose (known: --window, --repo, --target, --group-by, --format, " +
        "--at) (see dora-exporter report --help)\n",
    ],
    [["--window"], "dora-exporter report: --window needs a value (see dora-exporter report --help)\n"],
    [
      ["--repo", "acme/{x"],
      "dora-exporter report: --repo: unclosed '{' in \"acme/{x\" (see dora-exporter report --help)\n",
    ],
    [
      ["--group-by", "team-x"],
      'dora-exporter report: --group-by: expected a repo label name like team, got "team-x" (see dora-exporter ' +
        "report --help)\n",
    ],
    [
      ["--group-by", "team"],
      "dora-exporter report: --group-by: no repo labels are configured (repo_labels in the config file), so " +
        "there is nothing to group by (see dora-exporter report --help)\n",
    ],
  ];
  for (const [args, message] of usage) {
    test(`report ${args.join(" ")}: exit 2, one line`, async () => {
      const r = await runBinary(["report", ...args], s.env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(message);
    });
  }

  test("--repo matching no tracked repo: exit 1, one line saying so and naming the tracked repos", async () => {
    for (const args of [
      ["--repo", "nomatch/*"],
      ["--repo", "nomatch/*", "--repo", "!acme/*"],
      ["--repo", "!acme/*"],
    ]) {
      const r = await runBinary(["report", ...args, ...AT], s.env);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `dora-exporter report: ${args
          .filter((_, i) => i % 2 === 1)
          .map((g) => `--repo ${g}`)
          .join(" ")}: no repo matched; tracked: acme/billing, acme/search, acme/shop-api, acme/web\n`,
      );
    }
  });

  test("a configuration error exits 2 with one line", async () => {
    const r = await runBinary(["report"], { WOODPECKER_TOKEN: TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "dora-exporter: WOODPECKER_URL: not set (e.g. https://ci.example.com) (see dora-exporter --help)\n",
    );
  });

  test("a rejected token exits 1 with one line, without the token", async () => {
    const wrong = "wrong-token-77aa99";
    const r = await runBinary(["report"], { ...s.env, WOODPECKER_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "dora-exporter report: cannot read Woodpecker: GET " +
        "/api/user: HTTP 401 (token rejected: check " +
        "WOODPECKER_TOKEN)\n",
    );
    expect(r.stderr).not.toContain(wrong);
  });

  test("a rejected token read from WOODPECKER_TOKEN_FILE: the message names WOODPECKER_TOKEN_FILE", async () => {
    const wrong = "wrong-token-from-a-file-5511";
    const dir = mkdtempSync(join(tmpdir(), "dora-report-token-"));
    try {
      writeFileSync(join(dir, "token"), wrong + "\n");
      const r = await runBinary(["report"], {
        WOODPECKER_URL: s.env.WOODPECKER_URL!,
        WOODPECKER_TOKEN_FILE: join(dir, "token"),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "dora-exporter report: cannot read Woodpecker: GET " +
          "/api/user: HTTP 401 (token rejected: check " +
          "WOODPECKER_TOKEN_FILE)\n",
      );
      expect(r.stdout + r.stderr).not.toContain(wrong);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the token appears in no output", async () => {
    const r = await runBinary(["report", "--format", "json", ...AT], s.env);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});

describe("progress", () => {
  async function run(isTTY: boolean): Promise<{ out: string; err: string; code: number }> {
    let out = "";
    let err = "";
    const config = loadConfig(s.env);
    const code = await runReport(config, parseReportArgs(["--at", String(END)]), {
      stdout: { write: (x: string) => (out += x) },
      stderr: { isTTY, write: (x: string) => (err += x) },
    });
    return { out, err, code };
  }

  test("a progress bar goes to stderr only when it is a terminal, and is cleared", async () => {
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\r\x1b\[K\[[#.]{24}\] \d+\/(\d+|\?) repos · \d+ requests/);
    expect(tty.err.endsWith("\r\x1b[K")).toBe(true);
    expect(tty.out).not.toContain("\r");
    const plain = await run(false);
    expect(plain.err).toBe("");
    expect(plain.out).toBe(tty.out);
  });
});
