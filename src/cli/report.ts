// `dora-exporter report`: read the history once (one poll, the exporter's own client and poller),
// compute the window and print it as a table (default), JSON (the shape of GET /api/v1/summary)
// or markdown (for a wiki page or a PR comment). Exit 0; a bad flag or setting exits 2 with one
// line; Woodpecker (or, with ARGOCD_URL, ArgoCD) not answering correctly, or --repo matching no
// tracked repo, exits 1 with one line.
import type { Config } from "../config/config.ts";
import { summaryRepos } from "../collector/summary-repos.ts";
import { repoFilter } from "../core/glob.ts";
import { REWORK_REASONS } from "../core/state.ts";
import type { GroupSummary, Keys, ReworkRate } from "../core/summary.ts";
import type { Parsed } from "../util/parsed.ts";
import { LEVEL_TEXT, formatDuration, formatFrequency, formatRate, formatTime } from "../view/format.ts";
import { atParam, DEFAULT_WINDOW, groupByParam, repoParam, targetParam, windowParam } from "../view/params.ts";
import { MAPPED_BY_TEXT, sourcesText, viewSources } from "../view/sources.ts";
import { groupByProblem, summaryJson, windowSummary, type ViewSummary } from "../view/window.ts";
import { UsageError, flag, parseFlags } from "./args.ts";
import { collectOnce } from "./collect.ts";
import { escapeMarkdown, markdownTable, textTable } from "./table.ts";

export const REPORT_USAGE =
  "dora-exporter report [--window 30d] [--repo GLOB]... [--target GLOB]... [--group-by LABEL] [--format " +
  "table|json|markdown] [--at TIME]";

export type ReportFormat = "table" | "json" | "markdown";

export interface ReportArgs {
  readonly window: number;
  readonly repos: readonly string[];
  /** Target globs (`deploy_to`); none: every target. */
  readonly targets: readonly string[];
  readonly format: ReportFormat;
  readonly at?: number;
  /** A repo_labels label (e.g. team): also pool the keys per value. */
  readonly groupBy?: string;
}

export function parseReportArgs(args: readonly string[]): ReportArgs {
  const p = parseFlags(args, ["window", "repo", "target", "group-by", "format", "at"]);
  const one = <T>(parse: (text: string) => Parsed<T>, value: string, name: string): T => {
    const r = parse(value);
    if (!r.ok) throw new UsageError(`--${name}: ${r.problem}`);
    return r.value;
  };
  const format = flag(p, "format") ?? "table";
  if (format !== "table" && format !== "json" && format !== "markdown") {
    throw new UsageError(`--format: expected table, json or markdown, got "${format}"`);
  }
  const at = flag(p, "at");
  const groupBy = flag(p, "group-by");
  return {
    window: one(windowParam, flag(p, "window") ?? DEFAULT_WINDOW, "window"),
    repos: (p.values.get("repo") ?? []).map((g) => one(repoParam, g, "repo")),
    targets: (p.values.get("target") ?? []).map((g) => one(targetParam, g, "target")),
    format,
    at: at === undefined ? undefined : one(atParam, at, "at"),
    ...(groupBy === undefined ? {} : { groupBy: one(groupByParam, groupBy, "group-by") }),
  };
}

export interface ReportIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { isTTY?: boolean; write(s: string): unknown };
  /** Unix ms. */
  readonly now?: () => number;
}

/** Runs the report; returns the exit code. Config errors are thrown (ConfigError) for main to map. */
export async function runReport(config: Config, args: ReportArgs, io: ReportIo): Promise<number> {
  const now = io.now ?? (() => Date.now());
  // A label no repo_labels block defines is a usage error, found before reading Woodpecker.
  const groupProblem =
    args.groupBy === undefined
      ? null
      : groupByProblem({ repos: [], woodpeckerUrl: "", now: 0, repoLabels: config.repoLabels }, args.groupBy);
  if (groupProblem !== null) throw new UsageError(`--group-by: ${groupProblem}`);
  const collected = await collectOnce(config, { progress: io.stderr, now });
  if (!collected.ok) {
    io.stderr.write(`dora-exporter report: cannot read Woodpecker: ${collected.problem}\n`);
    return 1;
  }
  const argo = collected.argo;
  if (argo?.problem) {
    // Without its apps, a GitOps repo's pushes would count as deployments: no report rather than a wrong one.
    io.stderr.write(`dora-exporter report: cannot read ArgoCD: ${argo.problem}\n`);
    return 1;
  }
  const repos = summaryRepos(collected.poller);
  if (args.repos.length > 0) {
    const match = repoFilter(args.repos);
    if (!repos.some((r) => match(r.fullName))) {
      io.stderr.write(
        `dora-exporter report: ${args.repos.map((g) => `--repo ${g}`).join(" ")}: no repo matched;\
 ${trackedNames(repos.map((r) => r.fullName))}\n`,
      );
      return 1;
    }
  }
  const summary = windowSummary(
    {
      repos,
      woodpeckerUrl: config.woodpeckerUrl,
      now: Math.floor(now() / 1000),
      repoLabels: config.repoLabels,
      sources: viewSources(repos, argo === null ? null : (argo.step.last?.mappings ?? [])),
    },
    { window: args.window, repo: args.repos, deployTo: args.targets, at: args.at, groupBy: args.groupBy },
  );
  io.stdout.write(renderReport(summary, args.format, args.groupBy));
  return 0;
}

