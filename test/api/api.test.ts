// The JSON API, the OpenAPI document, the docs page and the page's HTTP behaviour, in process:
// the real app (createApp) over a view built from one poll of the simulator, windows taken at END.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Registry } from "prom-client";
import type { RepoState } from "../../src/core/state.ts";
import { createApp } from "../../src/server/app.ts";
import type { ExporterView } from "../../src/server/view.ts";
import type { RepoDetailJson, SummaryJson } from "../../src/view/window.ts";
import { END, pollOnce, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(30_000);

const TOKEN = "api-test-token-93b1";
let s: Sim;
let view: ExporterView;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  s = startSim({ token: TOKEN });
  const polled = await pollOnce(s);
  view = polled.view;
  const core = polled.core;
  app = createApp({ registry: core.registry, readiness: { ready: () => true }, view: () => view });
});

afterAll(() => s?.served.stop());

async function get(path: string): Promise<Response> {
  return await app.handle(new Request(`http://localhost${path}`));
}

async function json<T>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return (await res.json()) as T;
}

describe("GET /api/v1/summary", () => {
  test("default window is 30 days ending now; overall counts are the sums of the rows", async () => {
    const sum = await json<SummaryJson>("/api/v1/summary");
    expect(sum.window).toEqual({ days: 30, start: END - 30 * 86_400, end: END });
    expect(sum.targets.length).toBeGreaterThan(2);
    const add = (f: (t: SummaryJson["targets"][number]) => number) => sum.targets.reduce((n, t) => n + f(t), 0);
    const o = sum.overall.keys;
    expect(o.deploymentFrequency.deployments).toBe(add((t) => t.keys.deploymentFrequency.deployments));
    expect(o.changeFailureRate.attempts).toBe(add((t) => t.keys.changeFailureRate.attempts));
    expect(o.changeFailureRate.failed).toBe(add((t) => t.keys.changeFailureRate.failed));
    expect(o.leadTime.observations).toBe(add((t) => t.keys.leadTime.observations));
    expect(o.timeToRestore.restored).toBe(add((t) => t.keys.timeToRestore.restored));
    expect(o.deploymentFrequency.perDay).toBeCloseTo(o.deploymentFrequency.deployments / 30, 12);
    expect(sum.overall.failingTargets).toBe(sum.targets.filter((t) => t.failing.now).length);
    // The summary carries no series or incidents (that is the detail endpoint).
    expect(Object.keys(sum.repos[0]!).sort()).toEqual(["failingTargets", "id", "keys", "mode", "repo"]);
  });

  test("a shorter window counts fewer events; 7d, 90d and any Nd work", async () => {
    const w7 = await json<SummaryJson>("/api/v1/summary?window=7d");
    const w30 = await json<SummaryJson>("/api/v1/summary?window=30d");
    const w90 = await json<SummaryJson>("/api/v1/summary?window=90d");
    const w1 = await json<SummaryJson>("/api/v1/summary?window=1d");
    expect(w7.window.days).toBe(7);
    expect(w1.window.days).toBe(1);
    expect(w7.overall.keys.changeFailureRate.attempts).toBeLessThan(w30.overall.keys.changeFailureRate.attempts);
    // The history is 21 days long: 30 and 90 days see all of it.
    expect(w90.overall.keys.changeFailureRate.attempts).toBe(w30.overall.keys.changeFailureRate.attempts);
    expect(w90.overall.keys.deploymentFrequency.perDay).toBeCloseTo(
      w30.overall.keys.deploymentFrequency.perDay / 3,
      12,
    );
  });

  test("repo glob filters rows and the overall numbers", async () => {
    const all = await json<SummaryJson>("/api/v1/summary");
    const shop = await json<SummaryJson>("/api/v1/summary?repo=acme/shop-*");
    expect(new Set(shop.targets.map((t) => t.repo))).toEqual(new Set(["acme/shop-api"]));
    expect(shop.overall.keys.deploymentFrequency.deployments).toBe(
      all.targets
        .filter((t) => t.repo === "acme/shop-api")
        .reduce((n, t) => n + t.keys.deploymentFrequency.deployments, 0),
    );
    const none = await json<SummaryJson>("/api/v1/summary?repo=!acme/*");
    expect(none.targets).toEqual([]);
    expect(none.overall.keys.deploymentFrequency.level).toBe("none");
  });

  test("at moves the window's end", async () => {
    const earlier = await json<SummaryJson>(`/api/v1/summary?window=7d&at=${END - 7 * 86_400}`);
    const rfc = await json<SummaryJson>("/api/v1/summary?window=7d&at=2026-08-25T00:00:00Z");
    expect(earlier.window.end).toBe(END - 7 * 86_400);
    expect(rfc).toEqual(earlier);
  });

  const bad: [string, string][] = [
    ["window=abc", "window: expected a number of days from 1d to 365d, like 7d, 30d or 90d"],
    ["window=0d", "window: expected a number of days from 1d to 365d, like 7d, 30d or 90d"],
    ["window=366d", "window: expected a number of days from 1d to 365d, like 7d, 30d or 90d"],
    ["window=7", "window: expected a number of days from 1d to 365d, like 7d, 30d or 90d"],
    ["repo=acme/%5Bx", `repo: unclosed '[' at position 6 in "acme/[x"`],
    ["at=yesterday", "at: expected Unix seconds or an RFC 3339 time like 2026-09-01T00:00:00Z"],
    ["windw=7d", `unknown query parameter "windw" (known: window, repo, deploy_to, at, group_by)`],
  ];
  for (const [query, message] of bad) {
    test(`?${query} is a 400 with a one-line message`, async () => {
      const res = await get(`/api/v1/summary?${query}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: message });
    });
  }
});

describe("GET /api/v1/repos/{repo}", () => {
  test("by id and by full name: targets, a daily series per window day, incidents with links", async () => {
    const sum = await json<SummaryJson>("/api/v1/summary?window=30d");
    const shop = sum.repos.find((r) => r.repo === "acme/shop-api")!;
    const byId = await json<RepoDetailJson>(`/api/v1/repos/${shop.id}?window=30d`);
    const byName = await json<RepoDetailJson>("/api/v1/repos/acme/shop-api?window=30d");
    expect(byName).toEqual(byId);
    const r = byId.repo;
    expect(r.keys).toEqual(shop.keys);
    expect(r.targets.map((t) => t.deployTo)).toEqual(["production", "staging"]);
    expect(r.targets).toEqual(sum.targets.filter((t) => t.repo === "acme/shop-api"));
    expect(r.daily.length).toBe(30);
    expect(r.daily[29]!.start).toBe(END - 86_400);
    expect(r.daily.reduce((n, d) => n + d.deployments, 0)).toBe(r.keys.deploymentFrequency.deployments);
    expect(r.daily.reduce((n, d) => n + d.failures, 0)).toBe(r.keys.changeFailureRate.failed);
    expect(r.incidents.length).toBeGreaterThan(0);
    for (const i of r.incidents) {
      expect(i.openedByUrl).toBe(`${s.served.url}/repos/${shop.id}/pipeline/${i.openedBy}`);
      if (i.open)
        expect(i).toMatchObject({ end: null, closedBy: null, closedByUrl: null, durationSeconds: END - i.start });
      else {
        expect(i.closedByUrl).toBe(`${s.served.url}/repos/${shop.id}/pipeline/${i.closedBy}`);
        expect(i.durationSeconds).toBe(i.end! - i.start);
      }
    }
    // Newest first.
    expect(r.incidents.map((i) => i.start)).toEqual([...r.incidents.map((i) => i.start)].sort((a, b) => b - a));
  });

  test("an unknown repo is a 404 naming it; a bad window a 400", async () => {
    const res = await get("/api/v1/repos/acme/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: `repo: no tracked repo with id or name "acme/nope"` });
    const bad = await get("/api/v1/repos/acme/web?window=week");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toStartWith("window: ");
  });
});

describe("status, OpenAPI and docs", () => {
  test("GET /api/v1/status reports the poll and the backfill", async () => {
    const st = await json<Record<string, unknown>>("/api/v1/status");
    expect(st).toMatchObject({
      demo: false,
      up: true,
      backfillComplete: true,
      trackedRepos: 4,
      backfilledRepos: 4,
      polling: false,
    });
  });

  test("/openapi/json describes every API route with its valibot-derived parameters", async () => {
    const doc = await json<{
      openapi: string;
      paths: Record<
        string,
        { get: { parameters?: { name: string; schema: { description?: string; default?: unknown } }[] } }
      >;
    }>("/openapi/json");
    expect(doc.openapi).toStartWith("3.");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/repos/{repo}", "/api/v1/status", "/api/v1/summary"]);
    const params = doc.paths["/api/v1/summary"]!.get.parameters!;
    expect(params.map((p) => p.name).sort()).toEqual(["at", "deploy_to", "group_by", "repo", "window"]);
    const window = params.find((p) => p.name === "window")!;
    expect(window.schema.default).toBe("30d");
    expect(window.schema.description).toContain("1d to 365d");
  });

  test("/api is a server-rendered reference with no script and nothing remote", async () => {
    const res = await get("/api");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const body = await res.text();
    for (const route of ["GET /api/v1/summary", "GET /api/v1/repos/{repo}", "GET /api/v1/status"])
      expect(body).toContain(route);
    expect(body).not.toContain("<script");
    expect(body).not.toMatch(/(src|href)="https?:/);
  });
});

describe("the page over HTTP", () => {
  test("security headers, no script, nothing remote", async () => {
    const res = await get("/?window=7d");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const body = await res.text();
    expect(body).not.toContain("<script");
    // The only absolute links are to the Woodpecker UI (pipelines and the server itself).
    for (const m of body.matchAll(/(?:src|href)="(https?:[^"]*)"/g)) expect(m[1]!.startsWith(s.served.url)).toBe(true);
    expect(body).toContain('<span class="on" aria-current="page">7 days</span>');
    expect(body).toContain('href="/?window=30d"');
    expect(body).not.toContain("DEMO DATA");
  });

  test("exporter status: first poll, backfill progress, unreachable", async () => {
    const render = async (status: Partial<ExporterView["status"]>) => {
      const v: ExporterView = { ...view, status: { ...view.status, ...status } };
      const a = createApp({ registry: new Registry(), readiness: { ready: () => true }, view: () => v });
      const body = await (await a.handle(new Request("http://localhost/"))).text();
      return body.match(/<dl class="status"[\s\S]*?<\/dl>/)![0];
    };
    const starting = await render({
      up: null,
      lastPollSuccess: 0,
      polling: true,
      backfillComplete: false,
      backfilledRepos: 1,
      trackedRepos: 4,
    });
    expect(starting).toContain("first poll running");
    expect(starting).toContain("not yet · polling now");
    expect(starting).toContain('<progress max="4" value="1"></progress> 1/4 repos');
    const down = await render({ up: false, lastPollSuccess: END - 90 });
    expect(down).toContain("not reachable (last poll incomplete)");
    expect(down).toContain("2026-08-31 23:58 UTC (2 min ago)");
    const ok = await render({ up: true, backfillComplete: true, trackedRepos: 4 });
    expect(ok).toContain('<span class="okc">reachable</span>');
    expect(ok).toContain('<span class="okc">complete</span> (4 repos)');
  });

  test("the page says when the window reaches back before the history read (coverage < 1)", async () => {
    // The simulated history is 21 days long: its oldest push or deployment is the origin.
    const origin = Math.min(
      ...s.sim.listRepos().flatMap((r) =>
        s.sim
          .listPipelines(r.id)
          .filter((p) => p.event === "push" || p.event === "deployment")
          .map((p) => p.created),
      ),
    );
    expect(view.origin).toEqual({ at: origin, since: false });
    const note = (body: string) =>
      body.match(/<p class="window warnc" data-k="coverage" data-value="([^"]+)">(.*?)<\/p>/);
    const m30 = note(await (await get("/?window=30d")).text());
    expect(Number(m30![1])).toBe((END - origin) / (30 * 86_400));
    expect(m30![2]).toContain("the oldest pipeline read (created ");
    expect(m30![2]).toContain("Deployment frequency still divides by all 30 days.");
    expect(note(await (await get("/?window=7d")).text())).toBeNull();
    // With DORA_SINCE the origin is DORA_SINCE, named as such.
    const v: ExporterView = { ...view, origin: { at: END - 10 * 86_400, since: true } };
    const a = createApp({ registry: new Registry(), readiness: { ready: () => true }, view: () => v });
    const m = note(await (await a.handle(new Request("http://localhost/?window=30d"))).text());
    expect(m![1]).toBe(String(10 / 30));
    expect(m![2]).toContain("<code>DORA_SINCE</code> (2026-08-22 00:00 UTC)");
    expect(m![2]).toContain("covers 33.3% of it");
  });

  test("a bad window is a 400 page naming the parameter", async () => {
    const res = await get("/?window=abc");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await res.text()).toContain("window: expected a number of days from 1d to 365d");
  });

  test("every value is escaped; demo data carries a banner", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const state: RepoState = {
      repoId: 66,
      mode: "rules",
      targets: [
        {
          target: `prod"><b>x</b>`,
          attempts: [{ pipelineId: 1, number: 1, time: END - 100, success: false }],
          deployments: 0,
          failures: 1,
          lastSuccessAt: 0,
          lastFailureAt: END - 100,
          incidents: [
            { openedAt: END - 100, openedBy: 1, lastFailureAt: END - 100, closedAt: null, closedBy: null, failures: 1 },
          ],
          failingSince: END - 100,
          restoreSeconds: [],
          leadTimes: [],
          leadTimeSourceMissing: 0,
          rework: [],
        },
      ],
    };
    const evilView: ExporterView = {
      ...view,
      status: { ...view.status, demo: true },
      repos: [{ id: 66, fullName: `acme/${evil}`, state }],
    };
    const page = createApp({ registry: new Registry(), readiness: { ready: () => true }, view: () => evilView });
    const body = await (await page.handle(new Request("http://localhost/"))).text();
    expect(body).not.toContain(evil);
    expect(body).not.toContain("<b>x</b>");
    expect(body).toContain("acme/&#60;img src=x onerror=alert(1)&#62;");
    expect(body).toContain("DEMO DATA");
    expect(body).toContain("1 target is failing");
  });
});

