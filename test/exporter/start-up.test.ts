// What the exporter says about itself at start and while it polls (issue 13, "no silent
// mistakes"): the settings in effect (secrets redacted), a warning for settings that match
// nothing (also on the page), debug lines per poll and per repo.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { startExporter, type RunningExporter } from "../../src/exporter.ts";
import { createLogger, setSecrets } from "../../src/log.ts";
import { startSim, type Sim } from "../api/sim.ts";

setDefaultTimeout(30_000);

const TOKEN = "start-up-t0ken-5c1e";
const sim: Sim = startSim({ token: TOKEN, days: 7 });
const running: RunningExporter[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  sim.served.stop();
});

type Line = Record<string, unknown> & { level: string; msg: string };

async function start(
  env: Record<string, string>,
): Promise<{ exporter: RunningExporter; lines: Line[]; raw: string[] }> {
  const config = loadConfig({ ...sim.env, DORA_LISTEN: "127.0.0.1:0", ...env });
  setSecrets([TOKEN]);
  const raw: string[] = [];
  const log = createLogger({ level: config.logLevel, write: (l) => raw.push(l) });
  const exporter = await startExporter({ config, log });
  running.push(exporter);
  await exporter.poller.poll();
  return { exporter, lines: raw.map((l) => JSON.parse(l) as Line), raw };
}

test("the settings in effect are logged once at start, the token redacted", async () => {
  const { lines, raw } = await start({ DORA_REPOS: "*", DORA_POLL_INTERVAL: "3600" });
  const settings = lines.filter((l) => l.msg === "settings");
  expect(settings).toHaveLength(1);
  const s = settings[0]!.settings as Record<string, unknown>;
  expect(s.token).toBe("<redacted>");
  expect(s.pollInterval).toBe(3600);
  expect(s.woodpeckerUrl).toBe(sim.served.url);
  expect(s.repos).toEqual(["*"]);
  expect(raw.join("\n")).not.toContain(TOKEN);
});

test("DORA_REPOS matching no repo: a warning in the log and on the page", async () => {
  const { exporter, lines } = await start({ DORA_REPOS: "nomatch/*", DORA_POLL_INTERVAL: "3600" });
  const warn = lines.filter((l) => l.level === "warn" && String(l.msg).startsWith("DORA_REPOS"));
  expect(warn.map((l) => l.msg)).toEqual([
    expect.stringMatching(/^DORA_REPOS nomatch\/\* matches none of the \d+ active repos the token can see$/),
  ]);
  const page = await (await fetch(exporter.url + "/")).text();
  expect(page).toContain("DORA_REPOS nomatch/* matches none of the");
  const status = (await (await fetch(exporter.url + "/api/v1/status")).json()) as { warnings: string[] };
  expect(status.warnings).toEqual([warn[0]!.msg]);
});

test("DORA_SINCE in the future: a warning at start, before any poll, and on the page", async () => {
  const { exporter, lines } = await start({ DORA_SINCE: "2999-01-01T00:00:00Z", DORA_POLL_INTERVAL: "3600" });
  const i = lines.findIndex(
    (l) => l.level === "warn" && String(l.msg).startsWith("DORA_SINCE 2999-01-01T00:00:00Z is in the future"),
  );
  expect(i).toBeGreaterThanOrEqual(0);
  // Before the first poll's line, if that has been logged yet (the poll runs concurrently).
  const firstPoll = lines.findIndex((l) => l.msg === "poll cycle" || l.msg === "backfill complete");
  expect(i).toBeLessThan(firstPoll === -1 ? lines.length : firstPoll);
  expect(await (await fetch(exporter.url + "/")).text()).toContain("DORA_SINCE 2999-01-01T00:00:00Z is in the future");
});

test("DORA_LOG_LEVEL=debug: one line per poll and one per repo", async () => {
  const { exporter, lines } = await start({ DORA_LOG_LEVEL: "debug", DORA_POLL_INTERVAL: "3600" });
  const cycles = lines.filter((l) => l.level === "debug" && l.msg === "poll cycle");
  expect(cycles.length).toBeGreaterThanOrEqual(1);
  expect(cycles[0]).toMatchObject({ ok: true, problems: 0 });
  const tracked = exporter.poller.status.trackedRepos;
  expect(tracked).toBeGreaterThan(0);
  const repos = new Set(lines.filter((l) => l.msg === "repo polled").map((l) => l.repo));
  expect(repos.size).toBe(tracked);
});
