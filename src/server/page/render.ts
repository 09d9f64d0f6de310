// GET /: the operator's page, server-rendered. No scripts, no remote resources (PAGE_HEADERS' CSP
// forbids both), every value escaped by the `html` template. Numbers come from the same window
// summary as the JSON API; each shown number carries `data-k` (what it is) and `data-value` (the
// API's raw value) so the browser test can compare the two.
import type { Level } from "../../core/levels.ts";
import { REWORK_REASONS } from "../../core/state.ts";
import type { GroupSummary, Keys, RepoSummary, ReworkRate, WindowSummary } from "../../core/summary.ts";
import { MAPPED_BY_TEXT, sourcesText, type AppMapping } from "../../view/sources.ts";
import type { SourcedTarget, ViewSummary } from "../../view/window.ts";
import { html, type Html } from "../html.ts";
import type { ExporterStatus } from "../view.ts";
import { dailyChart } from "./chart.ts";
import { LEVEL_TEXT, formatAgo, formatDuration, formatFrequency, formatRate, formatTime } from "../../view/format.ts";
import { STYLE_HTML } from "./style.ts";

export interface PageInput {
  readonly status: ExporterStatus;
  readonly summary: ViewSummary;
  readonly woodpeckerUrl: string;
  /** Unix seconds, the clock (not the window's end, which `at` may move): for "last poll 5 s ago". */
  readonly clock: number;
  /** The repo glob the page is filtered by, if any. */
  readonly repo?: string;
  /** The `at` the page was asked for (kept by the window links), if any. */
  readonly at?: number;
  /** The target glob (`deploy_to`) the page is filtered by, if any. */
  readonly deployTo?: string;
  /** Every target name tracked, for the target filter. */
  readonly targetNames?: readonly string[];
  /** Where the history read begins (DORA_SINCE, else the oldest pipeline read); null: nothing read. */
  readonly origin?: HistoryOrigin | null;
  /** The repo label the page groups by (`summary.groups` then holds its groups), if any. */
  readonly groupBy?: string;
  /** The labels `repo_labels` defines: the group selector's choices (none: no selector). */
  readonly groupLabels?: readonly string[];
}

export interface HistoryOrigin {
  /** Unix seconds. */
  readonly at: number;
  /** True when it is DORA_SINCE, false when it is the oldest pipeline read. */
  readonly since: boolean;
}

export const WINDOWS = [7, 30, 90] as const;

