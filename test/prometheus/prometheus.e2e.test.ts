// The shipped Prometheus rules and Grafana dashboard against a REAL Prometheus (Debian package
// `prometheus`): the compiled exporter reads a small hand-written history from the simulated
// Woodpecker, Prometheus scrapes it every second and evaluates deploy/prometheus/dora.rules.yml
// every second, and the test reads the results back through Prometheus' HTTP API.
//
// How the values can be exact although increase() extrapolates:
// - Prometheus only sees what changes while it scrapes, so the history has two parts: a BASE
//   history that exists before Prometheus starts (every DORA series already exists, and every
//   counter and bucket that later grows is already >= 1), and a WINDOW part added while Prometheus
//   scrapes. The recording rules' windows (1d, 7d, 30d) all start long before the first sample, so
//   each window's value is the WINDOW part only.
// - increase() extrapolates a series' raw change d to d * (sampled + extra) / sampled. Prometheus
//   (promql/functions.go extrapolatedRate) extrapolates the start by half an average scrape
//   interval, unless the counter would reach 0 sooner (first value / d * sampled < 1.1 intervals).
//   So every counter that grows in the window is already well above 0 at the first scrape: counts
//   and buckets >= 1 while they grow by <= 3 over >= 16 scrapes, and each restore _sum starts above
//   what the window adds. After the exporter is stopped (and > 1.1 intervals have passed) the end
//   is extrapolated by half an interval too.
//   With n samples that makes every increase exactly d * n / (n - 1), the same factor for every
//   series (they share the scrape timestamps). Ratios (change failure rate, mean time to restore)
//   and quantiles (lead time) are therefore exact, and deployment counts are d * n / (n - 1) with n
//   counted by Prometheus: that is the value asserted.
// - histogram_quantile() interpolates linearly inside a bucket. The window's lead times are chosen
//   so that this interpolation equals the exact median of the definitions (see LEAD_* below); the
//   definitions define no p90, so p90 is compared with the same interpolation applied to the
//   window's observations and the exporter's bucket bounds.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  SimulatedWoodpecker,
  serveSimulator,
  type RepoRecord,
  type ServedSimulator,
  type StatusValue,
} from "../../src/simulator/index.ts";
import { ROOT, startExporterProcess, waitFor, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { freePort, startPrometheus } from "./prometheus-process.ts";

setDefaultTimeout(60_000);

const RULES = join(ROOT, "deploy", "prometheus", "dora.rules.yml");
const RULES_TEST = join(ROOT, "deploy", "prometheus", "dora.rules.test.yml");
const COMPAT_RULES = join(ROOT, "deploy", "prometheus", "compat.rules.yml");
const COMPAT_RULES_TEST = join(ROOT, "deploy", "prometheus", "compat.rules.test.yml");
const DASHBOARD = join(ROOT, "deploy", "grafana", "dora-dashboard.json");
/** The dashboard's default value of $job (the exporter's scrape job; one value). */
const DASHBOARD_JOB = (
  JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    templating: { list: { name: string; current: { value: string[] } }[] };
  }
).templating.list
  .find((v) => v.name === "job")!
  .current.value.join("|");
const TOKEN = "prom-e2e-token-51d2";
const INSTALL_HINT = "prometheus/promtool not found: run `sh scripts/install-test-deps.sh` (as root; CI does this)";
const WINDOWS: [string, number][] = [
  ["1d", 1],
  ["7d", 7],
  ["30d", 30],
];

const PROMETHEUS = Bun.which("prometheus");
const PROMTOOL = Bun.which("promtool");

// ---- the history -------------------------------------------------------------------------------
// Real now; the base history is a day and a half old, the window part one day later (for the
// increase() rules times only matter as differences, except acme/web's open incident which started
// two hours before the test; for the window gauges the base is in the 7d and 30d windows only and
// the window part in all of them).
const R0 = Math.floor(Date.now() / 1000);
const T0 = R0 - 36 * 3600;
const L = T0 + 86400;
const WEB_FAILING_SINCE = R0 - 7200;

/**
 * Expected WINDOW values per target, by hand from the pipelines added in addWindow() and
 * DEFINITIONS.md (a change's lead time = deployment finished - change's first push created).
 */
