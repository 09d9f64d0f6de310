// The API, the page, the CLI and the window gauges agree on every number for the same history: the
// compiled exporter (API, page, /metrics) and `dora-exporter report` (JSON and table), all at the
// same `at`, against one simulated Woodpecker whose clock stands still. The exporter's own clock
// stands at END too (libfaketime), so its last completed poll, where the gauges' windows end, is END.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { formatDuration, formatFrequency, formatRate } from "../../src/view/format.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import { frozenClockEnv, samples, startExporterProcess, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { expectedValues, shownValues } from "./page-values.ts";
import { END, runBinary, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "agree-token-5d2e8f";
let s: Sim;
let exporter: ExporterProcess;

beforeAll(async () => {
  s = startSim({ token: TOKEN });
  exporter = await startExporterProcess({ ...s.env, DORA_POLL_INTERVAL: "60", ...frozenClockEnv(END) });
  await waitReady(exporter.url);
});

afterAll(async () => {
  if (exporter && exporter.proc.exitCode === null) await exporter.stop();
  s?.served.stop();
});

for (const days of [7, 30, 90]) {
  describe(`window ${days}d at END`, () => {
    let api: SummaryJson;

    beforeAll(async () => {
      const res = await fetch(`${exporter.url}/api/v1/summary?window=${days}d&at=${END}`);
      expect(res.status).toBe(200);
      api = (await res.json()) as SummaryJson;
    });

    test("the history has something to compare", () => {
      expect(api.targets.length).toBe(5);
      expect(api.overall.keys.changeFailureRate.failed).toBeGreaterThan(0);
      expect(api.overall.keys.timeToRestore.restored).toBeGreaterThan(0);
    });

    test("report --format json equals the API's JSON", async () => {
      const r = await runBinary(["report", "--format", "json", "--window", `${days}d`, "--at", String(END)], s.env);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(api);
    });

    test("the page shows the API's numbers, raw and formatted", async () => {
      const html = await (await fetch(`${exporter.url}/?window=${days}d&at=${END}`)).text();
      const shown = shownValues(html);
      const expected = expectedValues(api);
      for (const [k, want] of expected) {
        const got = shown.get(k);
        expect(got === undefined ? `${k} missing` : k).toBe(k);
        if (want.value !== null) expect(`${k}=${got!.value}`).toBe(`${k}=${want.value}`);
        if (want.text !== "") expect(`${k}: ${got!.text}`).toBe(`${k}: ${want.text}`);
      }
      expect(shown.get("overall:failing")!.value).toBe(String(api.overall.failingTargets));
    });

    test("report's table shows the same numbers per row", async () => {
      const r = await runBinary(["report", "--window", `${days}d`, "--at", String(END)], s.env);
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      for (const t of api.targets) {
        const line = lines.find((l) => l.startsWith(`${t.repo} `) && l.split(/\s{2,}/)[1] === t.deployTo);
        expect(line === undefined ? `${t.repo} ${t.deployTo} missing` : "found").toBe("found");
        const k = t.keys;
        expect(line).toContain(`${formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments)} (${k.deploymentFrequency.deployments}) `);
        expect(line).toContain(`${formatDuration(k.leadTime.medianSeconds)} / ${formatDuration(k.leadTime.p90Seconds)} `);
        expect(line).toContain(`${formatRate(k.changeFailureRate.rate)} (${k.changeFailureRate.failed}/${k.changeFailureRate.attempts}) `);
        expect(line).toContain(`${formatDuration(k.timeToRestore.medianSeconds)} (${k.timeToRestore.restored}) `);
        expect(line).toContain(`${formatRate(k.reworkRate.rate)} (${k.reworkRate.rework}/${k.reworkRate.deployments}) `);
      }
    });
  });
}

describe("window gauges == API == report, for the poll's time", () => {
  let gauges: Map<string, number>;
  beforeAll(async () => {
    gauges = samples(await (await fetch(`${exporter.url}/metrics`)).text());
  });

  test("the gauges' windows end at the last completed poll (END)", () => {
    expect(gauges.get("dora_last_poll_success_timestamp_seconds")).toBe(END);
  });

  for (const days of [1, 7, 30, 90]) {
    test(`${days}d: every gauge equals the API's number (and report's), no gauge where the API has none`, async () => {
      const api = (await (await fetch(`${exporter.url}/api/v1/summary?window=${days}d&at=${END}`)).json()) as SummaryJson;
      const r = await runBinary(["report", "--format", "json", "--window", `${days}d`, "--at", String(END)], s.env);
      expect(JSON.parse(r.stdout)).toEqual(api);
      const w = `window="${days}d"`;
      const check = (prefix: string, labels: string, k: SummaryJson["overall"]["keys"]) => {
        const want: [string, number | null][] = [
          ["window_deployments_per_day", k.deploymentFrequency.perDay],
          ["window_change_failure_ratio", k.changeFailureRate.rate],
          ["window_lead_time_p50_seconds", k.leadTime.medianSeconds],
          ["window_lead_time_p90_seconds", k.leadTime.p90Seconds],
          ["window_recovery_time_p50_seconds", k.timeToRestore.medianSeconds],
          ["window_rework_ratio", k.reworkRate.rate],
        ];
        for (const [name, v] of want) {
          const key = `${prefix}${name}{${labels}}`;
          expect(`${key} ${gauges.get(key)}`).toBe(`${key} ${v === null ? undefined : v}`);
        }
      };
      check("dora_overall_", w, api.overall.keys);
      for (const t of api.targets) check("dora_", `repo="${t.repo}",deploy_to="${t.deployTo}",${w}`, t.keys);
      const perTarget = [...gauges.keys()].filter((k) => k.startsWith("dora_window_deployments_per_day{") && k.includes(w));
      expect(perTarget.length).toBe(api.targets.length);
    });
  }
});

test("the token appears in no output", () => {
  expect(exporter.logs.join("\n")).not.toContain(TOKEN);
  expect(exporter.stdout()).not.toContain(TOKEN);
});
