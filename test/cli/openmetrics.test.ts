// `dora-exporter openmetrics`: its flags (one-line usage errors) and the exact exposition of a tiny
// history (values at each step, histogram groups, label escaping, # EOF).
import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/cli/args.ts";
import { parseOpenMetricsArgs, parseStep } from "../../src/cli/openmetrics.ts";
import type { TargetState } from "../../src/core/state.ts";
import { Registry } from "prom-client";
import { DoraMetrics } from "../../src/metrics/dora-metrics.ts";
import { FAMILIES, openMetricsHistory } from "../../src/metrics/openmetrics.ts";

describe("flags", () => {
  test("--since is required; --step defaults to 5m; labels parsed", () => {
    expect(parseOpenMetricsArgs(["--since", "2026-06-01T00:00:00Z"])).toEqual({
      since: 1_780_272_000,
      step: 300,
      until: undefined,
      labels: [],
    });
    expect(
      parseOpenMetricsArgs(["--since=100", "--step", "1h", "--until", "200", "--label", "job=dora"]).labels,
    ).toEqual([["job", "dora"]]);
    expect(parseStep("30s")).toBe(30);
    expect(parseStep("0m")).toBeNull();
    expect(parseStep("5 minutes")).toBeNull();
  });

  for (const [args, message] of [
    [[], "--since is required"],
    [["--since", "yesterday"], "--since: expected Unix seconds or an RFC 3339 time"],
    [["--since", "100", "--step", "5x"], "--step: expected a duration like 30s, 5m or 1h"],
    [["--since", "200", "--until", "100"], "--until: must not be before --since"],
    [["--since", "100", "--label", "repo=x"], "--label: repo is set by the exporter itself"],
    [["--since", "100", "--label", "__name__=x"], "--label: expected NAME=VALUE"],
  ] as const) {
    test(`${JSON.stringify(args)}: ${message}`, () => {
      expect(() => parseOpenMetricsArgs(args)).toThrow(UsageError);
      expect(() => parseOpenMetricsArgs(args)).toThrow(message);
    });
  }
});

test("every counter and histogram of /metrics is written, with the same help, type and buckets", async () => {
  const registry = new Registry();
  new DoraMetrics(registry);
  const live = (await registry.getMetricsAsJSON())
    .map((m) => ({ name: m.name, help: m.help, type: String(m.type) }))
    .filter((m) => m.type === "counter" || m.type === "histogram");
  const asWritten = (name: string) => name.replace(/_total$/, "");
  expect(FAMILIES.map((f) => f.name).sort()).toEqual(live.map((m) => asWritten(m.name)).sort());
  for (const m of live) {
    const f = FAMILIES.find((x) => x.name === asWritten(m.name))!;
    expect({ name: f.name, help: f.help, type: f.buckets ? "histogram" : "counter" }).toEqual({
      name: f.name,
      help: m.help,
      type: m.type,
    });
  }
});