const EXPECTED = {
  "acme/api production": {
    deployments: 3, // #16, #18, #20
    failures: 3, // #13, #14, #19
    restores: [3500, 600], // #13 (L+1000) .. #16 (L+4500); #19 (L+11100) .. #20 (L+11700)
    // #16 (L+4500) delivers pushes #12 (L) and #15 (L+1600); #18 (L+10900) delivers #17 (L+4600);
    // #20 is a redeploy of #17 and delivers nothing.
    leadTimes: [4500, 2900, 6300],
    rework: 2, // #18 and #20 deploy #17, a git revert
  },
  "acme/api staging": {
    deployments: 2, // #21, #23
    failures: 1, // #22
    restores: [1200], // #22 (L+12100) .. #23 (L+13300)
    leadTimes: [11600, 10000], // #21 (L+11600) delivers #12 (L) and #15 (L+1600); #23 delivers nothing
    rework: 0,
  },
  "acme/web production": {
    deployments: 0,
    failures: 0,
    restores: [] as number[],
    leadTimes: [] as number[],
    rework: 0,
  },
} as const;
type TargetKey = keyof typeof EXPECTED;
const TARGETS = Object.keys(EXPECTED) as TargetKey[];
const labelsOf = (k: TargetKey) => {
  const [repo, deployTo] = k.split(" ") as [string, string];
  return { repo, deploy_to: deployTo };
};
/** Counter totals including the base history (what /metrics must show at the end). */
const TOTALS: Record<TargetKey, { deployments: number; failures: number }> = {
  "acme/api production": { deployments: 3 + 3, failures: 2 + 3 },
  "acme/api staging": { deployments: 3 + 2, failures: 2 + 1 },
  "acme/web production": { deployments: 1, failures: 1 },
};

let sim: SimulatedWoodpecker;
let api: RepoRecord;
let web: RepoRecord;

function run(
  repo: RepoRecord,
  created: number,
  status: StatusValue,
  finished: number,
  input: { event?: "push"; message?: string } = {},
): number {
  const p = sim.atTime(created, () => sim.addPipeline(repo.id, { event: "push", ...input }));
  sim.atTime(finished, () => sim.finishPipeline(repo.id, p.number, status, finished));
  return p.number;
}
function deploy(from: number, target: string, created: number, status: StatusValue, finished: number): number {
  const p = sim.atTime(created, () => sim.deploy(api.id, from, target));
  sim.atTime(finished, () => sim.finishPipeline(api.id, p.number, status, finished));
  return p.number;
}

/**
 * Before Prometheus: every target has attempts, a restore observation <= 300 s (lowest restore
 * bucket) and a lead time <= 900 s (lowest lead-time bucket), so every series that grows later is
 * already >= 1 when first scraped (see the header). acme/web is in push mode and failing.
 */
function addBase(): void {
  api = sim.addRepo({ full_name: "acme/api", allow_deploy: true });
  web = sim.addRepo({ full_name: "acme/web" });
  // #1 is a git revert: its six successful deployments are rework, so the rework counters of both
  // api targets are >= 1 before Prometheus starts (see the header).
  // #1 push
  const c1 = run(api, T0, "success", T0 + 300, { message: 'Revert "feat: x"\n\nThis reverts commit abc.\n' });
  deploy(c1, "production", T0 + 600, "success", T0 + 900); // #2 lead 900
  deploy(c1, "staging", T0 + 400, "success", T0 + 500); // #3 lead 500
  deploy(c1, "production", T0 + 1000, "failure", T0 + 1100); // #4
  deploy(c1, "production", T0 + 1150, "success", T0 + 1200); // #5 restore 100
  deploy(c1, "staging", T0 + 1250, "failure", T0 + 1300); // #6
  deploy(c1, "staging", T0 + 1320, "success", T0 + 1350); // #7 restore 50
  // Long incidents, so that each restore histogram's _sum starts above what the window adds: a
  // counter's start is extrapolated to at most where it would have been 0 (here: never close).
  deploy(c1, "production", T0 + 2000, "failure", T0 + 2100); // #8
  deploy(c1, "production", T0 + 2200, "success", T0 + 7100); // #9 restore 5000
  deploy(c1, "staging", T0 + 2000, "failure", T0 + 2100); // #10
  deploy(c1, "staging", T0 + 2200, "success", T0 + 4100); // #11 restore 2000
  run(web, T0 + 100, "success", T0 + 700); // web #1: deployment (push mode), lead 600
  run(web, WEB_FAILING_SINCE - 600, "failure", WEB_FAILING_SINCE); // web #2: failing since
}

/** While Prometheus scrapes: the WINDOW part (see EXPECTED). Synchronous, so one poll sees all. */
function addWindow(): void {
  const p12 = run(api, L, "success", L + 300); // #12
  deploy(p12, "production", L + 600, "failure", L + 1000); // #13 opens an incident
  deploy(p12, "production", L + 1100, "failure", L + 1500); // #14 keeps it open
  const p15 = run(api, L + 1600, "success", L + 1900); // #15
  deploy(p15, "production", L + 3000, "success", L + 4500); // #16 closes it (3500 s), delivers #12, #15
  const p17 = run(api, L + 4600, "success", L + 4900, { message: 'Revert "feat: y"\n' }); // #17, a revert
  deploy(p17, "production", L + 10000, "success", L + 10900); // #18 delivers #17
  deploy(p17, "production", L + 11000, "failure", L + 11100); // #19 opens an incident
  deploy(p17, "production", L + 11200, "success", L + 11700); // #20 closes it (600 s), delivers nothing
  deploy(p15, "staging", L + 11500, "success", L + 11600); // #21 delivers #12, #15
  deploy(p15, "staging", L + 12000, "failure", L + 12100); // #22
  deploy(p15, "staging", L + 12200, "success", L + 13300); // #23 restores (1200 s), delivers nothing
}

