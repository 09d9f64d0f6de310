// The window summary (src/core/summary.ts) against hand-computed numbers: window edges, medians,
// p90, pooling, failing-now as of `now`, daily series, incidents, links and every level boundary
// of the DEFINITIONS table.
import { describe, expect, test } from "bun:test";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { Attempt, Incident, LeadTimeObservation, RepoState, TargetState } from "../../src/core/state.ts";
import {
  DAY,
  changeFailureRateLevel,
  deploymentFrequencyLevel,
  leadTimeLevel,
  timeToRestoreLevel,
} from "../../src/core/levels.ts";
import { median, percentile } from "../../src/core/stats.ts";
import { summarize, type SummaryRepo } from "../../src/core/summary.ts";
import { parseWindow } from "../../src/view/params.ts";
import { pipelineLinks, pipelineUrl } from "../../src/woodpecker/links.ts";
import { REPO, deploy, opts, pl } from "./helpers.ts";

const NOW = 100 * DAY; // window of 7 days = (93 d, 100 d]
const START7 = NOW - 7 * DAY;

function attempt(number: number, time: number, success: boolean): Attempt {
  return { pipelineId: number, number, time, success };
}

function target(over: Partial<TargetState> & { target: string }): TargetState {
  return {
    attempts: [],
    deployments: 0,
    failures: 0,
    lastSuccessAt: 0,
    lastFailureAt: 0,
    incidents: [],
    failingSince: 0,
    restoreSeconds: [],
    leadTimes: [],
    leadTimeSourceMissing: 0,
    rework: [],
    ...over,
  };
}

function lt(deployedAt: number, seconds: number): LeadTimeObservation {
  return { deploymentNumber: 1, deployedAt, changeNumber: 1, seconds };
}

function incident(
  openedAt: number,
  closedAt: number | null,
  openedBy = 1,
  closedBy: number | null = 2,
  failures = 1,
): Incident {
  return {
    openedAt,
    openedBy,
    lastFailureAt: openedAt,
    closedAt,
    closedBy: closedAt === null ? null : closedBy,
    failures,
  };
}

function repo(id: number, fullName: string, targets: TargetState[]): SummaryRepo {
  const state: RepoState = { repoId: id, mode: "deployment-events", targets };
  return { id, fullName, state };
}

describe("window membership", () => {
  // Attempts exactly at the window start (excluded), just after it, at now (included), after now.
  const t = target({
    target: "production",
    attempts: [
      attempt(1, START7, true),
      attempt(2, START7 + 1, true),
      attempt(3, NOW - 10, false),
      attempt(4, NOW, true),
      attempt(5, NOW + 1, false),
    ],
  });
  const s = summarize([repo(1, "acme/app", [t])], { windowDays: 7, now: NOW });

  test("an event belongs to (now − days, now]", () => {
    const k = s.targets[0]!.keys;
    expect(k.deploymentFrequency.deployments).toBe(2);
    expect(k.changeFailureRate.failed).toBe(1);
    expect(k.changeFailureRate.attempts).toBe(3);
    expect(k.changeFailureRate.rate).toBeCloseTo(1 / 3, 12);
    expect(k.deploymentFrequency.perDay).toBeCloseTo(2 / 7, 12);
    expect(s.window).toEqual({ days: 7, start: START7, end: NOW });
  });

  test("the daily series has one bucket per day and adds up to the window counts", () => {
    const daily = s.repos[0]!.daily;
    expect(daily.length).toBe(7);
    expect(daily[0]).toEqual({ start: START7, deployments: 1, failures: 0 }); // START7 + 1
    expect(daily[6]).toEqual({ start: NOW - DAY, deployments: 1, failures: 1 }); // NOW − 10 and NOW
    expect(daily.reduce((n, d) => n + d.deployments, 0)).toBe(2);
    expect(daily.reduce((n, d) => n + d.failures, 0)).toBe(1);
    // A bucket is (start, start + 1 day]: an event exactly at a day edge goes to the earlier day.
    const edge = summarize([repo(1, "a/b", [target({ target: "p", attempts: [attempt(1, START7 + DAY, true)] })])], {
      windowDays: 7,
      now: NOW,
    });
    expect(edge.repos[0]!.daily[0]!.deployments).toBe(1);
    expect(edge.repos[0]!.daily[1]!.deployments).toBe(0);
  });
});

