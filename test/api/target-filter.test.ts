// One target at a time (issue 13 item 6): `deploy_to` on the page and in the API, `--target` in
// `report`; the same glob syntax as `repo` (`!glob` excludes); repos without the target drop out.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { parseReportArgs, runReport } from "../../src/cli/report.ts";
import { UsageError } from "../../src/cli/args.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createApp } from "../../src/server/app.ts";
import type { ExporterView } from "../../src/server/view.ts";
import type { SummaryJson } from "../../src/view/window.ts";
import { END, pollOnce, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(60_000);

const TOKEN = "target-filter-token-9e0c";
let s: Sim;
let view: ExporterView;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  s = startSim({ token: TOKEN, days: 21 });
  const polled = await pollOnce(s);
  view = polled.view;
  app = createApp({ registry: polled.core.registry, readiness: { ready: () => true }, view: () => view });
});
afterAll(() => s?.served.stop());

async function get(path: string): Promise<Response> {
  return await app.handle(new Request(`http://localhost${path}`));
}
const summary = async (q: string) => (await (await get(`/api/v1/summary?${q}`)).json()) as SummaryJson;

describe("API", () => {
  test("?deploy_to= keeps one target; the overall numbers are that target's", async () => {
    const all = await summary("window=30d");
    const names = [...new Set(all.targets.map((t) => t.deployTo))];
    expect(names.length).toBeGreaterThan(1);
    const name = names[0]!;
    const one = await summary(`window=30d&deploy_to=${encodeURIComponent(name)}`);
    expect(one.targets.length).toBeGreaterThan(0);
    expect(one.targets.every((t) => t.deployTo === name)).toBe(true);
    expect(one.targets).toEqual(all.targets.filter((t) => t.deployTo === name));
    const sum = (f: (t: SummaryJson["targets"][number]) => number) => one.targets.reduce((n, t) => n + f(t), 0);
    expect(one.overall.keys.deploymentFrequency.deployments).toBe(sum((t) => t.keys.deploymentFrequency.deployments));
    expect(one.overall.keys.changeFailureRate.attempts).toBe(sum((t) => t.keys.changeFailureRate.attempts));
    expect(one.overall.repos).toBe(new Set(one.targets.map((t) => t.repo)).size);
    const others = await summary(`window=30d&deploy_to=${encodeURIComponent("!" + name)}`);
    expect(others.targets).toEqual(all.targets.filter((t) => t.deployTo !== name));
  });

  test("a bad deploy_to is a 400 naming it; unknown parameters list it", async () => {
    const bad = await get("/api/v1/summary?deploy_to=prod%7B");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toStartWith("deploy_to: ");
    const unknown = await get("/api/v1/summary?target=production");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe(
      'unknown query parameter "target" (known: window, repo, deploy_to, at, group_by)',
    );
  });

  test("a repo's detail with a target it lacks is a 404 naming deploy_to", async () => {
    const res = await get(`/api/v1/repos/${view.repos[0]!.id}?deploy_to=no-such-target`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toStartWith("deploy_to: ");
  });
});

describe("page", () => {
  test("a target filter: one link per target, the chosen one marked and kept by the window links", async () => {
    const all = await summary("window=30d");
    const name = all.targets[0]!.deployTo;
    const body = await (await get(`/?window=30d&deploy_to=${encodeURIComponent(name)}`)).text();
    const nav = body.match(/<nav class="targets" aria-label="target">([\s\S]*?)<\/nav>/)![1]!;
    expect(nav).toContain(`<span class="on" aria-current="page">${name}</span>`);
    expect(nav).toContain('<a href="/?window=30d">all targets</a>');
    const weekLink = body.match(/<a href="(\/\?window=7d[^"]*)">7 days<\/a>/)![1]!;
    expect(weekLink).toMatch(new RegExp(`deploy_to=${encodeURIComponent(name)}$`));
    expect(body).toContain(`data-k="filter:deploy_to">${name}</code>`);
    const rows = [...body.matchAll(/<td class="target" data-label="target"><span class="tname">([^<]*)<\/span>/g)].map(
      (m) => m[1],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r === name)).toBe(true);
  });
});

describe("report --target", () => {
  test("parses, repeats, and refuses a bad glob as a usage error", () => {
    expect(parseReportArgs(["--target", "production", "--target=!staging"]).targets).toEqual([
      "production",
      "!staging",
    ]);
    expect(() => parseReportArgs(["--target", "prod{"])).toThrow(UsageError);
    expect(() => parseReportArgs(["--target", "prod{"])).toThrow(/^--target: /);
  });

  test("prints only the target's rows, the same numbers as the API", async () => {
    const all = await summary(`window=30d&at=${END}`);
    const name = all.targets[0]!.deployTo;
    let out = "";
    const code = await runReport(
      loadConfig(s.env),
      parseReportArgs(["--format", "json", "--at", String(END), "--target", name]),
      {
        stdout: { write: (x: string) => (out += x) },
        stderr: { write: () => {} },
      },
    );
    expect(code).toBe(0);
    const json = JSON.parse(out) as SummaryJson;
    expect(json).toEqual(await summary(`window=30d&at=${END}&deploy_to=${encodeURIComponent(name)}`));
    expect(json.targets.every((t) => t.deployTo === name)).toBe(true);
  });
});