/**
 * The window gauges over 30 days after the BASE history alone, by hand from addBase() and
 * DEFINITIONS "Window gauges": per_day = successes / 30; ratio = failed / attempts; lead and
 * restore medians (p90: the ceil(0.9 n)-th smallest); no series without data; rework: every api
 * deployment of the base deploys #1, a git revert; web's push is not one.
 */
const BASE_30D: Record<string, Record<string, number | undefined>> = {
  'repo="acme/api",deploy_to="production"': {
    deployments_per_day: 3 / 30, // #2, #5, #9
    change_failure_ratio: 2 / 5, // #4, #8
    lead_time_p50_seconds: 900, // #2 delivers #1; #5 and #9 deliver nothing
    lead_time_p90_seconds: 900,
    recovery_time_p50_seconds: (100 + 5000) / 2,
    rework_ratio: 1, // #2, #5, #9: all deploy #1
  },
  'repo="acme/api",deploy_to="staging"': {
    deployments_per_day: 3 / 30,
    change_failure_ratio: 2 / 5,
    lead_time_p50_seconds: 500,
    lead_time_p90_seconds: 500,
    recovery_time_p50_seconds: (50 + 2000) / 2,
    rework_ratio: 1, // #3, #7, #11
  },
  'repo="acme/web",deploy_to="production"': {
    deployments_per_day: 1 / 30,
    change_failure_ratio: 1 / 2,
    lead_time_p50_seconds: 600,
    lead_time_p90_seconds: 600,
    recovery_time_p50_seconds: undefined, // failing, never restored
    rework_ratio: 0,
  },
  "": {
    deployments_per_day: 7 / 30,
    change_failure_ratio: 5 / 12,
    lead_time_p50_seconds: 600, // [500, 600, 900]
    lead_time_p90_seconds: 900,
    recovery_time_p50_seconds: (100 + 2000) / 2, // [50, 100, 2000, 5000]
    rework_ratio: 6 / 7,
  },
};
const GAUGE_KEYS = [
  "deployments_per_day",
  "change_failure_ratio",
  "lead_time_p50_seconds",
  "lead_time_p90_seconds",
  "recovery_time_p50_seconds",
  "rework_ratio",
];

// ---- independent arithmetic (DEFINITIONS.md; Prometheus' documented histogram_quantile) ------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
/** histogram_quantile over classic buckets `bounds` (ascending, +Inf last) filled with `obs`. */
function bucketQuantile(q: number, obs: readonly number[], bounds: readonly number[]): number {
  const cum = bounds.map((b) => obs.filter((o) => o <= b).length);
  let rank = q * cum[cum.length - 1]!;
  const i = cum.findIndex((c) => c >= rank);
  if (i === cum.length - 1) return bounds[bounds.length - 2]!;
  let start = 0;
  let count = cum[i]!;
  if (i > 0) {
    start = bounds[i - 1]!;
    count -= cum[i - 1]!;
    rank -= cum[i - 1]!;
  }
  return start + (bounds[i]! - start) * (rank / count);
}
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

// ---- processes -----------------------------------------------------------------------------------

let served: ServedSimulator | undefined;
let exporter: ExporterProcess | undefined;
let prom: Bun.Subprocess | undefined;
let promUrl = "";
let dataDir = "";
let scrapeText = "";
let leBounds: number[] = [];
/** After Prometheus' first scrape: the gauges at that scrape's time, and the dashboard's key expressions. */
let firstScrape: {
  at: number;
  samples: number;
  gauges: Map<string, number | undefined>;
  dashboard: Map<string, number | undefined>;
  lastPoll: number;
} | null = null;

type Sample = { metric: Record<string, string>; value: [number, string] };
async function query(expr: string, at?: number): Promise<Sample[]> {
  const res = await fetch(
    `${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}${at === undefined ? "" : `&time=${at}`}`,
  );
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] };
  };
  if (body.status !== "success") throw new Error(`query failed: ${expr}: ${body.error}`);
  if (body.data!.resultType !== "vector") throw new Error(`not a vector: ${expr}`);
  return body.data!.result;
}
async function value(expr: string, at?: number): Promise<number | undefined> {
  const r = await query(expr, at);
  if (r.length > 1) throw new Error(`${expr}: ${r.length} series`);
  return r[0] ? Number(r[0].value[1]) : undefined;
}
const sel = (k: TargetKey) => `{repo="${labelsOf(k).repo}", deploy_to="${labelsOf(k).deploy_to}"}`;

