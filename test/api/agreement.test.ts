// The API, the page and the CLI agree on every number for the same history: the compiled exporter
// (API and page) and `dora-exporter report` (JSON and table), all at the same `at`, against one
// simulated Woodpecker whose clock stands still.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { formatDuration, formatFrequency, formatRate } from "../../src/view/format.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import { startExporterProcess, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { expectedValues, shownValues } from "./page-values.ts";
import { END, runBinary, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "agree-token-5d2e8f";
let s: Sim;
let exporter: ExporterProcess;

beforeAll(async () => {
  s = startSim({ token: TOKEN });
  exporter = await startExporterProcess({ ...s.env, DORA_POLL_INTERVAL: "60" });
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
      }
    });
  });
}

test("the token appears in no output", () => {
  expect(exporter.logs.join("\n")).not.toContain(TOKEN);
  expect(exporter.stdout()).not.toContain(TOKEN);
});