describe("keys of one target", () => {
  const t = target({
    target: "production",
    attempts: [attempt(1, NOW - 5 * DAY, true), attempt(2, NOW - 4 * DAY, false), attempt(3, NOW - 3 * DAY, true)],
    leadTimes: [
      lt(NOW - 30 * DAY, 1), // outside the window: ignored
      lt(NOW - 5 * DAY, 100),
      lt(NOW - 5 * DAY, 400),
      lt(NOW - 3 * DAY, 200),
      lt(NOW - 3 * DAY, 1000),
    ],
    incidents: [
      incident(NOW - 20 * DAY, NOW - 8 * DAY), // closed before the window: no TTR, not listed
      incident(NOW - 4 * DAY, NOW - 3 * DAY, 2, 3, 1),
      incident(NOW - 2 * DAY, null, 4, null, 2),
    ],
  });
  const s = summarize([repo(5, "acme/app", [t])], {
    windowDays: 7,
    now: NOW,
    pipelineLink: pipelineLinks("https://ci.example.com/"),
  });
  const k = s.targets[0]!.keys;

  test("lead time: median of an even count is the mean of the middle two; p90 is the nearest rank", () => {
    expect(k.leadTime.observations).toBe(4);
    expect(k.leadTime.medianSeconds).toBe(300); // (200 + 400) / 2
    expect(k.leadTime.p90Seconds).toBe(1000); // ceil(0.9 · 4) = 4th of [100, 200, 400, 1000]
    expect(k.leadTime.level).toBe("elite");
  });

  test("time to restore counts only incidents closed in the window", () => {
    expect(k.timeToRestore.restored).toBe(1);
    expect(k.timeToRestore.medianSeconds).toBe(DAY);
    expect(k.timeToRestore.level).toBe("medium"); // exactly 1 day is not < 1 day
  });

  test("failing now, since the open incident's start", () => {
    expect(s.targets[0]!.failing).toEqual({ now: true, since: NOW - 2 * DAY });
    expect(s.overall.failingTargets).toBe(1);
    expect(s.overall.failingSince).toBe(NOW - 2 * DAY);
    expect(s.targets[0]!.lastSuccessAt).toBe(NOW - 3 * DAY);
  });

  test("recent incidents: newest first, open one with duration up to now, links to the Woodpecker UI", () => {
    expect(s.repos[0]!.incidents).toEqual([
      {
        repoId: 5,
        repo: "acme/app",
        deployTo: "production",
        start: NOW - 2 * DAY,
        end: null,
        durationSeconds: 2 * DAY,
        open: true,
        failures: 2,
        openedBy: 4,
        closedBy: null,
        openedByUrl: "https://ci.example.com/repos/5/pipeline/4",
        closedByUrl: null,
        openedByApp: null,
        closedByApp: null,
        closedByRestore: false,
      },
      {
        repoId: 5,
        repo: "acme/app",
        deployTo: "production",
        start: NOW - 4 * DAY,
        end: NOW - 3 * DAY,
        durationSeconds: DAY,
        open: false,
        failures: 1,
        openedBy: 2,
        closedBy: 3,
        openedByUrl: "https://ci.example.com/repos/5/pipeline/2",
        closedByUrl: "https://ci.example.com/repos/5/pipeline/3",
        openedByApp: null,
        closedByApp: null,
        closedByRestore: false,
      },
    ]);
  });

  test("deployment frequency and change failure rate with their counts", () => {
    expect(k.deploymentFrequency).toEqual({ perDay: 2 / 7, deployments: 2, days: 7, level: "high" });
    expect(k.changeFailureRate).toEqual({ rate: 1 / 3, failed: 1, attempts: 3, level: "low" });
  });
});