function promtool(args: string[], stdin?: string): { code: number; out: string } {
  const r = Bun.spawnSync([PROMTOOL!, ...args], {
    cwd: ROOT,
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
  });
  return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
}

/** Samples Prometheus holds for one raw series so far (the stale marker after a stop is not one). */
const sampleCount = async (k: TargetKey) => (await value(`count_over_time(dora_deployments_total${sel(k)}[1h])`)) ?? 0;

beforeAll(async () => {
  if (!PROMETHEUS || !PROMTOOL) return; // the first test fails with the install hint
  sim = new SimulatedWoodpecker({ token: TOKEN, now: () => R0 });
  addBase();
  served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
  // Groups: acme/api is team shop, acme/web team web (dora_repo_info, the dora_group rules).
  const configDir = mkdtempSync(join(tmpdir(), "dora-prom-e2e-config-"));
  writeFileSync(
    join(configDir, "dora.yaml"),
    'repo_labels:\n  - repos: "acme/api"\n    labels: { team: shop }\n  - repos: "acme/*"\n    labels: { team: web }\n',
  );
  exporter = await startExporterProcess({
    WOODPECKER_URL: served.url,
    WOODPECKER_TOKEN: TOKEN,
    DORA_POLL_INTERVAL: "1",
    DORA_CONFIG: join(configDir, "dora.yaml"),
  });
  await waitReady(exporter.url);

  dataDir = mkdtempSync(join(tmpdir(), "dora-prom-e2e-"));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const target = new URL(exporter.url).host;
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "900ms" },
    rule_files: [RULES],
    scrape_configs: [
      { job_name: "dora-exporter", static_configs: [{ targets: [target] }] },
      // Another job, always down (nothing listens on port 1): the dashboard must not read it.
      { job_name: "unrelated-down", static_configs: [{ targets: ["127.0.0.1:1"] }] },
    ],
  };
  writeFileSync(join(dataDir, "prometheus.yml"), JSON.stringify(config)); // JSON is YAML
  prom = await startPrometheus(PROMETHEUS, {
    configFile: join(dataDir, "prometheus.yml"),
    dataDir: join(dataDir, "data"),
    port,
    readyMs: 20_000,
  });
  // FIRST SCRAPE: the 30-day numbers must be right at once (window gauges), not after 30 days.
  {
    const g = 'dora_overall_window_deployments_per_day{window="30d"}';
    const at = await waitFor("first scrape", async () => (await query(`timestamp(${g})`))[0]?.value[1], 20_000).then(
      Number,
    );
    const samples = (await value(`count_over_time(${g}[1h])`)) ?? 0;
    const gauges = new Map<string, number | undefined>();
    for (const [labels, keys] of Object.entries(BASE_30D)) {
      for (const k of Object.keys(keys)) {
        const name = labels === "" ? `dora_overall_window_${k}` : `dora_window_${k}`;
        gauges.set(`${labels} ${k}`, await value(`${name}{${labels === "" ? "" : labels + ","}window="30d"}`, at));
      }
    }
    gauges.set("coverage", await value('dora_window_coverage_ratio{window="30d"}', at));
    const lastPoll = (await value("dora_last_poll_success_timestamp_seconds", at))!;
    // The dashboard's key panels: their expressions with $window = 30d, once the rules have run.
    const dash = (await Bun.file(DASHBOARD).json()) as {
      panels: { title: string; type: string; targets?: { expr: string }[] }[];
    };
    const dashboard = new Map<string, number | undefined>();
    await waitFor(
      "window rules evaluated",
      async () => (await query('dora_overall:window_deployments_per_day:max{window="30d"}')).length > 0,
      20_000,
    );
    for (const p of dash.panels.filter((x) => x.type === "stat" && x.targets?.[0]?.expr.includes("window"))) {
      dashboard.set(p.title, await value(p.targets![0]!.expr.replaceAll("$window", "30d")));
    }
    firstScrape = { at, samples, gauges, dashboard, lastPoll };
  }

  // BASE phase: >= 8 scrapes of the base history.
  await waitFor("8 base scrapes", async () => (await sampleCount("acme/api production")) >= 8, 30_000);
  const base = await value(`dora_deployments_total${sel("acme/api production")}`);
  if (base !== 3) throw new Error(`base history not as designed: acme/api production deployments = ${base}`);

  // WINDOW phase: add the window's pipelines, wait until Prometheus has scraped the new totals,
  // then >= 8 more scrapes (the rules are evaluated every second meanwhile).
  addWindow();
  await waitFor(
    "window totals scraped",
    async () =>
      (await value(`dora_deployments_total${sel("acme/api production")}`)) ===
        TOTALS["acme/api production"].deployments &&
      (await value(`dora_deployments_total${sel("acme/api staging")}`)) === TOTALS["acme/api staging"].deployments,
    20_000,
  );
  const n = await sampleCount("acme/api production");
  await waitFor("8 window scrapes", async () => (await sampleCount("acme/api production")) >= n + 8, 30_000);
  scrapeText = await (await fetch(exporter.url + "/metrics")).text();
  leBounds = [
    ...new Set(
      [...scrapeText.matchAll(/^dora_lead_time_seconds_bucket\{le="([^"]+)"/gm)].map((m) =>
        m[1] === "+Inf" ? Infinity : Number(m[1]),
      ),
    ),
  ].sort((a, b) => a - b);
}, 90_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    prom.kill("SIGKILL");
    await prom.exited;
  }
  if (exporter && exporter.proc.exitCode === null) await exporter.stop("SIGKILL");
  served?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("shipped rules and dashboard against a real Prometheus", () => {
  test("prometheus and promtool are installed", () => {
    if (!PROMETHEUS || !PROMTOOL) throw new Error(INSTALL_HINT);
  });

  test("promtool check rules and promtool test rules pass on the shipped files", () => {
    if (!PROMTOOL) throw new Error(INSTALL_HINT);
    const check = promtool(["check", "rules", RULES]);
    expect(check.out).toContain("SUCCESS");
    expect(check.code).toBe(0);
    const unit = promtool(["test", "rules", RULES_TEST]);
    expect(unit.out).toContain("SUCCESS");
    expect(unit.code).toBe(0);
    // The optional compatibility rules (the original exporter's metric names).
    expect(promtool(["check", "rules", COMPAT_RULES]).code).toBe(0);
    const compat = promtool(["test", "rules", COMPAT_RULES_TEST]);
    expect(compat.out).toContain("SUCCESS");
    expect(compat.code).toBe(0);
  }, 60_000);

  test("after Prometheus' FIRST scrape the 30-day window gauges hold the definitions' values", () => {
    if (!firstScrape) throw new Error(INSTALL_HINT);
    // Read at the time of the very first sample Prometheus holds of them.
    expect(firstScrape.samples).toBeGreaterThanOrEqual(1);
    const got = Object.fromEntries(firstScrape.gauges);
    const want: Record<string, number | undefined> = {};
    for (const [labels, keys] of Object.entries(BASE_30D))
      for (const [k, v] of Object.entries(keys)) want[`${labels} ${k}`] = v;
    const { coverage, ...rest } = got;
    for (const k of Object.keys(want)) expect(`${k} = ${rest[k]}`).toBe(`${k} = ${want[k]}`);
    // min(1, (end − origin) / 30 d), origin = the oldest pipeline read (acme/api #1, created at T0),
    // end = the poll the scrape showed (or the one before it, by a second).
    expect(coverage).toBeGreaterThan(0);
    expect(Math.abs(coverage! - (firstScrape.lastPoll - T0) / (30 * 86400))).toBeLessThan(3 / (30 * 86400));
  });

  test("after the first scrape the dashboard's key panels show the page's 30-day numbers", () => {
    if (!firstScrape) throw new Error(INSTALL_HINT);
    const overall = BASE_30D[""]!;
    expect(Object.fromEntries(firstScrape.dashboard)).toEqual({
      "Deployment frequency": overall.deployments_per_day,
      "Lead time for changes (median)": overall.lead_time_p50_seconds,
      "Change failure rate": overall.change_failure_ratio,
      "Failed deployment recovery time (median)": overall.recovery_time_p50_seconds,
      "Rework rate": overall.rework_ratio,
      "Lead time p90": overall.lead_time_p90_seconds,
      "History read covers": expect.any(Number),
    });
    expect(GAUGE_KEYS.length).toBe(Object.keys(overall).length);
  });

  test("the scrape holds the history's counter totals", () => {
    if (!exporter) throw new Error(INSTALL_HINT);
    for (const k of TARGETS) {
      const l = `{repo="${labelsOf(k).repo}",deploy_to="${labelsOf(k).deploy_to}"}`;
      expect(scrapeText).toContain(`dora_deployments_total${l} ${TOTALS[k].deployments}\n`);
      expect(scrapeText).toContain(`dora_deployment_failures_total${l} ${TOTALS[k].failures}\n`);
    }
    expect(scrapeText).toContain(
      `dora_deployment_failing_since_timestamp_seconds{repo="acme/web",deploy_to="production"} ${WEB_FAILING_SINCE}\n`,
    );
    expect(leBounds).toContain(900);
    expect(leBounds.at(-1)).toBe(Infinity);
  });

  test("promtool check metrics: the DORA and exporter health series have no problems", () => {
    if (!PROMTOOL) throw new Error(INSTALL_HINT);
    const ours = scrapeText
      .split("\n")
      .filter((l) => /^(# (HELP|TYPE) )?dora_/.test(l))
      .join("\n");
    expect(ours).toContain("dora_deployments_total");
    const r = promtool(["check", "metrics"], ours + "\n");
    expect(r.out.trim()).toBe("");
    expect(r.code).toBe(0);
  });

  test("promtool check metrics: the whole scrape has no problems", () => {
    if (!PROMTOOL) throw new Error(INSTALL_HINT);
    const r = promtool(["check", "metrics"], scrapeText);
    expect(r.out.trim()).toBe("");
    expect(r.code).toBe(0);
  });

  test("every shipped rule evaluates without error in Prometheus", async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = res.data.groups.flatMap((g) => g.rules);
    const shipped = (
      parseYaml(await Bun.file(RULES).text()) as { groups: { rules: { record?: string; alert?: string }[] }[] }
    ).groups
      .flatMap((g) => g.rules)
      .map((r) => r.record ?? r.alert);
    expect(loaded.map((r) => r.name).sort()).toEqual((shipped as string[]).sort());
    for (const r of loaded)
      expect({ rule: r.name, health: r.health, error: r.lastError ?? "" }).toEqual({
        rule: r.name,
        health: "ok",
        error: "",
      });
  });

  test("every PromQL expression of the dashboard parses, runs and returns data", async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    const dash = (await Bun.file(DASHBOARD).json()) as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dash.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, range: p.type === "timeseries" })),
    );
    expect(exprs.length).toBeGreaterThan(20);
    const empty: string[] = [];
    let ran = 0;
    for (const { panel, expr, range } of exprs) {
      // Every value of the window variable; "All" for the multi-value variables.
      const windows = expr.includes("$window") ? WINDOWS.map(([w]) => w) : [""];
      for (const w of windows) {
        const q = expr
          .replaceAll("$window", w)
          .replaceAll("$repo", ".*")
          .replaceAll("$team", ".*")
          .replaceAll("$deploy_to", ".*")
          .replaceAll("$job", DASHBOARD_JOB)
          .replaceAll("$__rate_interval", "1m");
        expect(q).not.toContain("$");
        const result = await query(q); // throws on a parse or execution error
        ran++;
        if (result.length === 0 || result.every((s) => Number.isNaN(Number(s.value[1])))) empty.push(`${panel}: ${q}`);
        if (range) {
          // Time series panels run as range queries: over the last 20 s, at 1 s steps.
          const end = Date.now() / 1000;
          const url =
            `${promUrl}/api/v1/query_range?query=` + `${encodeURIComponent(q)}&start=${end - 20}&end=${end}&step=1`;
          const body = (await (await fetch(url)).json()) as {
            status: string;
            error?: string;
            data?: { result: unknown[] };
          };
          expect({ q, status: body.status, error: body.error ?? "" }).toEqual({ q, status: "success", error: "" });
          if (body.data!.result.length === 0) empty.push(`${panel} (range): ${q}`);
        }
      }
    }
    expect(ran).toBeGreaterThan(exprs.length);
    expect(empty).toEqual([]);
  });

  test('"Exporter scraped" with the dashboard\'s default job reads 1 while an unrelated job is down', async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    await waitFor(
      "the unrelated job scraped as down",
      async () => (await value('up{job="unrelated-down"}')) === 0,
      10_000,
    );
    const dash = (await Bun.file(DASHBOARD).json()) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const expr = dash.panels.find((p) => p.title === "Exporter scraped")!.targets![0]!.expr;
    expect(await value(expr.replaceAll("$job", DASHBOARD_JOB))).toBe(1);
    // What the panel read before: every job in Prometheus.
    expect(await value('min(up{job=~".*"})')).toBe(0);
  });

  test("the failing-target alert fires for the target failing for two hours", async () => {
    if (!prom) throw new Error(INSTALL_HINT);
    const alerts = await waitFor("DoraDeploymentTargetFailing", async () => {
      const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string; value: string }[] };
      };
      const a = res.data.alerts.filter((x) => x.labels.alertname === "DoraDeploymentTargetFailing");
      return a.length > 0 ? a : undefined;
    });
    expect(alerts.map((a) => [a.labels.repo, a.labels.deploy_to, a.state])).toEqual([
      ["acme/web", "production", "firing"],
    ]);
    // The alert's value is the outage age: about two hours (the test has run for well under one).
    const age = Number(alerts[0]!.value);
    expect(age).toBeGreaterThanOrEqual(7200);
    expect(age).toBeLessThan(7200 + 3600);
  });

  // dora_repo_info is an instant series: once the exporter is gone it goes stale and the joins of
  // the dora_group rules are empty (README "Groups"), so groups are checked while it runs. Ratios
  // are exact then too (every series shares the scrape timestamps, so the same extrapolation).
  test(
    "per team, while the exporter runs: team shop pools " +
      "acme/api's targets (exact ratios); web has none in the " +
      "window",
    async () => {
      if (!prom) throw new Error(INSTALL_HINT);
      const shop: TargetKey[] = ["acme/api production", "acme/api staging"];
      const d = sum(shop.map((k) => EXPECTED[k].deployments));
      const failed = sum(shop.map((k) => EXPECTED[k].failures));
      const restores = shop.flatMap((k) => EXPECTED[k].restores);
      const leads = shop.flatMap((k) => EXPECTED[k].leadTimes);
      for (const [w] of WINDOWS) {
        expect(await value(`dora_group:change_failure_rate:ratio${w}{team="shop"}`)).toBeCloseTo(
          failed / (d + failed),
          12,
        );
        expect(await value(`dora_group:rework_rate:ratio${w}{team="shop"}`)).toBeCloseTo(
          sum(shop.map((k) => EXPECTED[k].rework)) / d,
          12,
        );
        expect(await value(`dora_group:time_to_restore_seconds:mean${w}{team="shop"}`)).toBeCloseTo(
          sum(restores) / restores.length,
          9,
        );
        expect(await value(`dora_group:lead_time_seconds:p50_${w}{team="shop"}`)).toBeCloseTo(median(leads), 9);
        expect(await value(`dora_group:deployments:increase${w}{team="web"}`)).toBe(0);
        expect(await value(`dora_group:rework_rate:ratio${w}{team="web"}`)).toBeUndefined();
      }
      const records = (parseYaml(await Bun.file(RULES).text()) as { groups: { rules: { record?: string }[] }[] }).groups
        .flatMap((g) => g.rules)
        .flatMap((r) => (r.record?.startsWith("dora_group:") ? [r.record] : []));
      const missing: string[] = [];
      for (const r of records) if ((await query(r)).length === 0) missing.push(r);
      expect(missing).toEqual([]);
    },
  );

  describe("after the exporter stops (no more samples: every increase is final)", () => {
    let n = 0;
    let f = 1;

    beforeAll(async () => {
      if (!exporter || !prom) return;
      n = await sampleCount("acme/api production");
      await exporter.stop("SIGTERM");
      await waitFor("up == 0", async () => (await value(`up{job="dora-exporter"}`)) === 0, 10_000);
      // > 1.1 scrape intervals since the last sample, then a fresh rule evaluation.
      await Bun.sleep(3500);
      n = await sampleCount("acme/api production");
      f = n / (n - 1);
      // Same number of samples for every series the assertions use (same scrapes).
      for (const k of TARGETS) expect(await sampleCount(k)).toBe(n);
      expect(
        await value(
          `count_over_time(dora_lead_time_seconds_bucket{le="+Inf", repo="acme/api", deploy_to="staging"}[1h])`,
        ),
      ).toBe(n);
    });

    test("Prometheus holds >= 16 samples per series, starting at the base history", async () => {
      if (!prom) throw new Error(INSTALL_HINT);
      expect(n).toBeGreaterThanOrEqual(16);
      for (const k of TARGETS) {
        // first and last raw values: base totals, then base + window (from the hand-written history)
        expect(await value(`max_over_time(dora_deployments_total${sel(k)}[1h])`)).toBe(TOTALS[k].deployments);
        expect(await value(`min_over_time(dora_deployments_total${sel(k)}[1h])`)).toBe(
          TOTALS[k].deployments - EXPECTED[k].deployments,
        );
        expect(await value(`min_over_time(dora_deployment_failures_total${sel(k)}[1h])`)).toBe(
          TOTALS[k].failures - EXPECTED[k].failures,
        );
      }
    });

    for (const [w, days] of WINDOWS) {
      test(`deployment frequency (${w}): the window's successful deployments, per day`, async () => {
        if (!prom) throw new Error(INSTALL_HINT);
        for (const k of TARGETS) {
          const d = EXPECTED[k].deployments;
          expect(await value(`dora:deployments:increase${w}${sel(k)}`)).toBeCloseTo(d * f, 9);
          expect(await value(`dora:deployments_per_day:avg${w}${sel(k)}`)).toBeCloseTo((d * f) / days, 9);
          expect(await value(`dora:deployment_failures:increase${w}${sel(k)}`)).toBeCloseTo(
            EXPECTED[k].failures * f,
            9,
          );
        }
        const total = sum(TARGETS.map((k) => EXPECTED[k].deployments));
        expect(await value(`dora_overall:deployments:increase${w}`)).toBeCloseTo(total * f, 9);
        expect(await value(`dora_overall:deployments_per_day:avg${w}`)).toBeCloseTo((total * f) / days, 9);
      });

      test(`rework rate (${w}): rework / successful deployments, exact; none without deployments`, async () => {
        if (!prom) throw new Error(INSTALL_HINT);
        for (const k of TARGETS) {
          const { deployments, rework } = EXPECTED[k];
          expect(await value(`dora:deployment_rework:increase${w}${sel(k)}`)).toBeCloseTo(rework * f, 9);
          const got = await value(`dora:rework_rate:ratio${w}${sel(k)}`);
          if (deployments === 0) expect(got).toBeUndefined();
          else expect(got).toBeCloseTo(rework / deployments, 12);
        }
        const rework = sum(TARGETS.map((k) => EXPECTED[k].rework));
        expect(await value(`dora_overall:rework_rate:ratio${w}`)).toBeCloseTo(
          rework / sum(TARGETS.map((k) => EXPECTED[k].deployments)),
          12,
        );
      });

      test(`change failure rate (${w}): failed / attempts, exact; none without attempts`, async () => {
        if (!prom) throw new Error(INSTALL_HINT);
        for (const k of TARGETS) {
          const { deployments, failures } = EXPECTED[k];
          const got = await value(`dora:change_failure_rate:ratio${w}${sel(k)}`);
          if (deployments + failures === 0) expect(got).toBeUndefined();
          else expect(got).toBeCloseTo(failures / (deployments + failures), 12);
        }
        const failed = sum(TARGETS.map((k) => EXPECTED[k].failures));
        const attempts = failed + sum(TARGETS.map((k) => EXPECTED[k].deployments));
        expect(await value(`dora_overall:change_failure_rate:ratio${w}`)).toBeCloseTo(failed / attempts, 12);
      });

      test(`time to restore (${w}): mean of the incidents closed in the window, exact`, async () => {
        if (!prom) throw new Error(INSTALL_HINT);
        for (const k of TARGETS) {
          const r = EXPECTED[k].restores;
          const got = await value(`dora:time_to_restore_seconds:mean${w}${sel(k)}`);
          if (r.length === 0) expect(got).toBeUndefined();
          else expect(got).toBeCloseTo(sum(r) / r.length, 9);
        }
        const all = TARGETS.flatMap((k) => EXPECTED[k].restores);
        expect(await value(`dora_overall:time_to_restore_seconds:mean${w}`)).toBeCloseTo(sum(all) / all.length, 9);
      });

      test(`lead time (${w}): median equals the definitions' median; p90 the bucket interpolation`, async () => {
        if (!prom) throw new Error(INSTALL_HINT);
        for (const k of TARGETS) {
          const obs = EXPECTED[k].leadTimes;
          const p50 = await value(`dora:lead_time_seconds:p50_${w}${sel(k)}`);
          const p90 = await value(`dora:lead_time_seconds:p90_${w}${sel(k)}`);
          if (obs.length === 0) {
            expect(p50).toBeUndefined();
            expect(p90).toBeUndefined();
            continue;
          }
          expect(p50).toBeCloseTo(median(obs), 9);
          expect(p90).toBeCloseTo(bucketQuantile(0.9, obs, leBounds), 9);
        }
        const all = TARGETS.flatMap((k) => EXPECTED[k].leadTimes);
        expect(await value(`dora_overall:lead_time_seconds:p50_${w}`)).toBeCloseTo(median(all), 9);
        expect(await value(`dora_overall:lead_time_seconds:p90_${w}`)).toBeCloseTo(
          bucketQuantile(0.9, all, leBounds),
          9,
        );
      });
    }

    test("the designed lead times make the interpolated median exact (guards the test itself)", () => {
      for (const obs of [...TARGETS.map((k) => EXPECTED[k].leadTimes), TARGETS.flatMap((k) => EXPECTED[k].leadTimes)]) {
        if (obs.length > 0) expect(bucketQuantile(0.5, obs, leBounds)).toBe(median(obs));
      }
    });

    test("every recording rule has data for this history (dora_group: checked while the exporter ran)", async () => {
      if (!prom) throw new Error(INSTALL_HINT);
      const records = (parseYaml(await Bun.file(RULES).text()) as { groups: { rules: { record?: string }[] }[] }).groups
        .flatMap((g) => g.rules)
        .flatMap((r) => (r.record && !r.record.startsWith("dora_group:") ? [r.record] : []));
      const missing: string[] = [];
      // Gauge-based rules went stale with the exporter: what they held while it ran counts.
      for (const r of records) if ((await query(`last_over_time(${r}[10m])`)).length === 0) missing.push(r);
      expect(missing).toEqual([]);
    });

    test("the exporter-down alert is pending (it fires after its 5m `for`)", async () => {
      if (!prom) throw new Error(INSTALL_HINT);
      const a = await waitFor("DoraExporterDown pending", async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: Record<string, string>; state: string }[] };
        };
        return res.data.alerts.find((x) => x.labels.alertname === "DoraExporterDown");
      });
      expect(a.state).toBe("pending");
      expect(a.labels.job).toBe("dora-exporter");
    });
  });
});
