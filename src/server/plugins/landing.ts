// GET /: a minimal landing page: what this is, whether it is healthy, what it counts, where the
// metrics are. Server-rendered, every value escaped.
import { Elysia } from "elysia";
import { PAGE_HEADERS, html } from "../html.ts";
import type { ExporterView } from "../view.ts";

export const landingPlugin = (view: () => ExporterView) =>
  new Elysia({ name: "landing" }).get("/", ({ set }) => {
    Object.assign(set.headers, PAGE_HEADERS);
    return renderLanding(view()).toString();
  });

export function renderLanding(v: ExporterView) {
  const time = (t: number) => (t > 0 ? new Date(t * 1000).toISOString().replace(".000Z", "Z") : "never");
  const rows = v.targets.map(
    (t) => html`<tr>
      <td>${t.repo}</td><td>${t.deployTo}</td><td class="n">${t.deployments}</td><td class="n">${t.failures}</td>
      <td class="n">${t.restored}</td>
      <td class="${t.failingSince > 0 ? "bad" : "ok"}">${t.failingSince > 0 ? `failing since ${time(t.failingSince)}` : "healthy"}</td>
    </tr>`,
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dora-exporter${v.demo ? " (demo)" : ""}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:960px;margin:0 auto;padding:1.2rem}
.banner{background:#7a4b00;color:#fff;padding:.6rem 1.2rem;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b3261e;font-weight:600}.ok{color:#1e7a34}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#5b6474}
</style></head><body>
${v.demo ? html`<div class="banner">DEMO: these numbers come from a built-in simulated Woodpecker, not from a real server.</div>` : ""}
<main>
<h1>dora-exporter</h1>
<p>DORA metrics from Woodpecker CI for Prometheus. Scrape <a href="/metrics">/metrics</a>.</p>
<dl>
<dt>Woodpecker</dt><dd class="${v.up ? "ok" : "bad"}">${v.up ? "reachable" : "not reachable (last poll incomplete)"}</dd>
<dt>Last successful poll</dt><dd>${time(v.lastPollSuccess)}</dd>
<dt>Backfill</dt><dd>${v.backfillComplete ? "complete" : "in progress"}</dd>
<dt>Repos tracked</dt><dd>${v.trackedRepos}</dd>
<dt>Version</dt><dd>${v.version}</dd>
</dl>
<h2>Deployment targets</h2>
${
  v.targets.length === 0
    ? html`<p>No deployment attempts found yet.</p>`
    : html`<table><thead><tr><th>repo</th><th>deploy_to</th><th>deployments</th><th>failures</th><th>restored incidents</th><th>now</th></tr></thead><tbody>${rows}</tbody></table>`
}
<p><a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/ready">/ready</a></p>
</main></body></html>
`;
}