test("the exposition of a tiny history, exactly", () => {
  const target: TargetState = {
    target: "prod",
    attempts: [
      { pipelineId: 1, number: 1, time: 150, success: false },
      { pipelineId: 2, number: 2, time: 200, success: true },
    ],
    deployments: 1,
    failures: 1,
    lastSuccessAt: 200,
    lastFailureAt: 150,
    incidents: [{ openedAt: 150, openedBy: 1, lastFailureAt: 150, closedAt: 200, closedBy: 2, failures: 1 }],
    failingSince: 0,
    restoreSeconds: [50],
    leadTimes: [{ deploymentNumber: 2, deployedAt: 200, changeNumber: null, seconds: 7200 }],
    leadTimeSourceMissing: 1,
    rework: [{ deploymentNumber: 2, deployedAt: 200, reason: "revert" }],
  };
  const text = [...openMetricsHistory([{ repo: 'a"b', target }], { times: [100, 200], labels: [["job", "x"]] })].join(
    "",
  );
  const lines = text.split("\n");
  const l = 'job="x",repo="a\\"b",deploy_to="prod"';
  expect(lines.slice(0, 6)).toEqual([
    "# HELP dora_deployments Successful deployments.",
    "# TYPE dora_deployments counter",
    `dora_deployments_total{${l}} 0 100`,
    `dora_deployments_total{${l}} 1 200`,
    "# HELP dora_deployment_failures Failed deployment attempts.",
    "# TYPE dora_deployment_failures counter",
  ]);
  expect(lines).toContain(`dora_deployment_failures_total{${l}} 0 100`);
  expect(lines).toContain(`dora_deployment_failures_total{${l}} 1 200`);
  expect(lines).toContain(`dora_time_to_restore_seconds_bucket{${l},le="300"} 1 200`);
  expect(lines).toContain(`dora_time_to_restore_seconds_sum{${l}} 50 200`);
  expect(lines).toContain(`dora_lead_time_seconds_bucket{${l},le="3600"} 0 200`);
  expect(lines).toContain(`dora_lead_time_seconds_bucket{${l},le="7200"} 1 200`);
  expect(lines).toContain(`dora_lead_time_seconds_count{${l}} 1 200`);
  expect(lines).toContain(`dora_lead_time_source_missing_total{${l}} 1 200`);
  expect(lines).toContain(`dora_deployment_rework_total{${l}} 0 100`);
  expect(lines).toContain(`dora_deployment_rework_total{${l}} 1 200`);
  // A histogram's point at 100 comes whole before its point at 200.
  const restore = lines.filter((x) => x.startsWith("dora_time_to_restore_seconds"));
  expect(restore.slice(0, restore.length / 2).every((x) => x.endsWith(" 100"))).toBe(true);
  expect(text.endsWith("\n# EOF\n")).toBe(true);
});

describe("the compiled binary", () => {
  test("a bad flag exits 2 with one line naming it; --help describes the command", async () => {
    const { runBinary } = await import("../api/sim.ts");
    const env = { WOODPECKER_URL: "http://127.0.0.1:9", WOODPECKER_TOKEN: "om-token-1234" };
    const bad = await runBinary(["openmetrics", "--since", "100", "--step", "5x"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'dora-exporter openmetrics: --step: expected a duration like 30s, 5m or 1h, got "5x" (see dora-exporter ' +
        "openmetrics --help)\n",
    );
    expect(bad.stdout).toBe("");
    const help = await runBinary(["openmetrics", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("promtool tsdb create-blocks-from openmetrics");
  });

  test("--since or --until in the future: exit 2 before reading Woodpecker", async () => {
    const { runBinary } = await import("../api/sim.ts");
    const env = { WOODPECKER_URL: "http://127.0.0.1:9", WOODPECKER_TOKEN: "om-token-1234" };
    const future = String(Math.floor(Date.now() / 1000) + 86_400);
    const a = await runBinary(["openmetrics", "--since", future], env);
    expect([a.code, a.stderr]).toEqual([
      2,
      "dora-exporter openmetrics: --since: must not be in the future (see dora-exporter openmetrics --help)\n",
    ]);
    const b = await runBinary(["openmetrics", "--since", "100", "--until", future], env);
    expect([b.code, b.stderr]).toEqual([
      2,
      "dora-exporter openmetrics: --until: must not be in the future (see dora-exporter openmetrics --help)\n",
    ]);
  });

  test("Woodpecker unreachable: exit 1, one line, nothing on stdout (no partial history)", async () => {
    const { runBinary } = await import("../api/sim.ts");
    const r = await runBinary(["openmetrics", "--since", "100", "--step", "1h"], {
      WOODPECKER_URL: "http://127.0.0.1:9",
      WOODPECKER_TOKEN: "om-token-1234",
      DORA_HTTP_TIMEOUT: "2",
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toStartWith("dora-exporter openmetrics: cannot read Woodpecker: ");
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("om-token-1234");
  }, 60_000);
});
