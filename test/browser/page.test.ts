// The page in a real browser: Debian's chromium driven by playwright-core (never a downloaded
// browser) opens the compiled exporter's page against the simulators (Woodpecker, and ArgoCD
// deploying acme/search), checks that every number and every target's source it shows equals the
// API's, switches the window with the page's own links, sees no console error and no request
// leaving the exporter, and saves screenshots to .test-artifacts/.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { SummaryJson } from "../../src/view/window.ts";
import { expectedValues } from "../api/page-values.ts";
import { END, GITOPS_APP, GITOPS_REPO, startSim, type Sim } from "../api/sim.ts";
import { ROOT, startExporterProcess, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";

setDefaultTimeout(90_000);

// Browser globals used inside page.evaluate callbacks (the project's lib has no DOM).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number }; body: unknown };
declare function getComputedStyle(e: unknown): { color: string; fontFamily: string };

// Overridable only so the "missing chromium" failure can itself be tested.
const CHROMIUM = process.env.DORA_TEST_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, ".test-artifacts");
const TOKEN = "browser-token-8c8c1d";

let s: Sim;
let exporter: ExporterProcess;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const consoleErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run \`sh scripts/install-test-deps.sh\` (as root) to install Debian's chromium`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  s = startSim({ token: TOKEN, argocdToken: "browser-argo-token-2b9e" });
  // Two teams, so the page has a group selector.
  const configDir = mkdtempSync(join(tmpdir(), "dora-browser-config-"));
  writeFileSync(
    join(configDir, "dora.yaml"),
    'repo_labels:\n  - repos: "acme/{shop-api,web}"\n    labels: { team: shop }\n  - repos: "acme/*"\n    ' +
      "labels: { team: platform }\n",
  );
  exporter = await startExporterProcess({
    ...s.env,
    DORA_POLL_INTERVAL: "60",
    DORA_CONFIG: join(configDir, "dora.yaml"),
  });
  await waitReady(exporter.url);
  userDataDir = mkdtempSync(join(tmpdir(), "dora-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith(exporter.url) && !r.url().startsWith("data:")) foreignRequests.push(r.url());
  });
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  if (exporter && exporter.proc.exitCode === null) await exporter.stop();
  s?.stop();
});