describe("as of a `now` in the past", () => {
  const t = target({
    target: "production",
    attempts: [attempt(1, NOW - 3 * DAY, false), attempt(2, NOW - DAY, true)],
    incidents: [incident(NOW - 3 * DAY, NOW - DAY, 1, 2)],
    failingSince: 0,
  });

  test("an incident closed after `now` is open as of `now`", () => {
    const s = summarize([repo(1, "a/b", [t])], { windowDays: 7, now: NOW - 2 * DAY });
    expect(s.targets[0]!.failing).toEqual({ now: true, since: NOW - 3 * DAY });
    expect(s.targets[0]!.keys.timeToRestore.restored).toBe(0);
    expect(s.targets[0]!.lastSuccessAt).toBeNull();
    expect(s.repos[0]!.incidents[0]).toMatchObject({ end: null, open: true, durationSeconds: DAY, closedBy: null });
  });

  test("and closed as of a later `now`", () => {
    const s = summarize([repo(1, "a/b", [t])], { windowDays: 7, now: NOW });
    expect(s.targets[0]!.failing).toEqual({ now: false, since: null });
    expect(s.targets[0]!.keys.timeToRestore).toEqual({ medianSeconds: 2 * DAY, restored: 1, level: "medium" });
  });
});

describe("pooling per repo and overall", () => {
  const prod = target({
    target: "production",
    attempts: [attempt(1, NOW - 1, true), attempt(2, NOW - 2, true), attempt(3, NOW - 3, false)],
    leadTimes: [lt(NOW - 1, 10), lt(NOW - 2, 20)],
    incidents: [incident(NOW - 100, NOW - 50)],
  });
  const staging = target({
    target: "staging",
    attempts: [attempt(4, NOW - 4, true)],
    leadTimes: [lt(NOW - 4, 90)],
    incidents: [incident(NOW - 4000, NOW - 1000), incident(NOW - 500, NOW - 400)],
  });
  const other = target({
    target: "production",
    attempts: [attempt(5, NOW - 5, false)],
    incidents: [incident(NOW - 5, null, 5)],
  });
  const s = summarize([repo(2, "acme/zeta", [other]), repo(1, "acme/alpha", [prod, staging])], {
    windowDays: 1,
    now: NOW,
  });

  test("rows are sorted by repo then target", () => {
    expect(s.targets.map((t) => `${t.repo} ${t.deployTo}`)).toEqual([
      "acme/alpha production",
      "acme/alpha staging",
      "acme/zeta production",
    ]);
  });

  test("a repo pools its targets' raw observations (median of the pooled values, not of medians)", () => {
    const k = s.repos[0]!.keys;
    expect(k.deploymentFrequency.deployments).toBe(3);
    expect(k.leadTime.medianSeconds).toBe(20); // [10, 20, 90]
    expect(k.timeToRestore.medianSeconds).toBe(100); // [50, 3000, 100] -> 100
    expect(k.changeFailureRate).toMatchObject({ failed: 1, attempts: 4, rate: 0.25 });
  });

  test("overall pools everything", () => {
    const o = s.overall;
    expect(o.repos).toBe(2);
    expect(o.targets).toBe(3);
    expect(o.keys.deploymentFrequency).toEqual({ perDay: 3, deployments: 3, days: 1, level: "elite" });
    expect(o.keys.changeFailureRate).toMatchObject({ failed: 2, attempts: 5, rate: 0.4, level: "low" });
    expect(o.keys.leadTime).toMatchObject({ medianSeconds: 20, p90Seconds: 90, observations: 3 });
    expect(o.failingTargets).toBe(1);
    expect(o.failingSince).toBe(NOW - 5);
  });

  test("the repo filter drops repos before pooling", () => {
    const f = summarize([repo(2, "acme/zeta", [other]), repo(1, "acme/alpha", [prod, staging])], {
      windowDays: 1,
      now: NOW,
      repoFilter: (n) => n === "acme/zeta",
    });
    expect(f.repos.map((r) => r.repo)).toEqual(["acme/zeta"]);
    expect(f.overall.keys.changeFailureRate).toMatchObject({ failed: 1, attempts: 1 });
  });
});