export function renderPage(p: PageInput): Html {
  const { status: st, summary: s } = p;
  const now = s.window.end;
  const days = s.window.days;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60"><link rel="icon" href="data:,">
<title>${s.overall.failingTargets > 0 ? `(${s.overall.failingTargets} failing) ` : ""}DORA · last ${days} \
days${st.demo ? " (demo)" : ""}</title>
<style>${STYLE_HTML}</style></head><body>
${
  st.demo
    ? html`<div class="banner" role="alert" data-k="demo">DEMO DATA: these numbers come from a built-in \
simulated Woodpecker${st.argocd !== null ? " and ArgoCD" : ""}, not from a real server.</div>`
    : ""
}
${connectionBanner(st, p.clock, p.woodpeckerUrl)}
${st.warnings.map((w) => html`<div class="banner warn" role="alert" data-k="warning">${w}</div>`)}
<header><div class="wrap top">
<h1>DORA <span class="sub">from Woodpecker CI${st.argocd !== null ? " and ArgoCD" : ""}</span></h1>
<nav class="windows" aria-label="window">${WINDOWS.map((w) =>
    w === days
      ? html`<span class="on" aria-current="page">${w} days</span>`
      : html`<a href="${pageHref(w, p.repo, p.at, p.deployTo, p.groupBy)}">${w} days</a>`,
  )}${WINDOWS.includes(days as 7) ? "" : html`<span class="on" aria-current="page">${days} days</span>`}</nav>
</div></header>
<main class="wrap">
<p class="window">Last ${days} days, ${formatTime(s.window.start)} – ${formatTime(now)}${
    p.repo
      ? html` · repos \
matching <code>${p.repo}</code> (<a href="${pageHref(days, undefined, p.at, p.deployTo, p.groupBy)}">all</a>\
)`
      : ""
  }${p.deployTo ? html` · targets matching <code data-k="filter:deploy_to">${p.deployTo}</code>` : ""} \
· ${s.overall.repos} repo${s.overall.repos === 1 ? "" : "s"}, ${s.overall.targets} \
target${s.overall.targets === 1 ? "" : "s"}</p>
${targetNav(p, days)}
${coverageNote(s, p.origin ?? null)}
${headline(s)}
${failingNotice(s, now, st)}
${groupSelector(p)}
${p.groupBy === undefined ? "" : groupTable(p.groupBy, s.groups)}
<h2>Repos × targets</h2>
${targetTable(s.targets, now, st)}
${appTable(s.apps)}
<h2>Per day</h2>
<p class="legend"><span class="sw ok"></span> deployments <span class="sw fail"></span> failed attempts</p>
<div class="repos">${s.repos.map((r) => repoCard(r))}</div>
${statusBlock(st, p.clock, p.woodpeckerUrl)}
</main>
<footer class="wrap"><a href="/metrics">/metrics</a> · <a href="/api">API docs</a> · <a href="/openapi/json">\
OpenAPI</a> · <a href="${`/api/v1/summary?${pageHref(days, p.repo, p.at, p.deployTo, p.groupBy).slice(2)}`}">this \
view as JSON</a> · <a href="/healthz">/healthz</a> · <a href="/ready">/ready</a> · dora-exporter ${st.version}</footer>
</body></html>
`;
}

export function pageHref(days: number, repo?: string, at?: number, deployTo?: string, groupBy?: string): string {
  const q = new URLSearchParams({ window: `${days}d` });
  if (repo) q.set("repo", repo);
  if (deployTo) q.set("deploy_to", deployTo);
  if (at !== undefined) q.set("at", String(at));
  if (groupBy !== undefined) q.set("group_by", groupBy);
  return `/?${q.toString()}`;
}

/** One link per target name: headline numbers for one target instead of all of them mixed. */
function targetNav(p: PageInput, days: number): Html | string {
  const names = p.targetNames ?? [];
  if (names.length < 2 && !p.deployTo) return "";
  const item = (name: string | undefined, text: string) =>
    (p.deployTo ?? undefined) === name
      ? html`<span class="on" aria-current="page">${text}</span>`
      : html`<a href="${pageHref(days, p.repo, p.at, name, p.groupBy)}">${text}</a>`;
  return html`<nav class="targets" \
aria-label="target">${item(undefined, "all targets")}${names.map((n) => item(n, n))}${
    p.deployTo && !names.includes(p.deployTo) ? html`<span class="on" aria-current="page">${p.deployTo}</span>` : ""
  }</nav>`;
}

/** A plain GET form (the page runs no scripts): pick a repo label, keep the other parameters. */
function groupSelector(p: PageInput): Html | string {
  const labels = p.groupLabels ?? [];
  if (labels.length === 0) return "";
  const keep = (name: string, value: string | number | undefined) =>
    value === undefined ? "" : html`<input type="hidden" name="${name}" value="${String(value)}">`;
  return html`<form class="groupby" method="get" action="/" data-k="groupby"><label for="group_by">Group repos \
by</label>
<select id="group_by" name="group_by">${labels.map(
    (l) =>
      html`<option value="${l}"${
        l === p.groupBy
          ? html` \
selected`
          : ""
      }>${l}</option>`,
  )}</select>
${keep("window", `${p.summary.window.days}d`)}${keep("repo", p.repo)}${keep("deploy_to", p.deployTo)}${keep(
  "at",
  p.at,
)}<button type="submit">Group</button>${
    p.groupBy === undefined
      ? ""
      : html` <a href="${pageHref(p.summary.window.days, p.repo, p.at, p.deployTo)}">ungroup</a>`
  }</form>`;
}

function groupTable(label: string, groups: readonly GroupSummary[]): Html {
  return html`<h2>By ${label}</h2><div class="scroll"><table class="groups">
<thead><tr><th>${label}</th><th class="n">repos</th>${keyHeaders()}<th>failing</th></tr></thead>
<tbody>${groups.map((g) => {
    const id = `group:${g.group ?? ""}`;
    return html`<tr class="${g.failingTargets > 0 ? "is-failing" : ""}"><td class="repo">${
      g.group ??
      html`<span \
class="sub">(no ${label})</span>`
    }</td><td \
class="n">${g.repos}</td>${keyCells(id, g.keys)}<td>${
      g.failingTargets === 0
        ? html`<span class="okc">\
none</span>`
        : html`<span class="bad">${g.failingTargets} target${g.failingTargets === 1 ? "" : "s"}</span>`
    }</td>\
</tr>`;
  })}</tbody></table></div>`;
}

/** Column headers of the five keys: throughput first, then instability (DORA 2024). */
function keyHeaders(): Html {
  return html`<th class="n">lead time <span class="sub">median · p90</span></th><th class="n">deploy frequency</th>\
<th class="n">recovery time</th><th class="n">change failure rate</th><th class="n">rework rate</th>`;
}

function keyCells(id: string, k: Keys): Html {
  return html`<td class="n" data-label="lead \
time">${cell(
    id,
    "lt",
    formatDuration(k.leadTime.medianSeconds),
    k.leadTime.medianSeconds,
    k.leadTime.level,
    `p90 ${formatDuration(k.leadTime.p90Seconds)} · ${k.leadTime.observations} changes`,
  )}</td>
<td class="n" data-label="deploy \
frequency">${cell(
    id,
    "df",
    formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments),
    k.deploymentFrequency.perDay,
    k.deploymentFrequency.level,
    `${k.deploymentFrequency.deployments} deployments`,
  )}</td>
