// The JSON API: the four keys over a window, overall and per repo × target (GET /api/v1/summary),
// one repo in detail with its daily series and recent incidents (GET /api/v1/repos/{repo}), and
// the exporter's own status (GET /api/v1/status). Query parameters are valibot schemas; a bad one
// is a 400 with a one-line `error`. Numbers come from src/view/window.ts, as on the page and in
// `dora-exporter report`.
import { Elysia } from "elysia";
import * as v from "valibot";
import { repoDetailJson, summaryJson, windowSummary } from "../../view/window.ts";
import { validationMessage } from "../validation.ts";
import type { ExporterView } from "../view.ts";
import { DetailQuery, SummaryQuery } from "./params.ts";

export const API_PREFIX = "/api/v1";

const RepoParams = v.object({
  "*": v.pipe(
    v.string(),
    v.minLength(1, "repo: expected a repo id or full name, e.g. /api/v1/repos/acme/web"),
    v.metadata({ description: "The repo's Woodpecker id, or its full name `owner/name`." }),
  ),
});

export const apiPlugin = (view: () => ExporterView) =>
  new Elysia({ name: "api" })
    .onError(({ code, error, set }) => {
      if (code === "VALIDATION") {
        set.status = 400;
        set.headers["cache-control"] = "no-store";
        return { error: validationMessage(error) };
      }
    })
    .onAfterHandle(({ set }) => {
      set.headers["cache-control"] = "no-store";
    })
    .get(`${API_PREFIX}/summary`, ({ query }) => summaryJson(windowSummary(view(), query)), {
      query: SummaryQuery,
      detail: {
        summary: "The four keys over a window",
        description:
          "Deployment frequency, median and p90 lead time, change failure rate and median time to restore with their DORA levels, overall, per repo and per repo × target, with the counts behind every number.",
        tags: ["dora"],
      },
    })
    .get(
      `${API_PREFIX}/repos/*`,
      ({ params, query, set }) => {
        const v0 = view();
        const key = params["*"];
        const match = v0.repos.find((r) => String(r.id) === key || r.fullName.toLowerCase() === key.toLowerCase());
        if (!match) {
          set.status = 404;
          return { error: `repo: no tracked repo with id or name "${key}"` };
        }
        const s = windowSummary({ ...v0, repos: [match] }, query);
        return repoDetailJson(s, s.repos[0]!);
      },
      {
        params: RepoParams,
        query: DetailQuery,
        detail: {
          summary: "One repo in detail",
          description:
            "The repo's keys per target and pooled, a daily series of deployments and failures over the window, and its recent incidents with start, end, duration and links to the pipelines in the Woodpecker UI.",
          tags: ["dora"],
        },
      },
    )
    .get(`${API_PREFIX}/status`, () => view().status, {
      detail: {
        summary: "Exporter status",
        description: "Whether the last poll completed, when the last successful one ended, and backfill progress.",
        tags: ["exporter"],
      },
    });