describe("five keys and groups", () => {
  const labelled = () => ({
    ...view,
    repoLabels: [
      { repos: "acme/{shop-api,web}", labels: { team: "shop" } },
      { repos: "acme/*", labels: { team: "platform" } },
    ],
  });
  let grouped: ReturnType<typeof createApp>;
  beforeAll(() => {
    grouped = createApp({ registry: new Registry(), readiness: { ready: () => true }, view: labelled });
  });
  const getGrouped = (path: string) => grouped.handle(new Request(`http://localhost${path}`));

  test("rework rate: reasons add up, level none with its reason, overall the sum of the rows", async () => {
    const sum = await json<SummaryJson>("/api/v1/summary?window=30d");
    const o = sum.overall.keys.reworkRate;
    expect(o.level).toBe("none");
    expect(o.levelReason).toBe("DORA publishes no thresholds");
    expect(o.rework).toBe(Object.values(o.reasons).reduce((a, b) => a + b, 0));
    expect(o.rework).toBe(sum.targets.reduce((n, t) => n + t.keys.reworkRate.rework, 0));
    expect(o.rework).toBeGreaterThan(0); // the simulated history has rollbacks, a revert and a hotfix
    expect(o.deployments).toBe(sum.overall.keys.deploymentFrequency.deployments);
    expect(sum.keyGroups.instability).toEqual(["changeFailureRate", "reworkRate"]);
  });

  test("?group_by=team pools each team's repos; no groups without it", async () => {
    const res = await getGrouped("/api/v1/summary?group_by=team");
    expect(res.status).toBe(200);
    const sum = (await res.json()) as SummaryJson;
    expect(sum.groups!.map((g) => [g.group, g.repos])).toEqual([
      ["platform", 2],
      ["shop", 2],
    ]);
    expect(sum.groups!.reduce((n, g) => n + g.keys.reworkRate.rework, 0)).toBe(sum.overall.keys.reworkRate.rework);
    const plain = (await (await getGrouped("/api/v1/summary")).json()) as SummaryJson;
    expect(plain.groups).toBeUndefined();
  });

  test("a bad or unknown group_by is a 400 with one line", async () => {
    const bad = await getGrouped("/api/v1/summary?group_by=te%20am");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'group_by: expected a repo label name like team, got "te am"' });
    const unknown = await getGrouped("/api/v1/summary?group_by=tier");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'group_by: no repo_labels block defines the label "tier" (known: team)',
    });
    const none = await get("/api/v1/summary?group_by=team");
    expect(none.status).toBe(400);
  });

  test("the page: two key groups, five cards, a group selector, and a team table", async () => {
    const page = await (await getGrouped("/?group_by=team")).text();
    expect(page).toContain('<h2 class="keygroup">Throughput</h2>');
    expect(page).toContain('<h2 class="keygroup">Instability</h2>');
    expect(page.match(/<section class="card /g)?.length).toBe(5);
    expect(page).toContain("Failed deployment recovery time");
    expect(page).toContain(
      '<select id="group_by" name="group_by"><option value="team" selected>team</option></select>',
    );
    expect(page).toContain("<h2>By team</h2>");
    expect((await getGrouped("/?group_by=tier")).status).toBe(400);
    // Without repo_labels there is nothing to select.
    expect(await (await get("/")).text()).not.toContain('name="group_by"');
  });
});