<td class="n" data-label="recovery \
time">${cell(
    id,
    "ttr",
    formatDuration(k.timeToRestore.medianSeconds),
    k.timeToRestore.medianSeconds,
    k.timeToRestore.level,
    `${k.timeToRestore.restored} restored`,
  )}</td>
<td class="n" data-label="change failure \
rate">${cell(
    id,
    "cfr",
    formatRate(k.changeFailureRate.rate),
    k.changeFailureRate.rate,
    k.changeFailureRate.level,
    `${k.changeFailureRate.failed}/${k.changeFailureRate.attempts} failed`,
  )}</td>
<td class="n" data-label="rework \
rate">${cell(
    id,
    "rw",
    formatRate(k.reworkRate.rate),
    k.reworkRate.rate,
    k.reworkRate.level,
    `${k.reworkRate.rework}/${k.reworkRate.deployments} rework`,
  )}</td>`;
}

/** "2 rollback · 1 revert", the reasons that occurred, in the definition's order. */
export function reworkReasonsText(r: ReworkRate): string {
  const parts = REWORK_REASONS.filter((x) => r.reasons[x] > 0).map((x) => `${r.reasons[x]} ${x}`);
  return parts.length === 0 ? "none" : parts.join(" · ");
}

function headline(s: ViewSummary): Html {
  const k = s.overall.keys;
  const card = (title: string, key: string, value: string, raw: number | null, level: Level, detail: Html | string) =>
    html`<section class="card lvl-${level}"><h3>${title}</h3><div class="big" data-k="overall:${key}" \
data-value="${raw ?? ""}">${value}</div>${key === "rw" ? noLevelBadge() : badge(level)}<p class="detail">${detail}</p>\
</section>`;
  const rw = k.reworkRate;
  return html`<h2 class="keygroup">Throughput</h2><div class="cards">
${card(
  "Lead time for changes",
  "lt",
  formatDuration(k.leadTime.medianSeconds),
  k.leadTime.medianSeconds,
  k.leadTime.level,
  html`median of <span data-k="overall:changes">${k.leadTime.observations}</span> changes · p90 <span \
data-k="overall:lt90" data-value="${k.leadTime.p90Seconds ?? ""}">${formatDuration(k.leadTime.p90Seconds)}</span>`,
)}
${card(
  "Deployment frequency",
  "df",
  formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments),
  k.deploymentFrequency.perDay,
  k.deploymentFrequency.level,
  html`<span data-k="overall:deployments">${k.deploymentFrequency.deployments}</span> successful deployments \
in ${k.deploymentFrequency.days} days`,
)}
${card(
  "Failed deployment recovery time",
  "ttr",
  formatDuration(k.timeToRestore.medianSeconds),
  k.timeToRestore.medianSeconds,
  k.timeToRestore.level,
  html`median of <span data-k="overall:restored">${k.timeToRestore.restored}</span> incidents closed`,
)}
</div>
<h2 class="keygroup">Instability</h2><div class="cards">
${card(
  "Change failure rate",
  "cfr",
  formatRate(k.changeFailureRate.rate),
  k.changeFailureRate.rate,
  k.changeFailureRate.level,
  html`<span data-k="overall:failed">${k.changeFailureRate.failed}</span> failed of <span \
data-k="overall:attempts">${k.changeFailureRate.attempts}</span> attempts`,
)}
${card(
  "Deployment rework rate",
  "rw",
  formatRate(rw.rate),
  rw.rate,
  rw.level,
  html`<span data-k="overall:rework">${rw.rework}</span> of <span \
data-k="overall:rw-deployments">${rw.deployments}</span> deployments: <span \
data-k="overall:rw-reasons">${reworkReasonsText(rw)}</span><br><span class="sub" data-k="overall:rw-level">no \
level: ${rw.levelReason}</span>`,
)}
</div>`;
}

/**
 * Woodpecker not answering, or numbers older than three poll intervals: a banner over everything,
 * with since when, so stale numbers are never read as current ones.
 */
function connectionBanner(st: ExporterStatus, clock: number, woodpeckerUrl: string): Html | string {
  const asOf =
    st.lastPollSuccess > 0
      ? html`The numbers below are as of the last complete poll, ${formatTime(st.lastPollSuccess)} \
