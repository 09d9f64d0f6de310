// The JSON API: the five keys over a window, overall and per repo × target (GET /api/v1/summary),
// one repo in detail with its daily series and recent incidents (GET /api/v1/repos/{repo}), and
// the exporter's own status (GET /api/v1/status). Query parameters are valibot schemas; a bad one
// is a 400 with a one-line `error`. Numbers come from src/view/window.ts, as on the page and in
// `dora-exporter report`.
import { Elysia } from "elysia";
import * as v from "valibot";
import { groupByProblem, repoDetailJson, summaryJson, windowSummary, type RepoDetailJson } from "../../view/window.ts";
import { validationMessage } from "../validation.ts";
import type { ExporterView } from "../view.ts";
import { DetailQuery, SummaryQuery, windowQuery } from "./params.ts";

export const API_PREFIX = "/api/v1";

const RepoIdOrName = v.pipe(
  v.string(),
  v.minLength(1, "repo: expected a repo id or full name, e.g. /api/v1/repos/acme/web"),
  v.description(
    "The repo's Woodpecker id, or its full name `owner/name` (the slash as is, `/api/v1/repos/acme/web`, or " +
      "encoded, `acme%2Fweb`).",
  ),
);
const RepoParams = v.object({ repo: RepoIdOrName });

/** The responses of an operation, for the OpenAPI document (components in openapi.ts). */
const responses = (ok: string, okDescription: string, errors: Record<number, string>) => ({
  200: {
    description: okDescription,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${ok}` } } },
  },
  ...Object.fromEntries(
    Object.entries(errors).map(([code, description]) => [
      code,
      { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
    ]),
  ),
});

const detailDoc = {
  summary: "One repo in detail",
  description:
    "The repo's keys per target and pooled, a daily series of deployments and failures over the window, and " +
    "its recent incidents with start, end, duration and links to the pipelines in the Woodpecker UI.",
  tags: ["dora"],
  responses: responses("RepoDetailResponse", "The repo over the window", {
    400: "A bad query parameter",
    404: "No tracked repo with that id or name",
  }),
};

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
    .get(
      `${API_PREFIX}/summary`,
      ({ query, set }) => {
        const source = view();
        const problem = query.group_by === undefined ? null : groupByProblem(source, query.group_by);
        if (problem !== null) {
          set.status = 400;
          return { error: `group_by: ${problem}` };
        }
        return summaryJson(windowSummary(source, windowQuery(query)), query.group_by);
      },
      {
        query: SummaryQuery,
        detail: {
          operationId: "getSummary",
          responses: responses("Summary", "The keys over the window", { 400: "A bad query parameter" }),
          summary: "The five keys over a window",
          description:
            "Throughput (median and p90 lead time, deployment frequency, median failed deployment recovery " +
            "time) and instability (change failure rate, rework rate with its reasons) with their DORA levels, " +
            "overall, per repo, per repo × target and, with group_by, per group of repos, with the counts " +
            "behind every number; each target with its sources (Woodpecker, or the ArgoCD apps that feed it " +
            "with how each was mapped and why), and the ArgoCD apps with their mappings.",
          tags: ["dora"],
        },
      },
    )
    .get(`${API_PREFIX}/repos/:repo`, ({ params, query, set }) => repoDetail(view(), params.repo, query, set), {
      params: RepoParams,
      query: DetailQuery,
      detail: { ...detailDoc, operationId: "getRepo" },
    })
    // `owner/name` typed with its slash, as people do: the same operation, not documented twice.
    .get(`${API_PREFIX}/repos/*`, ({ params, query, set }) => repoDetail(view(), params["*"], query, set), {
      query: DetailQuery,
      detail: { hide: true },
    })
    .get(`${API_PREFIX}/status`, () => view().status, {
      detail: {
        operationId: "getStatus",
        responses: responses("Status", "The exporter's status", {}),
        summary: "Exporter status",
        description: "Whether the last poll completed, when the last successful one ended, and backfill progress.",
        tags: ["exporter"],
      },
    });

function repoDetail(
  v0: ExporterView,
  key: string,
  query: { window: number; at?: number; deploy_to?: string },
  set: { status?: number | string },
): RepoDetailJson | { error: string } {
  const match = v0.repos.find((r) => String(r.id) === key || r.fullName.toLowerCase() === key.toLowerCase());
  if (!match) {
    set.status = 404;
    return { error: `repo: no tracked repo with id or name "${key}"` };
  }
  const s = windowSummary({ ...v0, repos: [match] }, windowQuery(query));
  const repo = s.repos[0];
  if (!repo) {
    set.status = 404;
    return { error: `deploy_to: repo "${match.fullName}" has no target matching "${query.deploy_to}"` };
  }
  return repoDetailJson(s, repo);
}
