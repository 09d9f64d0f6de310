// The page tells the truth about the exporter (issue 13): Woodpecker unreachable or numbers stale
// is a banner with since when; with nothing read the empty states point at the connection, never
// "No target is failing right now." in green, a rules hint or "Backfill in progress 0/0"; a window
// longer than the history read says so.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Registry } from "prom-client";
import { loadConfig } from "../../src/config/load.ts";
import { startExporter } from "../../src/exporter.ts";
import { silentLogger } from "../../src/log.ts";
import { createApp } from "../../src/server/app.ts";
import type { ExporterView } from "../../src/server/view.ts";
import { END, pollOnce, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(30_000);

const TOKEN = "page-truth-token-11aa";
let s: Sim;
let view: ExporterView;

beforeAll(async () => {
  s = startSim({ token: TOKEN, days: 21 });
  const polled = await pollOnce(s);
  view = polled.view;
});
afterAll(() => s?.served.stop());

async function page(v: ExporterView, path = "/"): Promise<string> {
  const app = createApp({ registry: new Registry(), readiness: { ready: () => true }, view: () => v });
  return await (await app.handle(new Request(`http://localhost${path}`))).text();
}

const banner = (body: string) =>
  body.match(/<div class="banner bad" role="alert" data-k="connection">([^<]*(?:<[^/][^<]*)*)<\/div>/)?.[1] ?? null;

describe("connection", () => {
  test("a healthy exporter has no connection banner", async () => {
    expect(banner(await page(view))).toBeNull();
  });

  test(
    "unreachable after collecting: a banner with since " + "when and the problem; numbers as of the last poll",
    async () => {
      const body = await page({
        ...view,
        status: {
          ...view.status,
          up: false,
          unreachableSince: END - 600,
          lastPollSuccess: END - 660,
          problem: "GET /api/user/repos: cannot reach ci.example.com: refused",
        },
      });
      const b = banner(body)!;
      expect(b).toContain(`Woodpecker at ${s.served.url} is not answering since 2026-08-31 23:50 UTC (10 min ago)`);
      expect(b).toContain("cannot reach ci.example.com: refused");
      expect(b).toContain("as of the last complete poll, 2026-08-31 23:49 UTC (11 min ago)");
      expect(body).not.toContain("No target is failing right now.");
    },
  );

  test("unreachable from the start: the empty states point at the connection", async () => {
    const body = await page({
      ...view,
      repos: [],
      status: {
        ...view.status,
        up: false,
        unreachableSince: END - 30,
        lastPollSuccess: 0,
        backfillComplete: false,
        backfilledRepos: 0,
        trackedRepos: 0,
        problem: "GET /api/user: cannot reach ci.example.com: refused",
      },
    });
    expect(banner(body)).toContain("No poll has completed yet");
    expect(body).not.toContain("No target is failing right now.");
    expect(body).not.toContain("deployment rules match");
    expect(body).not.toContain("0/0");
    expect(body).toContain("Nothing read yet: Woodpecker is not answering");
    expect(body).toContain("waiting for Woodpecker");
  });

  test("stale numbers without an error (a poll hanging): a banner saying since when", async () => {
    const b = banner(
      await page({ ...view, status: { ...view.status, stale: true, polling: true, lastPollSuccess: END - 3600 } }),
    );
    expect(b).toContain(
      "The numbers are stale: polls run every 60 s, but the last one completed 2026-08-31 23:00 UTC (1 h ago). " +
        "A poll is running now.",
    );
  });

  test("end to end: an exporter whose Woodpecker refuses connections", async () => {
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const port = probe.port;
    await probe.stop(true);
    const config = loadConfig({
      WOODPECKER_URL: `http://127.0.0.1:${port}`,
      WOODPECKER_TOKEN: TOKEN,
      DORA_LISTEN: "127.0.0.1:0",
      DORA_POLL_INTERVAL: "3600",
    });
    const exporter = await startExporter({ config, log: silentLogger });
    try {
      await exporter.poller.poll();
      const body = await (await fetch(exporter.url + "/")).text();
      expect(banner(body)).toContain(`cannot reach 127.0.0.1:${port}`);
      expect(body).not.toContain("No target is failing right now.");
      expect(body).not.toContain("0/0 repos");
    } finally {
      await exporter.stop();
    }
  });
});

describe("coverage", () => {
  test("a 90-day window over 21 days of history says so; a 7-day one does not", async () => {
    const origin = view.status.historyOrigin!;
    expect(origin).toBeGreaterThan(END - 22 * 86_400);
    expect(origin).toBeLessThanOrEqual(END - 19 * 86_400);
    const long = await page(view, "/?window=90d");
    // The share of the window the history covers, as dora_window_coverage_ratio gives it.
    expect(long).toContain(`data-k="coverage" data-value="${(END - origin) / (90 * 86_400)}"`);
    expect(long).toContain("This window reaches back before the oldest pipeline read");
    expect(await page(view, "/?window=7d")).not.toContain('data-k="coverage"');
  });
});