(${formatAgo(st.lastPollSuccess, clock)}).`
      : "No poll has completed yet: nothing below comes from Woodpecker.";
  if (st.up === false) {
    const since =
      st.unreachableSince === null
        ? ""
        : html` since ${formatTime(st.unreachableSince)} (${formatAgo(st.unreachableSince, clock)})`;
    return html`<div class="banner bad" role="alert" data-k="connection">Woodpecker at ${woodpeckerUrl} is not \
answering${since}: ${st.problem ?? "the last poll did not complete"}. ${asOf}</div>`;
  }
  if (st.stale) {
    return html`<div class="banner bad" role="alert" data-k="connection">The numbers are stale: polls run \
every ${st.pollIntervalSeconds} s, but the last one completed ${formatTime(st.lastPollSuccess)} \
(${formatAgo(st.lastPollSuccess, clock)}).${st.polling ? " A poll is running now." : ""}</div>`;
  }
  return "";
}

/** Says so when the window reaches back before what was read (coverage < 1, as the gauge). */
function coverageNote(s: WindowSummary, origin: HistoryOrigin | null): Html | string {
  if (origin === null || origin.at <= s.window.start) return "";
  const covered = Math.max(0, Math.min(1, (s.window.end - origin.at) / (s.window.end - s.window.start)));
  const what = origin.since
    ? html`<code>DORA_SINCE</code> (${formatTime(origin.at)})`
    : html`the oldest pipeline read (created ${formatTime(origin.at)})`;
  return html`<p class="window warnc" data-k="coverage" data-value="${covered}">This window reaches back \
before ${what}: the history read covers ${formatRate(covered)} of it. Deployment frequency still divides by \
all ${s.window.days} days.</p>`;
}

/** Said instead of the table or of "no target is failing" when nothing could be read yet. */
function notKnown(st: ExporterStatus): string | null {
  if (st.lastPollSuccess > 0) return null;
  if (st.up === false)
    return "Nothing read yet: Woodpecker is not answering (see the banner above), so there is nothing to show.";
  if (st.up === null) return "The first poll is still running; numbers appear when it completes.";
  return null;
}

function failingNotice(s: ViewSummary, now: number, st: ExporterStatus): Html | string {
  const failing = s.targets.filter((t) => t.failing.now);
  const unknown = notKnown(st);
  if (failing.length === 0 && unknown !== null)
    return html`<p class="empty" data-k="overall:failing" data-value="">${unknown}</p>`;
  if (failing.length === 0 && st.up === false) {
    return html`<p class="empty" data-k="overall:failing" data-value="0">No target was failing at the last complete \
poll.</p>`;
  }
  if (failing.length === 0)
    return html`<p class="allgood" data-k="overall:failing" data-value="0">No target is failing right now.</p>`;
  return html`<div class="failing" role="status" data-k="overall:failing" data-value="${failing.length}">\
<strong>${failing.length} target${failing.length === 1 ? " is" : "s are"} failing:</strong> ${failing.map(
    (t, i) => html`${i > 0 ? ", " : ""}${t.repo} → ${t.deployTo} for ${formatDuration(now - t.failing.since!)}`,
  )}</div>`;
}

function targetTable(rows: readonly SourcedTarget[], now: number, st: ExporterStatus): Html {
  // Sources under each target's name once ArgoCD feeds any (without it, every one is Woodpecker's).
  const sources = rows.some((t) => t.sources.some((x) => x.source !== "woodpecker"));
  if (rows.length === 0) {
    const unknown = notKnown(st);
    if (unknown !== null) return html`<p class="empty">${unknown}</p>`;
    if (st.trackedRepos === 0)
      return html`<p class="empty">No repo is tracked${st.warnings.length > 0 ? " (see the warning above)" : ""}.</p>`;
    return html`<p class="empty">No deployment attempts found yet. <code>dora-exporter check</code> shows which \