export function renderReport(s: ViewSummary, format: ReportFormat, groupBy?: string): string {
  switch (format) {
    case "json":
      return JSON.stringify(summaryJson(s, groupBy), null, 2) + "\n";
    case "markdown":
      return reportMarkdown(s, groupBy);
    case "table":
      return reportTable(s, groupBy);
  }
}

// The keys in DORA 2024's groups: throughput (lead time, frequency, recovery), then instability.
const KEY_HEADER = [
  "lead time (median / p90)",
  "deploy frequency",
  "recovery time",
  "change failure rate",
  "rework rate",
];
const HEADER = ["repo", "target", ...KEY_HEADER, "failing since"];
const RIGHT = new Set([2, 3, 4, 5, 6]);

/**
 * The rows' header: with a `source` column when ArgoCD feeds any target (without it every row would say woodpecker).
 */
function header(s: ViewSummary): string[] {
  return withSources(s) ? [...HEADER, "source"] : HEADER;
}

function withSources(s: ViewSummary): boolean {
  return s.targets.some((t) => t.sources.some((x) => x.source !== "woodpecker"));
}

function rows(s: ViewSummary): string[][] {
  const sources = withSources(s);
  return s.targets.map((t) => {
    const row = [t.repo, t.deployTo, ...keyCells(t.keys), t.failing.now ? formatTime(t.failing.since) : "-"];
    return sources ? [...row, sourcesText(t.sources)] : row;
  });
}

/** The ArgoCD apps and how each was mapped (nothing without ArgoCD). */
function appLines(s: ViewSummary): string[] {
  if (s.apps.length === 0) return [];
  return [
    `ArgoCD apps (${s.apps.length}): app -> repo, target: mapped by (why)`,
    ...s.apps.map((a) => `  ${a.app} -> ${a.repo}, ${a.deployTo}: ${a.by} (${a.why})`),
    "",
  ];
}

function keyCells(k: Keys): string[] {
  return [
    `${formatDuration(k.leadTime.medianSeconds)} \
/ ${formatDuration(k.leadTime.p90Seconds)} ${LEVEL_TEXT[k.leadTime.level]}`,
    `${formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments)} ` +
      `(${k.deploymentFrequency.deployments}) ${LEVEL_TEXT[k.deploymentFrequency.level]}`,
    `${formatDuration(k.timeToRestore.medianSeconds)} \
(${k.timeToRestore.restored}) ${LEVEL_TEXT[k.timeToRestore.level]}`,
    `${formatRate(k.changeFailureRate.rate)} \
(${k.changeFailureRate.failed}/${k.changeFailureRate.attempts}) ${LEVEL_TEXT[k.changeFailureRate.level]}`,
    // Rework rate has no DORA level (DORA publishes no thresholds): "no level", never "no data".
    `${formatRate(k.reworkRate.rate)} (${k.reworkRate.rework}/${k.reworkRate.deployments}) no level`,
  ];
}

/** "2 rollback, 1 revert": the reasons that occurred, in the definition's order. */
function reasonsText(r: ReworkRate): string {
  const parts = REWORK_REASONS.filter((x) => r.reasons[x] > 0).map((x) => `${r.reasons[x]} ${x}`);
  return parts.length === 0 ? "no rework" : parts.join(", ");
}

const GROUP_RIGHT = new Set([1, 2, 3, 4, 5, 6]);

function groupCells(label: string, g: GroupSummary): string[] {
  return [
    g.group ?? `(no ${label})`,
    String(g.repos),
    ...keyCells(g.keys),
    g.failingTargets === 0 ? "-" : plural(g.failingTargets, "target"),
  ];
}

