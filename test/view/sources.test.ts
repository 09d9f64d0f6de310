// The operator view of sources: every target says what feeds it (dora_target_info's rows), each
// ArgoCD app how it was mapped and why, identically in the API's JSON, the page and `report`.
// Hand-made mapping records: the view shows what the collector decided, it decides nothing.
import { describe, expect, test } from "bun:test";
import { renderReport } from "../../src/cli/report.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { SummaryRepo } from "../../src/core/summary.ts";
import { renderPage } from "../../src/server/page/render.ts";
import type { ExporterStatus } from "../../src/server/view.ts";
import { sourceLookup, sourcesText, type Sources } from "../../src/view/sources.ts";
import { repoDetailJson, summaryJson, windowSummary } from "../../src/view/window.ts";
import { shownValues } from "../api/page-values.ts";
import { opts, pl } from "../core/helpers.ts";

const DAY = 86_400;
const NOW = 100 * DAY;

/** Two repos with one Woodpecker target each (pushes to main count as production). */
function repos(): SummaryRepo[] {
  const make = (id: number, fullName: string): SummaryRepo => {
    const repo = { id, fullName, defaultBranch: "main" };
    const pipelines = [1, 2, 3].map((i) => pl({ id: i, created: NOW - i * DAY, commit: `${fullName}-c${i}` }));
    return { id, fullName, state: computeRepoDora(repo, pipelines, opts()) };
  };
  return [make(1, "acme/search"), make(2, "acme/web")];
}

const SOURCES: Sources = {
  targets: [
    { repo: "acme/search", deployTo: "production", source: "argocd", app: "default/search" },
    { repo: "acme/search", deployTo: "production", source: "woodpecker", app: "" },
    { repo: "acme/search", deployTo: "production", source: "argocd", app: "default/search-canary" },
    { repo: "acme/web", deployTo: "production", source: "woodpecker", app: "" },
  ],
  apps: [
    {
      app: "default/search-canary",
      repo: "acme/search",
      deployTo: "production",
      by: "config",
      why: 'argocd_apps[0] (apps: "default/search*")',
    },
    {
      app: "default/search",
      repo: "acme/search",
      deployTo: "production",
      by: "images",
      why: "registry.example.com/acme/search:3f2a9c1 names commit 3f2a9c1 of acme/search",
    },
    {
      app: "ops/legacy",
      repo: "acme-ops/legacy-deploy",
      deployTo: "legacy",
      by: "none",
      why: "no image names a tracked commit; source git@git.example.com:acme-ops/legacy-deploy.git is no tracked repo",
    },
  ],
};

const STATUS: ExporterStatus = {
  demo: false,
  version: "test",
  up: true,
  lastPollSuccess: NOW,
  polling: false,
  backfillComplete: true,
  backfilledRepos: 2,
  trackedRepos: 2,
  problem: null,
  unreachableSince: null,
  stale: false,
  pollIntervalSeconds: 60,
  historyOrigin: null,
  warnings: [],
  argocd: { up: true, apps: 3, streamConnected: true },
};

describe("sourceLookup", () => {
  test("without ArgoCD every target is Woodpecker's", () => {
    for (const s of [undefined, { targets: [], apps: [] }])
      expect(sourceLookup(s)("acme/web", "production")).toEqual([
        { source: "woodpecker", app: "", mappedBy: null, why: null },
      ]);
  });

  test("the info rows of the pair: Woodpecker first, then apps by name, each with its mapping", () => {
    const got = sourceLookup(SOURCES)("acme/search", "production");
    expect(got.map((s) => [s.source, s.app, s.mappedBy])).toEqual([
      ["woodpecker", "", null],
      ["argocd", "default/search", "images"],
      ["argocd", "default/search-canary", "config"],
    ]);
    expect(got[1]!.why).toContain("names commit 3f2a9c1");
    expect(sourcesText(got)).toBe(
      "woodpecker + argocd default/search (images) + argocd default/search-canary (config)",
    );
  });

  test("a pair with no row is Woodpecker's; an app without a mapping record still shows, without a reason", () => {
    const lookup = sourceLookup({ targets: [{ repo: "a/b", deployTo: "x", source: "argocd", app: "p/x" }], apps: [] });
    expect(lookup("a/b", "y")).toEqual([{ source: "woodpecker", app: "", mappedBy: null, why: null }]);
    expect(lookup("a/b", "x")).toEqual([{ source: "argocd", app: "p/x", mappedBy: null, why: null }]);
  });
});

