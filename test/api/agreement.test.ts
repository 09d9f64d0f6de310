// The API, the page, the CLI and the window gauges agree on every number for the same history: the
// compiled exporter (API, page, /metrics) and `dora-exporter report` (JSON and table), all at the
// same `at`, against one simulated Woodpecker whose clock stands still, and a simulated ArgoCD that
// deploys acme/search (its images tagged with the pushes' commits): so one target is ArgoCD's, and
// every view (and dora_target_info) says so. The exporter's own clock stands at END too
// (libfaketime), so its last completed poll, where the gauges' windows end, is END.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { formatDuration, formatFrequency, formatRate } from "../../src/view/format.ts";
import { sourcesText } from "../../src/view/sources.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import {
  frozenClockEnv,
  samples,
  startExporterProcess,
  waitReady,
  type ExporterProcess,
} from "../e2e/exporter-process.ts";
import { expectedValues, shownValues } from "./page-values.ts";
import { END, GITOPS_APP, GITOPS_REPO, runBinary, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "agree-token-5d2e8f";
const ARGO_TOKEN = "agree-argo-token-71c0";
let s: Sim;
let exporter: ExporterProcess;

beforeAll(async () => {
  s = startSim({ token: TOKEN, argocdToken: ARGO_TOKEN });
  exporter = await startExporterProcess({ ...s.env, DORA_POLL_INTERVAL: "60", ...frozenClockEnv(END) });
  await waitReady(exporter.url);
});

afterAll(async () => {
  if (exporter && exporter.proc.exitCode === null) await exporter.stop();
  s?.stop();
});

/** dora_target_info's rows on /metrics: "repo|deploy_to" -> sources as `source:app`, sorted. */
async function targetInfo(): Promise<Map<string, string[]>> {
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/^dora_target_info\{([^}]*)\} 1$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const key = `${labels.repo}|${labels.deploy_to}`;
    out.set(key, [...(out.get(key) ?? []), `${labels.source}:${labels.app}`].sort());
  }
  return out;
}

for (const days of [7, 30, 90]) {
  describe(`window ${days}d at END`, () => {
    let api: SummaryJson;

    beforeAll(async () => {
      const res = await fetch(`${exporter.url}/api/v1/summary?window=${days}d&at=${END}`);
      expect(res.status).toBe(200);
      api = (await res.json()) as SummaryJson;
    });

    test("the history has something to compare, an ArgoCD target among it", () => {
      expect(api.targets.length).toBe(5);
      expect(api.overall.keys.changeFailureRate.failed).toBeGreaterThan(0);
      expect(api.overall.keys.timeToRestore.restored).toBeGreaterThan(0);
      const argo = api.targets.filter((t) => t.sources.some((x) => x.source === "argocd"));
      expect(argo.map((t) => [t.repo, t.deployTo, t.sources.map((x) => `${x.source}:${x.app}:${x.mappedBy}`)])).toEqual(
        [[GITOPS_REPO, "search", [`argocd:${GITOPS_APP}:images`]]],
      );
      expect(argo[0]!.keys.changeFailureRate.attempts).toBeGreaterThan(0);
      // Its pushes are builds now: no Woodpecker target left for the repo.
      expect(api.targets.filter((t) => t.repo === GITOPS_REPO).map((t) => t.deployTo)).toEqual(["search"]);
      expect(api.apps.map((a) => [a.app, a.repo, a.deployTo, a.by])).toEqual([
        [GITOPS_APP, GITOPS_REPO, "search", "images"],
      ]);
    });

    test("dora_target_info on /metrics names exactly the sources the API gives each target", async () => {
      const info = await targetInfo();
      const fromApi = new Map(
        api.targets.map((t) => [`${t.repo}|${t.deployTo}`, t.sources.map((x) => `${x.source}:${x.app}`).sort()]),
      );
      // The window may leave out a target the metric still has (no attempt in it): compare the API's.
      for (const [k, v] of fromApi) expect(`${k}: ${info.get(k)?.join(",")}`).toBe(`${k}: ${v.join(",")}`);
    });

    test("report --format json equals the API's JSON", async () => {
      const r = await runBinary(["report", "--format", "json", "--window", `${days}d`, "--at", String(END)], s.env);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(api);
    });

    test("the page shows the API's numbers, raw and formatted, and each target's sources", async () => {
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
      // expectedValues includes each target's sources and the apps' mappings (ArgoCD feeds one).
      expect(expected.has(`${GITOPS_REPO}|search:source`)).toBe(true);
      expect(expected.has(`app:${GITOPS_APP}:why`)).toBe(true);
    });

    test("report's table shows the same numbers per row", async () => {
      const r = await runBinary(["report", "--window", `${days}d`, "--at", String(END)], s.env);
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      for (const t of api.targets) {
        const line = lines.find((l) => l.startsWith(`${t.repo} `) && l.split(/\s{2,}/)[1] === t.deployTo);
        expect(line === undefined ? `${t.repo} ${t.deployTo} missing` : "found").toBe("found");
        const k = t.keys;
        expect(line).toContain(
          `${formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments)} ` +
            `(${k.deploymentFrequency.deployments}) `,
        );
        expect(line).toContain(
          `${formatDuration(k.leadTime.medianSeconds)} / ${formatDuration(k.leadTime.p90Seconds)} `,
        );
        expect(line).toContain(
          `${formatRate(k.changeFailureRate.rate)} (${k.changeFailureRate.failed}/${k.changeFailureRate.attempts}) `,
        );
        expect(line).toContain(`${formatDuration(k.timeToRestore.medianSeconds)} (${k.timeToRestore.restored}) `);
        expect(line).toContain(
          `${formatRate(k.reworkRate.rate)} (${k.reworkRate.rework}/${k.reworkRate.deployments}) `,
        );
        expect(line!.trimEnd()).toEndWith(sourcesText(t.sources));
      }
      for (const a of api.apps) expect(lines).toContain(`  ${a.app} -> ${a.repo}, ${a.deployTo}: ${a.by} (${a.why})`);
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
      const api = (await (
        await fetch(`${exporter.url}/api/v1/summary?window=${days}d&at=${END}`)
      ).json()) as SummaryJson;
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
      const perTarget = [...gauges.keys()].filter(
        (k) => k.startsWith("dora_window_deployments_per_day{") && k.includes(w),
      );
      expect(perTarget.length).toBe(api.targets.length);
    });
  }
});

test("the token appears in no output", () => {
  expect(exporter.logs.join("\n")).not.toContain(TOKEN);
  expect(exporter.stdout()).not.toContain(TOKEN);
});
