// The window gauges (DEFINITIONS "Window gauges") against values worked out by hand from a small
// pipeline history: every window, per target and overall, the series that must not exist, the
// coverage ratio with and without DORA_SINCE, and promtool's lint of the exposition.
import { describe, expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import { DAY } from "../../src/core/levels.ts";
import type { Pipeline, Repo } from "../../src/core/model.ts";
import type { SummaryRepo } from "../../src/core/summary.ts";
import { Gauge, Registry } from "prom-client";
import {
  COVERAGE_HELP,
  WINDOW_GAUGE_FAMILIES,
  WindowGaugeMetrics,
  type WindowGaugeInput,
} from "../../src/metrics/window-gauges.ts";
import { windowGauges } from "../../src/view/gauges.ts";
import { deploy, opts, pl } from "../core/helpers.ts";

const NOW = 200 * DAY;
const H = 3600;

const API: Repo = { id: 1, fullName: "acme/api", defaultBranch: "main" };
const WEB: Repo = { id: 2, fullName: "acme/web", defaultBranch: "main" };

// acme/api deploys with `deployment` events (rule 1), acme/web by pushes to main (rule 2).
const p1 = pl({ id: 1, created: NOW - 40 * DAY, finished: NOW - 40 * DAY + 300 });
const p3 = pl({ id: 3, created: NOW - 5 * DAY, finished: NOW - 5 * DAY + 300 });
// A revert: d7 and d8 (and d9), which deploy it, are rework.
const p6 = pl({ id: 6, created: NOW - 3 * H, finished: NOW - 3 * H + 300, message: 'Revert "change 3"\n' });
const apiHistory: Pipeline[] = [
  p1,
  deploy(p1, { id: 2, created: NOW - 40 * DAY + 1000, finished: NOW - 40 * DAY + 4600 }), // lead 4600 (90d only)
  p3,
  // opens an incident
  deploy(p3, { id: 4, created: NOW - 5 * DAY + 100, finished: NOW - 5 * DAY + 700, status: "failure" }),
  deploy(p3, { id: 5, created: NOW - 5 * DAY + 800, finished: NOW - 5 * DAY + 2500 }), // restores in 1800 s; lead 2500
  p6,
  deploy(p6, { id: 7, created: NOW - 3 * H + 60, finished: NOW - 3 * H + 3660 }), // lead 3660 (1d)
  deploy(p6, { id: 8, created: NOW - 2 * H, finished: NOW - 2 * H + 600, deployTo: "staging" }), // lead 4200
  deploy(p6, { id: 9, created: NOW - 60, finished: NOW + 60 }), // finished after `now`: in no window
];
const webHistory: Pipeline[] = [
  pl({ id: 1, created: NOW - 45 * DAY, finished: NOW - 45 * DAY + 600 }), // the oldest pipeline; lead 600
  // failing since, never restored
  pl({ id: 2, created: NOW - 10 * H, finished: NOW - 10 * H + 300, status: "failure" }),
];

const repos: SummaryRepo[] = [
  { id: WEB.id, fullName: WEB.fullName, state: computeRepoDora(WEB, webHistory, opts()) },
  { id: API.id, fullName: API.fullName, state: computeRepoDora(API, apiHistory, opts()) },
];
const ORIGIN = NOW - 45 * DAY;

type Expected = Record<string, number | undefined>;
const W = ["1d", "7d", "30d", "90d"] as const;

/** Per window: per_day, change failure ratio, lead p50, lead p90, recovery p50, rework ratio (undefined: no series). */
const EXPECTED: Record<string, Record<(typeof W)[number], (number | undefined)[]>> = {
  'repo="acme/api",deploy_to="production"': {
    "1d": [1, 0, 3660, 3660, undefined, 1],
    "7d": [2 / 7, 1 / 3, 3080, 3660, 1800, 1 / 2],
    "30d": [2 / 30, 1 / 3, 3080, 3660, 1800, 1 / 2],
    "90d": [3 / 90, 1 / 4, 3660, 4600, 1800, 1 / 3],
  },
  'repo="acme/api",deploy_to="staging"': {
    "1d": [1, 0, 4200, 4200, undefined, 1],
    "7d": [1 / 7, 0, 4200, 4200, undefined, 1],
    "30d": [1 / 30, 0, 4200, 4200, undefined, 1],
    "90d": [1 / 90, 0, 4200, 4200, undefined, 1],
  },
  'repo="acme/web",deploy_to="production"': {
    "1d": [0, 1, undefined, undefined, undefined, undefined],
    "7d": [0, 1, undefined, undefined, undefined, undefined],
    "30d": [0, 1, undefined, undefined, undefined, undefined],
    "90d": [1 / 90, 1 / 2, 600, 600, undefined, 0],
  },
  "": {
    "1d": [2, 1 / 3, 3930, 4200, undefined, 1],
    "7d": [3 / 7, 2 / 5, 3660, 4200, 1800, 2 / 3],
    "30d": [3 / 30, 2 / 5, 3660, 4200, 1800, 2 / 3],
    "90d": [5 / 90, 2 / 7, 3660, 4600, 1800, 2 / 5],
  },
};
const NAMES = [
  "window_deployments_per_day",
  "window_change_failure_ratio",
  "window_lead_time_p50_seconds",
  "window_lead_time_p90_seconds",
  "window_recovery_time_p50_seconds",
  "window_rework_ratio",
];

function expectedSamples(coverage: Record<string, number>): Expected {
  const out: Expected = {};
  for (const [labels, byWindow] of Object.entries(EXPECTED)) {
    for (const w of W) {
      byWindow[w].forEach((v, i) => {
        const name = labels === "" ? `dora_overall_${NAMES[i]}` : `dora_${NAMES[i]}`;
        const key = `${name}{${labels === "" ? "" : labels + ","}window="${w}"}`;
        if (v !== undefined) out[key] = v;
      });
    }
  }
  for (const [w, r] of Object.entries(coverage)) out[`dora_window_coverage_ratio{window="${w}"}`] = r;
  return out;
}

function parse(text: string): Expected {
  const out: Expected = {};
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

async function render(origin: number | null): Promise<string> {
  const m = new WindowGaugeMetrics();
  m.set(windowGauges(repos, NOW, origin));
  return await new Blob(m.parts()).text();
}

/** The same series through prom-client's Gauge and Registry: what the hand-written text must equal. */
async function promClientText(input: WindowGaugeInput): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const perTarget = WINDOW_GAUGE_FAMILIES.map(
    (f) =>
      new Gauge({
        name: `dora_${f.name}`,
        help: `${f.help} Per target.`,
        labelNames: ["repo", "deploy_to", "window"],
        registers,
      }),
  );
  const overall = WINDOW_GAUGE_FAMILIES.map(
    (f) =>
      new Gauge({
        name: `dora_overall_${f.name}`,
        help: `${f.help} All targets pooled.`,
        labelNames: ["window"],
        registers,
      }),
  );
  const coverage = new Gauge({
    name: "dora_window_coverage_ratio",
    help: COVERAGE_HELP,
    labelNames: ["window"],
    registers,
  });
  WINDOW_GAUGE_FAMILIES.forEach((f, i) => {
    for (const t of input.targets)
      if (t[f.key] !== null) perTarget[i]!.set({ repo: t.repo, deploy_to: t.deployTo, window: t.window }, t[f.key]!);
    for (const o of input.overall) if (o[f.key] !== null) overall[i]!.set({ window: o.window }, o[f.key]!);
  });
  for (const c of input.coverage) coverage.set({ window: c.window }, c.ratio);
  return await registry.metrics();
}

describe("window gauges of a hand-written history", () => {
  test("every series has the hand-computed value, and no other series exists", async () => {
    const got = parse(await render(ORIGIN));
    expect(got).toEqual(expectedSamples({ "1d": 1, "7d": 1, "30d": 1, "90d": 45 / 90 }));
    // Never 0 or NaN standing in for "no data".
    for (const v of Object.values(got)) expect(Number.isNaN(v)).toBe(false);
  });

  test("coverage follows DORA_SINCE when set; no coverage series without an origin", async () => {
    expect(parse(await render(NOW - 60 * DAY))).toEqual(
      expectedSamples({ "1d": 1, "7d": 1, "30d": 1, "90d": 60 / 90 }),
    );
    expect(parse(await render(NOW - 3 * DAY))).toEqual(
      expectedSamples({ "1d": 1, "7d": 3 / 7, "30d": 3 / 30, "90d": 3 / 90 }),
    );
    expect(parse(await render(null))).toEqual(expectedSamples({}));
  });

  test("labels, families and order: repo, deploy_to, window; targets by name, windows shortest first", async () => {
    const text = await render(ORIGIN);
    const perDay = text.split("\n").filter((l) => l.startsWith("dora_window_deployments_per_day{"));
    expect(perDay.map((l) => l.slice(0, l.lastIndexOf(" ")))).toEqual(
      ['acme/api",deploy_to="production', 'acme/api",deploy_to="staging', 'acme/web",deploy_to="production'].flatMap(
        (t) => W.map((w) => `dora_window_deployments_per_day{repo="${t}",window="${w}"}`),
      ),
    );
    expect(text).toContain("# TYPE dora_overall_window_deployments_per_day gauge\n");
    expect(text).toContain("# TYPE dora_window_coverage_ratio gauge\n");
  });

  test("a target with no attempt in any window still has deployments_per_day 0 (0 is data)", async () => {
    const got = parse(await render(ORIGIN));
    const old = windowGauges(repos, NOW + 200 * DAY, ORIGIN);
    const m = new WindowGaugeMetrics();
    m.set(old);
    const later = parse(await new Blob(m.parts()).text());
    expect(Object.keys(later).filter((k) => !k.includes("deployments_per_day") && !k.includes("coverage"))).toEqual([]);
    expect(Object.keys(later).filter((k) => k.includes("deployments_per_day")).length).toBe(
      Object.keys(got).filter((k) => k.includes("deployments_per_day")).length,
    );
    for (const [k, v] of Object.entries(later)) if (k.includes("deployments_per_day")) expect(v).toBe(0);
  });

  test("the text is byte for byte what prom-client writes for the same values (awkward labels too)", async () => {
    const g = windowGauges(repos, NOW, ORIGIN);
    expect(await render(ORIGIN)).toBe(await promClientText(g));
    const odd = {
      ...g,
      targets: g.targets.map((t, i) => (i === 0 ? { ...t, repo: 'a\\b"c\nd', deployTo: "é ü" } : t)),
    };
    const m = new WindowGaugeMetrics();
    m.set(odd);
    expect(await new Blob(m.parts()).text()).toBe(await promClientText(odd));
    m.set({ targets: [], overall: [], coverage: [] });
    expect(await new Blob(m.parts()).text()).toBe(await promClientText({ targets: [], overall: [], coverage: [] }));
  });

  test("a set after another renders only the given rows, reusing cached lines of rows handed in again", async () => {
    const g = windowGauges(repos, NOW, ORIGIN);
    const later = windowGauges(repos, NOW + 3 * DAY, ORIGIN);
    // Some rows the same objects as before (unchanged), some new, some gone.
    const mixed = { ...later, targets: [...g.targets.slice(0, 2), ...later.targets.slice(3)] };
    const m = new WindowGaugeMetrics();
    m.set(g);
    m.set(mixed);
    const fresh = new WindowGaugeMetrics();
    fresh.set(mixed);
    expect(await new Blob(m.parts()).text()).toBe(await new Blob(fresh.parts()).text());
    expect(await new Blob(m.parts()).text()).toBe(await promClientText(mixed));
    // The same number of rows, a few replaced in place (an event left a window): the others'
    // lines are reused from the last render, and the text is still what prom-client writes.
    const inPlace = {
      ...mixed,
      targets: mixed.targets.map((t, i) => (i % 3 === 1 ? { ...t, deploymentsPerDay: i } : t)),
    };
    m.set(inPlace);
    expect(await new Blob(m.parts()).text()).toBe(await promClientText(inPlace));
    const nulled = {
      ...inPlace,
      targets: inPlace.targets.map((t, i) => (i === 0 ? { ...t, leadTimeP50Seconds: null } : t)),
    };
    m.set(nulled);
    expect(await new Blob(m.parts()).text()).toBe(await promClientText(nulled));
    // Same rows, a new coverage: only the coverage family differs.
    m.set({ ...mixed, coverage: [{ window: "1d", ratio: 0.5 }] });
    expect(await new Blob(m.parts()).text()).toBe(
      await promClientText({ ...mixed, coverage: [{ window: "1d", ratio: 0.5 }] }),
    );
  });

  test("promtool check metrics finds nothing to lint", async () => {
    const promtool = Bun.which("promtool");
    if (!promtool) throw new Error("promtool not found: run `sh scripts/install-test-deps.sh`");
    const r = Bun.spawnSync([promtool, "check", "metrics"], { stdin: new TextEncoder().encode(await render(ORIGIN)) });
    expect(r.stdout.toString() + r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