describe("the API's JSON, the page and report show the same sources", () => {
  const source = { repos: repos(), woodpeckerUrl: "https://ci.example.com", now: NOW, sources: SOURCES };
  const s = windowSummary(source, { window: 30 });

  test("every target of the summary and of the repo detail carries its sources; the apps are listed by name", () => {
    const json = JSON.parse(JSON.stringify(summaryJson(s)));
    expect(json.targets.map((t: any) => [t.repo, t.sources.map((x: any) => x.app)])).toEqual([
      ["acme/search", ["", "default/search", "default/search-canary"]],
      ["acme/web", [""]],
    ]);
    expect(json.apps.map((a: any) => a.app)).toEqual(["default/search", "default/search-canary", "ops/legacy"]);
    const search = s.repos.find((r) => r.repo === "acme/search")!;
    const detail = repoDetailJson(s, search);
    expect(detail.repo.targets[0]!.sources).toEqual(s.targets[0]!.sources);
    expect(detail.apps.map((a) => a.app)).toEqual(["default/search", "default/search-canary"]);
  });

  test("a repo filter keeps the apps of the shown repos only", () => {
    const web = windowSummary(source, { window: 30, repo: "acme/web" });
    expect(web.apps).toEqual([]);
    expect(windowSummary(source, { window: 30, repo: "acme-ops/*" }).apps.map((a) => a.app)).toEqual(["ops/legacy"]);
  });

  test(
    "the page: each target's sources under its name (why " + "in the title), and the apps table with mapping and why",
    () => {
      const page = renderPage({
        status: STATUS,
        summary: s,
        woodpeckerUrl: source.woodpeckerUrl,
        clock: NOW,
      }).toString();
      const shown = shownValues(page);
      for (const t of s.targets) expect(shown.get(`${t.repo}|${t.deployTo}:source`)?.text).toBe(sourcesText(t.sources));
      for (const a of s.apps) {
        expect(shown.get(`app:${a.app}:repo`)?.text).toBe(a.repo);
        expect(shown.get(`app:${a.app}:target`)?.text).toBe(a.deployTo);
        expect(shown.get(`app:${a.app}:by`)?.text).toBe(a.by);
        expect(shown.get(`app:${a.app}:why`)?.text).toBe(a.why);
      }
      expect(page).toContain("<h2>ArgoCD apps</h2>");
      expect(page).toContain(
        'title="default/search: registry.example.com/acme/search:3f2a9c1 names commit 3f2a9c1 of acme/search; ' +
          'default/search-canary: argocd_apps[0] (apps: &#34;default/search*&#34;)"',
      );
    },
  );

  test("the page without ArgoCD: no apps table, no source under the targets (all Woodpecker's)", () => {
    const plain = windowSummary({ ...source, sources: undefined }, { window: 30 });
    const page = renderPage({
      status: STATUS,
      summary: plain,
      woodpeckerUrl: source.woodpeckerUrl,
      clock: NOW,
    }).toString();
    expect(page).not.toContain("ArgoCD apps");
    expect(shownValues(page).has("acme/search|production:source")).toBe(false);
    expect(page).not.toContain('class="sub src"');
  });

  test("report: a source column per row, the apps with mapping and why (table and markdown)", () => {
    const table = renderReport(s, "table");
    const row = table.split("\n").find((l) => l.startsWith("acme/search "))!;
    expect(row.trimEnd()).toEndWith(sourcesText(s.targets[0]!.sources));
    expect(table).toContain(
      "  default/search -> acme/search, production: images (registry.example.com/acme/search:3f2a9c1 names " +
        "commit 3f2a9c1 of acme/search)",
    );
    expect(table).toContain("  ops/legacy -> acme-ops/legacy-deploy, legacy: none (");
    const md = renderReport(s, "markdown");
    expect(md).toContain("| ArgoCD app | repo | target | mapped by | why |");
    expect(md).toContain("| ops/legacy | acme-ops/legacy-deploy | legacy | none: maps to no tracked repo");
    expect(JSON.parse(renderReport(s, "json"))).toEqual(JSON.parse(JSON.stringify(summaryJson(s))));
    const plain = renderReport(windowSummary({ ...source, sources: undefined }, { window: 30 }), "table");
    expect(plain).not.toContain("ArgoCD apps");
    expect(
      plain
        .split("\n")
        .find((l) => l.startsWith("repo "))!
        .trimEnd(),
    ).toEndWith("failing since");
  });
});