async function api(days: number, groupBy?: string): Promise<SummaryJson> {
  const res = await fetch(
    `${exporter.url}/api/v1/summary?window=${days}d&at=${END}${groupBy ? `&group_by=${groupBy}` : ""}`,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as SummaryJson;
}

/** data-k -> { data-value, text } as the browser renders them. */
async function shown(): Promise<Map<string, { value: string | null; text: string }>> {
  const rows = await page.$$eval("[data-k]", (els) =>
    els.map((e) => [e.getAttribute("data-k")!, e.getAttribute("data-value"), (e.textContent ?? "").trim()] as const),
  );
  return new Map(rows.map(([k, value, text]) => [k, { value, text }]));
}

async function expectPageEqualsApi(days: number, groupBy?: string): Promise<void> {
  const want = expectedValues(await api(days, groupBy));
  const got = await shown();
  expect(want.size).toBeGreaterThan(20);
  for (const [k, w] of want) {
    const g = got.get(k);
    expect(g === undefined ? `${k} missing` : k).toBe(k);
    if (w.value !== null) expect(`${k}=${g!.value}`).toBe(`${k}=${w.value}`);
    if (w.text !== "") expect(`${k}: ${g!.text}`).toBe(`${k}: ${w.text}`);
  }
}

describe("the page in chromium", () => {
  test("30 days: every number shown equals the API's", async () => {
    const res = await page.goto(`${exporter.url}/?window=30d&at=${END}`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toContain("DORA · last 30 days");
    await expectPageEqualsApi(30);
    // The headline has five keys in two groups, each with a badge; rework rate's says why it has no level.
    expect(await page.locator("h2.keygroup").allTextContents()).toEqual(["Throughput", "Instability"]);
    expect(await page.locator(".cards .card .badge").count()).toBe(5);
    expect(await page.locator(".cards .card h3").allTextContents()).toEqual([
      "Lead time for changes",
      "Deployment frequency",
      "Failed deployment recovery time",
      "Change failure rate",
      "Deployment rework rate",
    ]);
    expect(await page.locator('[data-k="overall:rw-level"]').textContent()).toBe(
      "no level: DORA publishes no thresholds",
    );
    // One chart per repo, drawn (bars present).
    expect(await page.locator(".repo-card svg.chart").count()).toBe(4);
    expect(await page.locator(".repo-card svg.chart rect.ok").count()).toBeGreaterThan(10);
    // The failing target is shown in red.
    const failing = page.locator("td.since .bad");
    expect(await failing.count()).toBe(1);
    expect(await failing.evaluate((e) => getComputedStyle(e).color)).toBe("rgb(198, 40, 40)");
    // The stylesheet arrives intact (a <style> element's text must not be entity-escaped).
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain("sans-serif");
    await page.screenshot({ path: join(ARTIFACTS, "page.png"), fullPage: true });
  });

  test(
    "the ArgoCD target: its source under the target, the " + "app's mapping in the apps table, ArgoCD in the status",
    async () => {
      await page.goto(`${exporter.url}/?window=30d&at=${END}`);
      const row = page.locator("tbody tr", { has: page.locator(`[data-k="${GITOPS_REPO}|search:source"]`) });
      expect(await row.locator("td.repo").textContent()).toBe(GITOPS_REPO);
      expect(await row.locator(".src").textContent()).toBe(`argocd ${GITOPS_APP} (images)`);
      expect(await row.locator(".src").getAttribute("title")).toMatch(
        new RegExp(
          `^${GITOPS_APP}: image registry\\.example\\.com/${GITOPS_REPO}:[0-9a-f]{7} names a push commit \
of ${GITOPS_REPO}$`,
        ),
      );
      expect(await page.getByRole("heading", { name: "ArgoCD apps" }).isVisible()).toBe(true);
      expect(await page.locator(`[data-k="app:${GITOPS_APP}:by"]`).textContent()).toBe("images");
      expect(await page.locator('[data-k="status:argocd"]').textContent()).toMatch(
        /^reachable · 1 app · watch stream connected$/,
      );
      await page.screenshot({ path: join(ARTIFACTS, "page-argocd.png"), fullPage: true });
    },
  );

  test("a failing target squeezes no column: values stay next to their badges, names on one line", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${exporter.url}/?window=30d&at=${END}`);
    expect(await page.locator("tr.is-failing").count()).toBe(1);
    // In every cell, the level badge sits on the value's line, and repo and target names do not wrap.
    const wrapped = await page.$$eval("tbody td", (cells) =>
      cells.flatMap((td) => {
        const val = td.querySelector(".val");
        const badge = td.querySelector(".badge");
        const out: string[] = [];
        if (val && badge && Math.abs(val.getBoundingClientRect().top - badge.getBoundingClientRect().top) > 8)
          out.push(`badge under ${td.textContent}`);
        if (td.className === "repo" || td.className === "target") {
          const range = td.ownerDocument.createRange();
          // A target's name (its sources, with ArgoCD, go on the line under it).
          range.selectNodeContents(td.querySelector(".tname") ?? td);
          if (range.getClientRects().length > 1) out.push(`wrapped ${td.textContent}`);
        }
        return out;
      }),
    );
    expect(wrapped).toEqual([]);
    expect(await page.locator("tr.is-failing td.since").textContent()).toMatch(
      /^failing for [\d.]+ \w+since 2026-08-31 \d\d:\d\d UTC$/,
    );
    // Date axis under each chart: the days the first, middle and last buckets end on (as their titles).
    expect(await page.locator(".repo-card .dates").first().locator("span").allTextContents()).toEqual([
      "3 Aug",
      "17 Aug",
      "1 Sep",
    ]);
  });

  test("the window switch: the 7-day link shows the 7-day numbers", async () => {
    await page.getByRole("link", { name: "7 days" }).click();
    await page.waitForURL(/window=7d/);
    expect(new URL(page.url()).searchParams.get("at")).toBe(String(END));
    expect(await page.locator('.windows [aria-current="page"]').textContent()).toBe("7 days");
    await expectPageEqualsApi(7);
    await page.getByRole("link", { name: "90 days" }).click();
    await page.waitForURL(/window=90d/);
    await expectPageEqualsApi(90);
  });

  test("the group selector: picking a team shows each team's keys, equal to the API's", async () => {
    await page.goto(`${exporter.url}/?window=30d&at=${END}`);
    await page.locator("select#group_by").selectOption("team");
    await page.getByRole("button", { name: "Group" }).click();
    await page.waitForURL(/group_by=team/);
    expect(new URL(page.url()).searchParams.get("at")).toBe(String(END));
    expect(await page.locator("h2", { hasText: "By team" }).count()).toBe(1);
    expect(await page.locator("table.groups tbody tr").count()).toBe(2);
    await expectPageEqualsApi(30, "team");
    expect((await shown()).has("group:shop:rw")).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "page-groups.png"), fullPage: true });
  });

  test("on a phone the page fits the screen; only the table scrolls sideways", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${exporter.url}/?window=30d&at=${END}`);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "page-phone.png"), fullPage: true });
  });

  test("links to /metrics and the API docs work", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${exporter.url}/?at=${END}`);
    await page.getByRole("link", { name: "API docs" }).click();
    await page.waitForURL(/\/api$/);
    expect(await page.locator("h3 code").allTextContents()).toContain("GET /api/v1/summary");
    const metrics = await page.request.get(`${exporter.url}/metrics`);
    expect(await metrics.text()).toContain("dora_deployments_total");
  });

  test("no console errors and no request leaves the exporter", () => {
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
