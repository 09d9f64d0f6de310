// Static checks of what operators plug into Prometheus and Grafana (the real-Prometheus checks are
// in test/prometheus): every rule is unit-tested, rules and dashboard use only contract metrics
// or shipped recording rules, names follow level:metric:operations, and the dashboard is
// importable and provisionable with the variables and panels the issue asks for.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(import.meta.dir, "..", "..");
const read = (p: string) => Bun.file(join(ROOT, p)).text();

/** The metrics contract (../shared/dora/DEFINITIONS.md) plus Prometheus' own `up`. */
const CONTRACT = new Set([
  "dora_deployments_total",
  "dora_deployment_failures_total",
  "dora_deployment_last_success_timestamp_seconds",
  "dora_deployment_last_failure_timestamp_seconds",
  "dora_deployment_failing",
  "dora_deployment_failing_since_timestamp_seconds",
  ...["bucket", "sum", "count"].map((s) => `dora_time_to_restore_seconds_${s}`),
  ...["bucket", "sum", "count"].map((s) => `dora_lead_time_seconds_${s}`),
  "dora_lead_time_source_missing_total",
  ...[
    "deployments_per_day",
    "change_failure_ratio",
    "lead_time_p50_seconds",
    "lead_time_p90_seconds",
    "recovery_time_p50_seconds",
    "rework_ratio",
  ].flatMap((k) => [`dora_window_${k}`, `dora_overall_window_${k}`]),
  "dora_window_coverage_ratio",
  "dora_deployment_rework_total",
  "dora_repo_info",
  "dora_woodpecker_up",
  "dora_last_poll_success_timestamp_seconds",
  "dora_poll_duration_seconds",
  "dora_woodpecker_requests_total",
  "dora_repos",
  "dora_backfill_complete",
  "dora_build_info",
  "up",
]);
const KEYWORDS = new Set([
  "by",
  "on",
  "without",
  "ignoring",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** Metric names a PromQL expression selects (strings, label matchers, grouping and ranges removed). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (m.index! > 0 && /[0-9.]/.test(s[m.index! - 1]!)) continue; // a duration such as 5m
    const after = s.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith("(")) continue; // a function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

type Rule = { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string> };
const rulesFile = parse(await read("deploy/prometheus/dora.rules.yml")) as {
  groups: { name: string; rules: Rule[] }[];
};
const rules = rulesFile.groups.flatMap((g) => g.rules);
const records = rules.flatMap((r) => (r.record ? [r.record] : []));
const alerts = rules.flatMap((r) => (r.alert ? [r.alert] : []));
const testsFile = parse(await read("deploy/prometheus/dora.rules.test.yml")) as {
  rule_files: string[];
  tests: {
    promql_expr_test?: { expr: string; exp_samples: unknown[] }[];
    alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
  }[];
};

describe("deploy/prometheus/dora.rules.yml", () => {
  test("has the five keys per target, overall and per team over 1d, 7d and 30d", () => {
    for (const w of ["1d", "7d", "30d"]) {
      for (const level of ["dora", "dora_overall", "dora_group"]) {
        for (const name of [
          `deployments:increase${w}`,
          `deployments_per_day:avg${w}`,
          `change_failure_rate:ratio${w}`,
          `time_to_restore_seconds:mean${w}`,
          `lead_time_seconds:p50_${w}`,
          `lead_time_seconds:p90_${w}`,
          `deployment_rework:increase${w}`,
          `rework_rate:ratio${w}`,
        ]) {
          expect(records).toContain(`${level}:${name}`);
        }
      }
    }
    expect(new Set(records).size).toBe(records.length);
  });

  test("names follow level:metric:operations; per-target rules keep exactly repo and deploy_to", () => {
    for (const r of rules.filter((x) => x.record)) {
      expect(r.record!).toMatch(/^(dora|dora_overall|dora_group):[a-z][a-z0-9_]*:[a-z0-9_]+$/);
      const grouping = [...r.expr.matchAll(/\bby \(([^)]*)\)/g)].map((m) =>
        m[1]!
          .split(",")
          .map((l) => l.trim())
          .sort()
          .join(","),
      );
      // The window gauges' rules (dora-window) keep `window` too.
      const allowed = r.record!.startsWith("dora_group:")
        ? ["team", "le,team", "repo,team"]
        : ["deploy_to,repo", "deploy_to,le,repo", "le", "deploy_to,repo,window", "window"];
      for (const g of grouping)
        expect({ rule: r.record, by: g, ok: allowed.includes(g) }).toEqual({ rule: r.record, by: g, ok: true });
    }
  });

  test("group rules join dora_repo_info on repo (replicas deduplicated) and keep only the team label", () => {
    const group = rules.filter((x) => x.record?.startsWith("dora_group:"));
    expect(group.length).toBe(33);
    for (const r of group) {
      for (const n of metricNames(r.expr)) {
        if (!n.startsWith("dora:")) continue;
        // Every per-target series is joined to its repo's team before it is summed.
        expect(r.expr).toContain(`${n} * on (repo) group_left (team) max by (repo, team) (dora_repo_info{team!=""})`);
      }
    }
  });

  test("every operation between two different per-target vectors names its matching labels", () => {
    // Overall rules combine label-less sums; everything else that joins two series says on (...).
    for (const r of rules.filter((x) => !x.record?.startsWith("dora_overall:"))) {
      if (new Set(metricNames(r.expr)).size < 2) continue;
      expect({ rule: r.record ?? r.alert, on: r.expr.includes(" on (") }).toEqual({
        rule: r.record ?? r.alert,
        on: true,
      });
    }
    for (const r of rules.filter((x) => x.record?.startsWith("dora_overall:"))) {
      for (const n of metricNames(r.expr)) {
        // a per-target series only inside an aggregation to no labels (sum(...) or sum by (le))
        if (n.startsWith("dora:")) expect(r.expr).toMatch(/^(sum\(|histogram_quantile\(0\.\d, sum by \(le\))/);
      }
    }
  });

  test("uses only contract metrics and its own recording rules", () => {
    const known = new Set([...CONTRACT, ...records]);
    for (const r of rules)
      for (const n of metricNames(r.expr))
        expect({ rule: r.record ?? r.alert, metric: n, known: known.has(n) }).toEqual({
          rule: r.record ?? r.alert,
          metric: n,
          known: true,
        });
  });

  test("has the alerts the issue asks for", () => {
    expect(alerts.sort()).toEqual(
      [
        "DoraBackfillNotComplete",
        "DoraChangeFailureRateAboveElite",
        "DoraChangeFailureRateAboveHigh",
        "DoraDeploymentTargetFailing",
        "DoraExporterDown",
        "DoraWoodpeckerUnreachable",
      ].sort(),
    );
    const byName = Object.fromEntries(rules.filter((r) => r.alert).map((r) => [r.alert!, r]));
    expect(byName.DoraDeploymentTargetFailing!.expr).toContain("dora_deployment_failing_since_timestamp_seconds");
    expect(byName.DoraExporterDown!.expr).toContain('up{job="dora-exporter"}');
    expect(byName.DoraWoodpeckerUnreachable!.expr).toContain("dora_woodpecker_up == 0");
    expect(byName.DoraWoodpeckerUnreachable!.for).toBeDefined();
    expect(byName.DoraBackfillNotComplete!.expr).toContain("dora_backfill_complete == 0");
    expect(byName.DoraBackfillNotComplete!.for).toBeDefined();
    expect(byName.DoraChangeFailureRateAboveElite!.expr).toContain("> 0.05");
    expect(byName.DoraChangeFailureRateAboveHigh!.expr).toContain("> 0.10");
    // On the window gauges, so right from the first scrape (issue 13), not on 30 days of increase().
    for (const a of ["DoraChangeFailureRateAboveElite", "DoraChangeFailureRateAboveHigh"]) {
      expect(byName[a]!.expr).toContain('dora:window_change_failure_ratio:max{window="30d"}');
    }
    for (const r of Object.values(byName)) expect(r.labels?.severity).toBeDefined();
  });
});

describe("deploy/prometheus/compat.rules.yml", () => {
  test("records the original exporter's names from the contract's", async () => {
    const compat = parse(await read("deploy/prometheus/compat.rules.yml")) as { groups: { rules: Rule[] }[] };
    const byName = Object.fromEntries(compat.groups.flatMap((g) => g.rules).map((r) => [r.record!, r.expr]));
    expect(Object.keys(byName).sort()).toEqual([
      "dora_deployment_failure_timestamp",
      "dora_deployment_last_success_timestamp",
    ]);
    expect(metricNames(byName.dora_deployment_last_success_timestamp!)).toEqual([
      "dora_deployment_last_success_timestamp_seconds",
    ]);
    expect(metricNames(byName.dora_deployment_failure_timestamp!)).toEqual([
      "dora_deployment_last_failure_timestamp_seconds",
    ]);
    const tests = parse(await read("deploy/prometheus/compat.rules.test.yml")) as typeof testsFile;
    expect(tests.rule_files).toEqual(["compat.rules.yml"]);
    const tested = new Set(
      tests.tests.flatMap((t) =>
        (t.promql_expr_test ?? []).flatMap((e) => (e.exp_samples.length > 0 ? metricNames(e.expr) : [])),
      ),
    );
    expect([...tested].sort()).toEqual(Object.keys(byName).sort());
  });
});

describe("deploy/prometheus/dora.rules.test.yml", () => {
  test("loads the shipped rules file", () => {
    expect(testsFile.rule_files).toEqual(["dora.rules.yml"]);
  });

  test("covers EVERY recording rule with an expected-value test", () => {
    const tested = new Set(
      testsFile.tests.flatMap((t) =>
        (t.promql_expr_test ?? []).flatMap((e) => (e.exp_samples.length > 0 ? metricNames(e.expr) : [])),
      ),
    );
    expect(records.filter((r) => !tested.has(r))).toEqual([]);
  });

  test("covers EVERY alert both firing and not firing", () => {
    const cases = testsFile.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a);
      expect({ alert: a, firing: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({
        alert: a,
        firing: true,
      });
      expect({ alert: a, silent: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({
        alert: a,
        silent: true,
      });
    }
  });
});

type Panel = {
  id?: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] } } };
};
const dashText = await read("deploy/grafana/dora-dashboard.json");
const dash = JSON.parse(dashText) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; includeAll?: boolean; multi?: boolean }[] };
};