describe("no data: level none, never a guess", () => {
  test("a repo without state, and a target with attempts only outside the window", () => {
    const old = target({
      target: "production",
      attempts: [attempt(1, NOW - 8 * DAY, true)],
      leadTimes: [lt(NOW - 8 * DAY, 5)],
    });
    const s = summarize([{ id: 9, fullName: "a/new", state: null }, repo(1, "a/old", [old])], {
      windowDays: 7,
      now: NOW,
    });
    for (const k of [s.overall.keys, s.repos[0]!.keys, s.repos[1]!.keys, s.targets[0]!.keys]) {
      expect(k.deploymentFrequency).toEqual({ perDay: 0, deployments: 0, days: 7, level: "none" });
      expect(k.leadTime).toEqual({ medianSeconds: null, p90Seconds: null, observations: 0, level: "none" });
      expect(k.changeFailureRate).toEqual({ rate: null, failed: 0, attempts: 0, level: "none" });
      expect(k.timeToRestore).toEqual({ medianSeconds: null, restored: 0, level: "none" });
    }
    expect(s.repos[0]).toMatchObject({ repo: "a/new", mode: null, targets: [] });
    expect(s.overall.failingSince).toBeNull();
  });

  test("only failures in the window: frequency 0 is data (low), lead time none", () => {
    const t = target({ target: "p", attempts: [attempt(1, NOW - 1, false)] });
    const k = summarize([repo(1, "a/b", [t])], { windowDays: 30, now: NOW }).overall.keys;
    expect(k.deploymentFrequency.level).toBe("low");
    expect(k.changeFailureRate).toEqual({ rate: 1, failed: 1, attempts: 1, level: "low" });
    expect(k.leadTime.level).toBe("none");
  });
});

describe("level boundaries (DEFINITIONS table)", () => {
  test("deployment frequency: >= 1/day elite, >= 1/week high, >= 1/month medium", () => {
    expect(deploymentFrequencyLevel(7, 7)).toBe("elite"); // exactly 1 per day
    expect(deploymentFrequencyLevel(29, 30)).toBe("high");
    expect(deploymentFrequencyLevel(1, 7)).toBe("high"); // exactly 1 per week
    expect(deploymentFrequencyLevel(13, 90)).toBe("high"); // 13/90 > 1/7
    expect(deploymentFrequencyLevel(12, 90)).toBe("medium"); // 12/90 < 1/7
    expect(deploymentFrequencyLevel(3, 90)).toBe("medium"); // exactly 1 per 30 days
    expect(deploymentFrequencyLevel(2, 90)).toBe("low");
    expect(deploymentFrequencyLevel(0, 7)).toBe("low");
  });

  test("lead time: < 1 day elite, < 1 week high, < 30 days medium", () => {
    expect(leadTimeLevel(DAY - 1)).toBe("elite");
    expect(leadTimeLevel(DAY)).toBe("high");
    expect(leadTimeLevel(7 * DAY - 1)).toBe("high");
    expect(leadTimeLevel(7 * DAY)).toBe("medium");
    expect(leadTimeLevel(30 * DAY - 1)).toBe("medium");
    expect(leadTimeLevel(30 * DAY)).toBe("low");
    expect(leadTimeLevel(null)).toBe("none");
  });

  test("change failure rate: <= 5% elite, <= 10% high, <= 15% medium", () => {
    expect(changeFailureRateLevel(1, 20)).toBe("elite"); // exactly 5%
    expect(changeFailureRateLevel(5, 99)).toBe("high"); // 5.05%
    expect(changeFailureRateLevel(1, 10)).toBe("high"); // exactly 10%
    expect(changeFailureRateLevel(11, 100)).toBe("medium");
    expect(changeFailureRateLevel(3, 20)).toBe("medium"); // exactly 15%
    expect(changeFailureRateLevel(16, 100)).toBe("low");
    expect(changeFailureRateLevel(0, 0)).toBe("none");
    expect(changeFailureRateLevel(0, 1)).toBe("elite");
  });

  test("time to restore: < 1 hour elite, < 1 day high, < 1 week medium", () => {
    expect(timeToRestoreLevel(3599)).toBe("elite");
    expect(timeToRestoreLevel(3600)).toBe("high");
    expect(timeToRestoreLevel(DAY - 1)).toBe("high");
    expect(timeToRestoreLevel(DAY)).toBe("medium");
    expect(timeToRestoreLevel(7 * DAY - 1)).toBe("medium");
    expect(timeToRestoreLevel(7 * DAY)).toBe("low");
    expect(timeToRestoreLevel(null)).toBe("none");
  });

  test("the summary uses them: exactly one deployment per day is elite", () => {
    const attempts = Array.from({ length: 7 }, (_, i) => attempt(i + 1, NOW - i * DAY, true));
    const s = summarize([repo(1, "a/b", [target({ target: "p", attempts })])], { windowDays: 7, now: NOW });
    expect(s.overall.keys.deploymentFrequency).toEqual({ perDay: 1, deployments: 7, days: 7, level: "elite" });
    // One fewer in the window is no longer daily.
    const six = summarize([repo(1, "a/b", [target({ target: "p", attempts: attempts.slice(1) })])], {
      windowDays: 7,
      now: NOW,
    });
    expect(six.overall.keys.deploymentFrequency.level).toBe("high");
  });
});

