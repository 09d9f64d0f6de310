// `check` on repos that never deploy the default ways (issue 13 item 10): it reads one unfiltered
// page and says what the repo runs, with a rule that fits; and it windows pipelines by attempt time
// like `report`, so both give the same counts for the same minute.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { runCheck } from "../../src/cli/check.ts";
import { parseReportArgs, runReport } from "../../src/cli/report.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import type { SimulatedWoodpecker } from "../../src/simulator/index.ts";
import { startSim, type Sim } from "../api/sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "check-events-token-2b2b";
const NOW = 1_788_220_800;
const DAY = 86_400;
const FROM = NOW - 30 * DAY;
let s: Sim;

function add(
  sim: SimulatedWoodpecker,
  repo: number,
  created: number,
  event: string,
  branch: string,
  finished: number,
  status: "success" | "failure" = "success",
) {
  const p = sim.atTime(created, () =>
    sim.addPipeline(repo, {
      event: event as "push",
      branch,
      ref: event === "tag" ? "refs/tags/v1" : `refs/heads/${branch}`,
    }),
  );
  sim.finishPipeline(repo, p.number, status, finished);
}

beforeAll(() => {
  s = startSim({ token: TOKEN, days: 3, end: NOW });
  const lib = s.sim.addRepo({ owner: "acme", name: "lib", full_name: "acme/lib", default_branch: "main" }).id;
  const counts: [string, string, number][] = [
    ["pull_request", "feature/x", 20],
    ["tag", "v1", 2],
    ["manual", "main", 4],
    ["cron", "main", 3],
  ];
  let t = NOW - 25 * DAY;
  for (const [event, branch, n] of counts)
    for (let i = 0; i < n; i++) add(s.sim, lib, (t += 3 * 3600), event, branch, t + 600);
  // Pushes to main, one created before the window and finished inside it: an attempt in the window.
  const app = s.sim.addRepo({ owner: "acme", name: "app", full_name: "acme/app", default_branch: "main" }).id;
  add(s.sim, app, FROM - 300, "push", "main", FROM + 300);
  add(s.sim, app, FROM - 200, "push", "main", FROM + 400, "failure");
  add(s.sim, app, FROM + 5 * DAY, "push", "main", FROM + 5 * DAY + 600);
  add(s.sim, app, FROM + 6 * DAY, "push", "main", FROM + 6 * DAY + 600, "failure");
  // Created inside, finished after now: not an attempt of this window yet.
  add(s.sim, app, NOW - 100, "push", "main", NOW + 500);
});
afterAll(() => s?.served.stop());

async function check(env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await runCheck(loadConfig({ ...s.env, ...env }), {
    stdout: { write: (x: string) => (out += x) },
    stderr: { write: () => {} },
    now: () => NOW * 1000,
  });
  return { code, out };
}

test("a repo of pull requests, tags, manual and cron runs: what it runs, and a rule that fits", async () => {
  const { code, out } = await check({ DORA_REPOS: "acme/lib" });
  expect(code).toBe(1);
  expect(out).not.toContain("No pipeline of this repo was read at all");
  expect(out).toContain(
    '! acme/lib: no pipeline matched as a deployment in the last 30 days (default 2: pushes to "main"). 30 ' +
      "days: 20 pull_request, 4 manual, 3 cron, 2 tag; none is a push to main or a deployment. If tags are its " +
      "releases, add to DORA_CONFIG: deployment_rules: [{repos: " +
      '"acme/lib", rules: [{events: [tag], target: production}]}]',
  );
});

test("check and report count the same attempts for the same minute (attempt time, not created)", async () => {
  const { out } = await check({ DORA_REPOS: "acme/app" });
  expect(out).toContain("(pipelines by attempt time: finished, else updated, else created)");
  const row = out
    .split("\n")
    .find((l) => l.trimStart().startsWith("production "))!
    .trim()
    .split(/\s+/);
  let json = "";
  await runReport(loadConfig({ ...s.env, DORA_REPOS: "acme/app" }), parseReportArgs(["--format", "json"]), {
    stdout: { write: (x: string) => (json += x) },
    stderr: { write: () => {} },
    now: () => NOW * 1000,
  });
  const cfr = (JSON.parse(json) as SummaryJson).targets.find(
    (t) => t.repo === "acme/app" && t.deployTo === "production",
  )!.keys.changeFailureRate;
  expect(cfr).toMatchObject({ attempts: 4, failed: 2 });
  // target, matched, success, failed, other
  expect(row.slice(0, 5)).toEqual(["production", "4", "2", "2", "0"]);
});

test("DORA_SINCE in the future is a warning of check too", async () => {
  const { code, out } = await check({ DORA_REPOS: "acme/app", DORA_SINCE: "2030-01-01T00:00:00Z" });
  expect(code).toBe(1);
  expect(out).toContain(
    "  ! DORA_SINCE 2030-01-01T00:00:00Z is in the future: every pipeline is older, so nothing is counted until then",
  );
});