describe("deploy/grafana/dora-dashboard.json", () => {
  const vars = Object.fromEntries(dash.templating.list.map((v) => [v.name, v]));
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  test("is provisionable as is: no import-time ${DS_...} inputs, a datasource variable instead", () => {
    expect(dashText).not.toContain("${DS_");
    expect(dashText).not.toContain("__inputs");
    expect(vars.datasource?.type).toBe("datasource");
    for (const p of dash.panels.filter((x) => x.type !== "row")) {
      expect(p.datasource?.uid).toBe("${datasource}");
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe("${datasource}");
    }
    expect(dash.uid).toBe("dora-exporter");
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("has repo and deploy_to variables (multi-value, All = .*) used by every DORA query", () => {
    for (const name of ["repo", "deploy_to"]) {
      expect(vars[name]?.type).toBe("query");
      expect(vars[name]?.multi).toBe(true);
      expect(vars[name]?.includeAll).toBe(true);
    }
    for (const e of exprs.filter((x) => /dora:|dora_deployment/.test(x))) {
      expect(e).toContain('repo=~"$repo"');
      expect(e).toContain('deploy_to=~"$deploy_to"');
    }
  });

  test(
    "exporter health reads the exporter's job only: by default the shipped job name, All = exporter jobs, never " +
      "every job",
    async () => {
      const job = vars.job as unknown as { query: { query: string }; allValue?: string; current: { value: string[] } };
      // Options come from the exporter's own metric, so "All" expands to the exporter jobs only.
      expect(job.query.query).toBe("label_values(dora_build_info, job)");
      expect(job.allValue).toBeUndefined();
      // The default is the job name the shipped configurations give the exporter.
      const example = parse(await read("examples/prometheus.yml")) as { scrape_configs: { job_name: string }[] };
      const service = parse(await read("deploy/kubernetes/service.yaml")) as { metadata: { name: string } };
      expect(job.current.value).toEqual([example.scrape_configs[0]!.job_name]);
      expect(job.current.value).toEqual([service.metadata.name]);
      // Every health query is scoped to $job; with the default, an unrelated job's `up` is not read.
      const health = exprs.filter((e) =>
        metricNames(e).some(
          (n) => n === "up" || /^dora_(woodpecker|backfill|repos|last_poll|build_info|poll_duration)/.test(n),
        ),
      );
      expect(health.length).toBeGreaterThanOrEqual(6);
      for (const e of health) expect(e).toContain('{job=~"$job"}');
      const up = health.find((e) => metricNames(e).includes("up"))!;
      const matcher = new RegExp(`^(?:${job.current.value.join("|")})$`);
      expect(up).toBe('min(up{job=~"$job"})');
      expect(matcher.test("node-exporter")).toBe(false);
      expect(matcher.test("dora-exporter")).toBe(true);
    },
  );

  test("the five keys are stat panels, four coloured at the DORA level boundaries, rework rate without levels", () => {
    const stat = (title: string) => dash.panels.find((p) => p.type === "stat" && p.title === title)!;
    const steps = (p: Panel) => p.fieldConfig!.defaults!.thresholds!.steps.map((s) => [s.value, s.color]);
    expect(steps(stat("Deployment frequency"))).toEqual([
      [null, "red"],
      [1 / 30, "orange"],
      [1 / 7, "blue"],
      [1, "green"],
    ]);
    expect(steps(stat("Lead time for changes (median)"))).toEqual([
      [null, "green"],
      [86400, "blue"],
      [604800, "orange"],
      [2592000, "red"],
    ]);
    expect(steps(stat("Change failure rate"))).toEqual([
      [null, "green"],
      [0.0500001, "blue"],
      [0.1000001, "orange"],
      [0.1500001, "red"],
    ]);
    expect(steps(stat("Failed deployment recovery time (median)"))).toEqual([
      [null, "green"],
      [3600, "blue"],
      [86400, "orange"],
      [604800, "red"],
    ]);
    expect(steps(stat("Rework rate"))).toEqual([[null, "text"]]); // DORA publishes no thresholds
    const rows = dash.panels.filter((p) => p.type === "row").map((p) => p.title);
    // The key panels read the window gauges, which pool all targets (a median cannot be pooled
    // from per-target medians): the rows say so.
    expect(rows.slice(0, 2)).toEqual([
      "Throughput over $window (all targets, window gauges: the page's numbers from the first scrape)",
      "Instability over $window (all targets, window gauges)",
    ]);
  });

  test(
    "the key panels read the window gauges (right from the " + "first scrape); a per-target table and the coverage too",
    () => {
      const stat = (title: string) =>
        dash.panels.find((p) => p.type === "stat" && p.title === title)!.targets![0]!.expr;
      expect(stat("Deployment frequency")).toBe('dora_overall:window_deployments_per_day:max{window="$window"}');
      expect(stat("Lead time for changes (median)")).toBe(
        'dora_overall:window_lead_time_p50_seconds:max{window="$window"}',
      );
      expect(stat("Change failure rate")).toBe('dora_overall:window_change_failure_ratio:max{window="$window"}');
      expect(stat("Failed deployment recovery time (median)")).toBe(
        'dora_overall:window_recovery_time_p50_seconds:max{window="$window"}',
      );
      expect(stat("Rework rate")).toBe('dora_overall:window_rework_ratio:max{window="$window"}');
      expect(stat("Lead time p90")).toBe('dora_overall:window_lead_time_p90_seconds:max{window="$window"}');
      expect(stat("History read covers")).toBe('dora_overall:window_coverage_ratio:min{window="$window"}');
      const table = dash.panels.find((p) => p.type === "table" && p.title === "Per target (window gauges)")!;
      for (const t of table.targets!)
        expect(t.expr).toMatch(
          /^dora:window_[a-z0-9_]+:max\{repo=~"\$repo", deploy_to=~"\$deploy_to", window="\$window"\}$/,
        );
    },
  );

  test(
    "a team variable (from dora_repo_info) narrows the " + "repo list; a per-team table reads the dora_group rules",
    () => {
      expect(vars.team?.type).toBe("query");
      expect(JSON.stringify(vars.team?.query)).toContain("label_values(dora_repo_info, team)");
      expect(JSON.stringify(vars.repo?.query)).toContain('dora_repo_info{team=~\\"$team\\"}');
      // "All" repos must mean all repos of the team, not .*
      expect((vars.repo as { allValue?: string }).allValue).toBeUndefined();
      const team = dash.panels.find((p) => p.type === "table" && p.title === "Per team")!;
      for (const t of team.targets!)
        expect(t.expr).toMatch(/^sum by \(team\) \(dora_group:[a-z_]+:[a-z0-9_]+\$window\{team=~"\$team"\}\)$/);
    },
  );

  test("has trends, the failing-now table with outage age, a per-repo table and exporter health", () => {
    const types = (t: string) => dash.panels.filter((p) => p.type === t).map((p) => p.title);
    expect(types("timeseries").length).toBeGreaterThanOrEqual(4);
    const failing = dash.panels.find((p) => p.type === "table" && p.title === "Targets failing now")!;
    expect(failing.targets![0]!.expr).toContain(
      "time() - max by (repo, deploy_to) (dora_deployment_failing_since_timestamp_seconds",
    );
    expect(types("table")).toContain("Per repo");
    expect(exprs.some((e) => e.includes("sum by (repo)"))).toBe(true);
    for (const m of [
      "up",
      "dora_woodpecker_up",
      "dora_backfill_complete",
      "dora_last_poll_success_timestamp_seconds",
    ]) {
      expect(exprs.some((e) => metricNames(e).includes(m))).toBe(true);
    }
  });

  test("queries only contract metrics and shipped recording rules", () => {
    const known = new Set([...CONTRACT, ...records]);
    for (const e of exprs) {
      for (const w of ["1d", "7d", "30d"]) {
        for (const n of metricNames(e.replaceAll("$window", w)))
          expect({ expr: e, metric: n, known: known.has(n) }).toEqual({ expr: e, metric: n, known: true });
      }
    }
  });

  test("the Grafana provisioning examples point at the dashboard and a Prometheus datasource", async () => {
    const provider = parse(await read("deploy/grafana/provisioning/dashboards/dora.yml")) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers[0]!.type).toBe("file");
    const ds = parse(await read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: { type: string }[];
    };
    expect(ds.datasources[0]!.type).toBe("prometheus");
  });
});

test("metricNames extracts selectors, not functions, labels or keywords", () => {
  expect(
    metricNames('sum by (le) (dora:x:increase1d{le="+Inf", repo=~"a"}) / on (repo) (up > 0) and foo offset 5m'),
  ).toEqual(["dora:x:increase1d", "up", "foo"]);
});