describe("helpers", () => {
  test("median and p90", () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([], 90)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
    expect(percentile([7], 90)).toBe(7);
  });

  test("parseWindow accepts 1d..365d only", () => {
    expect(parseWindow("7d")).toBe(7);
    expect(parseWindow("365d")).toBe(365);
    for (const bad of ["0d", "366d", "abc", "7", "7 d", "-1d", "1.5d", "d", ""]) expect(parseWindow(bad)).toBeNull();
  });

  test("pipelineUrl", () => {
    expect(pipelineUrl("https://ci.example.com/ci/", 3, 42)).toBe("https://ci.example.com/ci/repos/3/pipeline/42");
  });

  test("a window outside 1..365 days is a caller bug", () => {
    expect(() => summarize([], { windowDays: 0, now: NOW })).toThrow(RangeError);
    expect(() => summarize([], { windowDays: 2.5, now: NOW })).toThrow(RangeError);
  });
});

describe("from pipelines through computeRepoDora", () => {
  // main: push 1 (created 1000), push 2 (created 2000); deploy 3 of push 1 fails at 5000; deploy 4
  // of push 2 succeeds at 8000 (delivers change 2 only: first delivery), deploy 5 of push 2 at 9000
  // is a redeploy (delivers nothing).
  const p1 = pl({ id: 1, created: 1000 });
  const p2 = pl({ id: 2, created: 2000 });
  const history = [
    p1,
    p2,
    deploy(p1, { id: 3, created: 4000, finished: 5000, status: "failure" }),
    deploy(p2, { id: 4, created: 7000, finished: 8000 }),
    deploy(p2, { id: 5, created: 8500, finished: 9000 }),
  ];
  const state = computeRepoDora(REPO, history, opts());

  test("numbers match the state's attempts, lead times and incidents", () => {
    const s = summarize([{ id: REPO.id, fullName: REPO.fullName, state }], { windowDays: 1, now: 10_000 });
    const k = s.targets[0]!.keys;
    expect(s.targets[0]!.deployTo).toBe("production");
    expect(k.deploymentFrequency).toEqual({ perDay: 2, deployments: 2, days: 1, level: "elite" });
    expect(k.changeFailureRate).toEqual({ rate: 1 / 3, failed: 1, attempts: 3, level: "low" });
    expect(k.leadTime).toEqual({ medianSeconds: 6000, p90Seconds: 6000, observations: 1, level: "elite" });
    expect(k.timeToRestore).toEqual({ medianSeconds: 3000, restored: 1, level: "elite" });
    expect(s.repos[0]!.mode).toBe("deployment-events");
  });
});

describe("formatting shared by the page and report", () => {
  test("rates never round onto a level boundary", async () => {
    const { formatRate, formatDuration, formatFrequency } = await import("../../src/view/format.ts");
    expect(formatRate(45 / 447)).toBe("10.1%");
    expect(formatRate(0.1004)).toBe("10.04%");
    expect(formatRate(0.0501)).toBe("5.01%");
    expect(formatRate(0.1)).toBe("10%");
    expect(formatRate(1 / 3)).toBe("33.3%");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(null)).toBe("—");
    expect(formatDuration(59)).toBe("59 s");
    expect(formatDuration(3599)).toBe("60 min");
    expect(formatDuration(5400)).toBe("1.5 h");
    expect(formatDuration(2 * DAY)).toBe("2 d");
    expect(formatFrequency(1, 7)).toBe("1/day");
    expect(formatFrequency(2 / 7, 2)).toBe("2/week");
    expect(formatFrequency(1 / 30, 1)).toBe("1/month");
    expect(formatFrequency(0, 0)).toBe("0");
  });
});

