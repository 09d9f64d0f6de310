// GET /: the operator's page (src/server/page/render.ts) over a window chosen with ?window=7d|30d|90d
// (any Nd works), optionally ?repo=<glob>, ?at=<time> and ?group_by=<repo label>. A bad parameter
// is a 400 page naming it.
import { Elysia } from "elysia";
import { PAGE_HEADERS, html } from "../html.ts";
import { renderPage } from "../page/render.ts";
import { groupLabelNames } from "../../core/groups.ts";
import { groupByProblem, windowSummary } from "../../view/window.ts";
import { validationMessage } from "../validation.ts";
import type { ExporterView } from "../view.ts";
import { PageQuery, windowQuery } from "./params.ts";

export const pagePlugin = (view: () => ExporterView) =>
  new Elysia({ name: "page" })
    .onError(({ code, error, set }) => {
      if (code !== "VALIDATION") return;
      set.status = 400;
      Object.assign(set.headers, PAGE_HEADERS);
      const message = validationMessage(error);
      return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad request</title></head><body>\
<p>${message}</p><p><a href="/">Back to the last 30 days</a></p></body></html>`.toString();
    })
    .get(
      "/",
      ({ query, set }) => {
        Object.assign(set.headers, PAGE_HEADERS);
        const v = view();
        const problem = query.group_by === undefined ? null : groupByProblem(v, query.group_by);
        if (problem !== null) {
          set.status = 400;
          return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad request</title></head>\
<body><p>group_by: ${problem}</p><p><a href="/">Back to the last 30 days</a></p></body></html>`.toString();
        }
        return renderPage({
          status: v.status,
          summary: windowSummary(v, windowQuery(query)),
          woodpeckerUrl: v.woodpeckerUrl,
          clock: v.now,
          repo: query.repo,
          deployTo: query.deploy_to,
          targetNames: targetNames(v.repos),
          at: query.at,
          origin: v.origin,
          groupBy: query.group_by,
          groupLabels: groupLabelNames(v.repoLabels ?? []),
        }).toString();
      },
      { query: PageQuery, detail: { hide: true } },
    );

/** Every target name of the tracked repos, sorted. */
function targetNames(repos: ExporterView["repos"]): string[] {
  const names = new Set<string>();
  for (const r of repos) for (const t of r.state?.targets ?? []) names.add(t.target);
  return [...names].sort();
}