pipelines the deployment rules match.</p>`;
  }
  return html`<div class="scroll"><table>
<thead><tr><th>repo</th><th>target</th>${keyHeaders()}<th>failing since</th></tr></thead>
<tbody>${rows.map((t) => targetRow(t, now, sources))}</tbody></table></div>`;
}

function targetRow(t: SourcedTarget, now: number, sources: boolean): Html {
  const id = `${t.repo}|${t.deployTo}`;
  const k = t.keys;
  const why = t.sources.flatMap((src) => (src.why ? [`${src.app}: ${src.why}`] : [])).join("; ");
  return html`<tr class="${t.failing.now ? "is-failing" : ""}">
<td class="repo">${t.repo}</td><td class="target" data-label="target"><span class="tname">${t.deployTo}</span>${
    sources
      ? html`<br><span class="sub src"${why ? html` title="${why}"` : ""} \
data-k="${id}:source">${sourcesText(t.sources)}</span>`
      : ""
  }</td>
${keyCells(id, k)}
<td class="since" data-label="now" data-k="${id}:failing" data-value="${t.failing.since ?? ""}">${
    t.failing.now
      ? // Two short lines rather than one long one: a failing row must not squeeze the other columns.
        html`<span class="bad">failing for ${formatDuration(now - t.failing.since!)}</span><br><span class="sub">\
since ${formatTime(t.failing.since)}</span>`
      : html`<span class="okc">healthy</span>`
  }</td></tr>`;
}

/** The ArgoCD apps and how each maps to its (repo, target); nothing without ArgoCD. */
function appTable(apps: readonly AppMapping[]): Html | string {
  if (apps.length === 0) return "";
  return html`<h2>ArgoCD apps</h2>
<div class="scroll"><table class="apps">
<thead><tr><th>app</th><th>repo</th><th>target</th><th>mapped by</th><th>why</th></tr></thead>
<tbody>${apps.map(
    (a) =>
      html`<tr class="${a.by === "none" ? "is-unmapped" : ""}"><td class="repo">${a.app}</td><td data-label="repo" \
data-k="app:${a.app}:repo">${a.repo}</td><td data-label="target" data-k="app:${a.app}:target">${a.deployTo}</td><td \
data-label="mapped by" title="${MAPPED_BY_TEXT[a.by]}" data-k="app:${a.app}:by">${a.by}</td><td data-label="why" \
class="sub" data-k="app:${a.app}:why">${a.why}</td></tr>`,
  )}</tbody></table></div>`;
}

function cell(id: string, key: string, text: string, raw: number | null, level: Level, sub: string): Html {
  return html`<span class="val" data-k="${id}:${key}" data-value="${raw ?? ""}">${text}</span>\
 ${key === "rw" ? noLevelBadge(true) : badge(level, true)}<br><span class="sub">${sub}</span>`;
}

/** Rework rate's level is always `none`, which is not "no data": say why instead. */
function noLevelBadge(small = false): Html {
  return html`<span class="badge none${small ? " small" : ""}" title="no DORA level: DORA publishes no thresholds for \
rework rate">no level</span>`;
}

function badge(level: Level, small = false): Html {
  return html`<span class="badge ${level}${small ? " small" : ""}" title="DORA \
level: ${LEVEL_TEXT[level]}">${LEVEL_TEXT[level]}</span>`;
}

function repoCard(r: RepoSummary): Html {
  const k: Keys = r.keys;
  const recent = r.incidents.slice(0, 3);
  return html`<section class="repo-card${r.failingTargets > 0 ? " is-failing" : ""}">
<h3><a href="${`/api/v1/repos/${r.id}?window=${r.daily.length}d`}" title="this repo as JSON">${r.repo}</a> <span \
class="sub">${modeText(r.mode)}</span></h3>
${dailyChart(r.repo, r.daily)}
<p class="sub">${k.deploymentFrequency.deployments} deployments · ${k.changeFailureRate.failed} failed · ${
    r.targets.map((t) => t.deployTo).join(", ") || "no deployment attempts"
  }</p>