describe("incidents opened or closed by ArgoCD events", () => {
  // An ArgoCD app deploys acme/app: history 7 rolls out, a sync fails, the app turns Healthy again
  // (a restore), then a failed sync is fixed by history 8.
  const ev = (kind: "deployment" | "failure" | "restore", time: number, number: number) => ({
    kind,
    target: "web",
    app: "default/web",
    key: `${kind}/${time}`,
    time,
    created: time - 60,
    number,
    order: number || time,
    imageCommits: [],
    revisions: [],
  });
  const state = computeRepoDora(REPO, [], opts(), {
    mapped: true,
    events: [
      ev("deployment", NOW - 5 * DAY, 7),
      ev("failure", NOW - 4 * DAY, 0),
      ev("restore", NOW - 4 * DAY + 600, 0),
      ev("failure", NOW - 2 * DAY, 0),
      ev("deployment", NOW - DAY, 8),
    ],
  });
  const s = summarize([{ id: REPO.id, fullName: REPO.fullName, state }], {
    windowDays: 7,
    now: NOW,
    pipelineLink: pipelineLinks("https://ci.example.com"),
  });

  test("name the app and how it closed, and never link a Woodpecker pipeline (they are no pipelines)", () => {
    expect(
      s.repos[0]!.incidents.map((i) => ({
        start: i.start,
        end: i.end,
        openedBy: i.openedBy,
        closedBy: i.closedBy,
        urls: [i.openedByUrl, i.closedByUrl],
        app: [i.openedByApp, i.closedByApp],
        restore: i.closedByRestore,
      })),
    ).toEqual([
      {
        start: NOW - 2 * DAY,
        end: NOW - DAY,
        openedBy: 0,
        closedBy: 8,
        urls: [null, null],
        app: ["default/web", "default/web"],
        restore: false,
      },
      {
        start: NOW - 4 * DAY,
        end: NOW - 4 * DAY + 600,
        openedBy: 0,
        closedBy: 0,
        urls: [null, null],
        app: ["default/web", "default/web"],
        restore: true,
      },
    ]);
  });
});

describe("rework rate", () => {
  const rw = (deployedAt: number, reason: "rollback" | "revert" | "hotfix" | "rule") => ({
    deploymentNumber: 1,
    deployedAt,
    reason,
  });
  const a = target({
    target: "production",
    attempts: [
      attempt(1, NOW - 9 * DAY, true),
      attempt(2, NOW - 2 * DAY, true),
      attempt(3, NOW - DAY, true),
      attempt(4, NOW - 10, false),
    ],
    rework: [rw(NOW - 9 * DAY, "revert"), rw(NOW - 2 * DAY, "rollback"), rw(NOW - DAY, "hotfix")],
  });
  const b = target({
    target: "staging",
    attempts: [attempt(5, NOW - 3 * DAY, true), attempt(6, NOW - 3, true)],
    rework: [rw(NOW - 3, "rule")],
  });
  const empty = target({ target: "qa", attempts: [attempt(7, NOW - DAY, false)] });
  const s = summarize([repo(1, "acme/app", [a, b, empty])], { windowDays: 7, now: NOW });

  test("rework / successful deployments in the window, reasons broken down, level none with its reason", () => {
    expect(s.targets[0]!.keys.reworkRate).toEqual({
      rate: 2 / 2,
      rework: 2,
      deployments: 2,
      reasons: { rollback: 1, revert: 0, hotfix: 1, rule: 0 },
      level: "none",
      levelReason: "DORA publishes no thresholds",
    });
    expect(s.targets[1]!.keys.reworkRate.rate).toBe(1 / 2);
  });

  test("no successful deployment in the window: no rate, never 0", () => {
    expect(s.targets[2]!.keys.reworkRate.rate).toBeNull();
    expect(s.targets[2]!.keys.reworkRate.level).toBe("none");
  });

  test("pooled over targets: overall is total rework / total deployments, not a mean of rates", () => {
    const k = s.overall.keys.reworkRate;
    expect([k.rework, k.deployments, k.rate]).toEqual([3, 4, 3 / 4]);
    expect(k.reasons).toEqual({ rollback: 1, revert: 0, hotfix: 1, rule: 1 });
    expect(s.repos[0]!.keys.reworkRate).toEqual(k);
  });
});