function title(s: ViewSummary): string {
  return (
    `DORA over the last ${s.window.days} days (${formatTime(s.window.start)} – ${formatTime(s.window.end)}), ` +
    `${plural(s.overall.repos, "repo")}, ${plural(s.overall.targets, "target")}`
  );
}

function overallLine(s: ViewSummary): string[] {
  const k = s.overall.keys;
  const [lt, df, ttr, cfr, rw] = keyCells(k);
  return [
    `throughput`,
    `  lead time for changes            ${lt}  (${k.leadTime.observations} changes)`,
    `  deployment frequency             ${df}`,
    `  failed deployment recovery time  ${ttr}`,
    `instability`,
    `  change failure rate              ${cfr}`,
    `  deployment rework rate           ${rw}: ${reasonsText(k.reworkRate)} (${k.reworkRate.levelReason})`,
    `failing now                       \
 ${
   s.overall.failingTargets === 0
     ? "none"
     : `${plural(s.overall.failingTargets, "target")}, the first \
since ${formatTime(s.overall.failingSince)}`
 }`,
  ];
}

function reportTable(s: ViewSummary, groupBy?: string): string {
  return [
    title(s),
    "",
    ...overallLine(s).map((l) => "  " + l),
    "",
    ...(groupBy === undefined
      ? []
      : [
          `By ${groupBy}:`,
          textTable(
            [groupBy, "repos", ...KEY_HEADER, "failing"],
            s.groups.map((g) => groupCells(groupBy, g)),
            GROUP_RIGHT,
          ),
          "",
        ]),
    s.targets.length === 0
      ? "No deployment attempts in these repos (dora-exporter check shows what the rules match)."
      : textTable(header(s), rows(s), RIGHT),
    "",
    ...appLines(s),
    "In parentheses: successful deployments, incidents restored, failed/attempts, rework/deployments in the " +
      'window. Levels: DORA 2023 ("no data": nothing in the ' +
      "window); rework rate has none (DORA publishes no " +
      "thresholds).",
    "",
  ].join("\n");
}

function reportMarkdown(s: ViewSummary, groupBy?: string): string {
  const k = s.overall.keys;
  const [lt, df, ttr, cfr, rw] = keyCells(k).map(escapeMarkdown);
  return [
    `## ${escapeMarkdown(title(s))}`,
    "",
    `| lead time (median / p90) | deployment frequency | failed deployment recovery time | change failure rate ` +
      `| rework rate |`,
    `|---:|---:|---:|---:|---:|`,
    `| ${lt} | ${df} | ${ttr} | ${cfr} | ${rw} |`,
    "",
    `Throughput: lead time, deployment frequency, recovery time. Instability: change failure rate, rework rate ` +
      `(${escapeMarkdown(reasonsText(k.reworkRate))}; ${k.reworkRate.levelReason}).`,
    "",
    ...(groupBy === undefined
      ? []
      : [
          `### By ${escapeMarkdown(groupBy)}`,
          "",
          markdownTable(
            [groupBy, "repos", ...KEY_HEADER, "failing"],
            s.groups.map((g) => groupCells(groupBy, g)),
            GROUP_RIGHT,
          ),
          "",
        ]),
    s.targets.length === 0 ? "_No deployment attempts._" : markdownTable(header(s), rows(s), RIGHT),
    "",
    ...(s.apps.length === 0
      ? []
      : [
          markdownTable(
            ["ArgoCD app", "repo", "target", "mapped by", "why"],
            s.apps.map((a) => [a.app, a.repo, a.deployTo, `${a.by}: ${MAPPED_BY_TEXT[a.by]}`, a.why]),
            new Set(),
          ),
          "",
        ]),
    s.overall.failingTargets === 0
      ? "No target is failing right now."
      : `**${plural(s.overall.failingTargets, "target")} failing**, the first \
since ${escapeMarkdown(formatTime(s.overall.failingSince))}.`,
    "",
  ].join("\n");
}

/** "tracked: a, b, c" (the first few, sorted), for a --repo that matched nothing. */
function trackedNames(names: string[]): string {
  if (names.length === 0) return "no repo is tracked (see DORA_REPOS and dora-exporter check)";
  const shown = [...names].sort().slice(0, 5);
  return `tracked: ${shown.join(", ")}${names.length > shown.length ? `, ... (${names.length} in all)` : ""}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