${
  recent.length === 0
    ? ""
    : html`<ul class="incidents">${recent.map(
        (i) =>
          html`<li class="${i.open ? "bad" : ""}">${i.deployTo}: ${i.open ? "open since" : "failed"} ${formatTime(
            i.start,
          )}${
            i.open
              ? html` (${formatDuration(i.durationSeconds)})`
              : html`, restored in ${formatDuration(i.durationSeconds)}`
          } · ${
            i.openedByApp !== null ? argoEvent(i.openedByApp, i.openedBy, false) : link(i.openedByUrl, `#${i.openedBy}`)
          }${
            i.closedBy === null
              ? ""
              : html` → ${
                  i.closedByApp !== null
                    ? argoEvent(i.closedByApp, i.closedBy, i.closedByRestore)
                    : link(i.closedByUrl, `#${i.closedBy}`)
                }`
          }</li>`,
      )}</ul>`
}
</section>`;
}

/** An ArgoCD event in an incident: the app, and its history entry or that it turned Healthy. */
function argoEvent(app: string, number: number, restore: boolean): string {
  return restore ? `${app} Healthy` : number > 0 ? `${app} history ${number}` : `${app} sync`;
}

function link(url: string | null, text: string): Html | string {
  return url === null ? text : html`<a href="${url}" rel="noreferrer">${text}</a>`;
}

function modeText(mode: RepoSummary["mode"]): string {
  switch (mode) {
    case "deployment-events":
      return "deployment events";
    case "default-branch-push":
      return "pushes to the default branch";
    case "rules":
      return "configured rules";
    case "argocd-builds":
      return "deployed by ArgoCD";
    default:
      return "not read yet";
  }
}

function argoStatus(st: ExporterStatus): Html | string {
  const a = st.argocd;
  if (a === null) return "";
  const up =
    a.up === null
      ? html`<span class="warnc">first list pending</span>`
      : a.up
        ? html`<span class="okc">reachable</span>`
        : html`<span class="bad">not reachable (last list failed)</span>`;
  return html`<dt>ArgoCD</dt><dd data-k="status:argocd">${up} · ${a.apps} app${a.apps === 1 ? "" : "s"} · watch \
stream ${a.streamConnected ? "connected" : html`<span class="warnc">not connected</span>`}</dd>`;
}

function statusBlock(st: ExporterStatus, now: number, woodpeckerUrl: string): Html {
  const up =
    st.up === null
      ? html`<span class="warnc">first poll running</span>`
      : st.up
        ? html`<span class="okc">reachable</span>`
        : html`<span class="bad">not reachable (last poll incomplete)</span>`;
  const backfill = st.backfillComplete
    ? html`<span class="okc">complete</span> (${st.trackedRepos} repos)`
    : st.trackedRepos === 0
      ? html`<span class="warnc">${
          st.up === false ? "waiting for Woodpecker" : st.up === null ? "starting" : "no repo tracked"
        }</span>`
      : html`<span class="warnc">in progress</span> <progress max="${Math.max(1, st.trackedRepos)}" \
value="${st.backfilledRepos}"></progress> ${st.backfilledRepos}/${st.trackedRepos} repos`;
  return html`<h2>Exporter</h2><dl class="status" data-k="status">
<dt>Woodpecker</dt><dd data-k="status:up">${up} · <a href="${woodpeckerUrl}" rel="noreferrer">${woodpeckerUrl}</a></dd>
${argoStatus(st)}
<dt>Last successful poll</dt><dd \
data-k="status:last-poll">${
    st.lastPollSuccess > 0
      ? `${formatTime(st.lastPollSuccess)} \
(${formatAgo(st.lastPollSuccess, now)})`
      : "not yet"
  }${st.polling ? " · polling now" : ""}</dd>
<dt>Backfill</dt><dd data-k="status:backfill">${backfill}</dd>
<dt>Levels</dt><dd class="sub">DORA 2023 clusters: frequency ≥1/day elite, ≥1/week high, ≥1/month medium; lead time \
&lt;1 day, &lt;1 week, &lt;1 month; failure rate ≤5%, ≤10%, ≤15%; recovery &lt;1 hour, &lt;1 day, &lt;1 week. Rework \
rate (DORA 2024: rollbacks, reverts, hotfixes and your rework rules) has no level: DORA publishes no thresholds. “no \
data”: nothing in the window.</dd>
</dl>`;
}
