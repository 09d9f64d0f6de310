// valibot schemas of the Woodpecker responses the exporter reads, and their normalisation into
// the core's shapes. Objects are loose (newer servers add fields); 3.x time keys (`created`) and
// 2.x ones (`created_at`) are both accepted; absent optional fields take Woodpecker's zero values.
import * as v from "valibot";
import type { Pipeline, Repo } from "../core/model.ts";

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
const time = v.optional(v.nullable(v.pipe(v.number(), v.integer())), 0);
const text = v.optional(v.nullable(v.string()), "");

export const PipelineSchema = v.pipe(
  v.looseObject({
    id: v.pipe(id, v.minValue(1)),
    number: v.pipe(id, v.minValue(1)),
    parent: v.optional(v.nullable(id), 0),
    event: v.string(),
    status: v.string(),
    created: v.optional(v.pipe(v.number(), v.integer())),
    created_at: v.optional(v.pipe(v.number(), v.integer())),
    updated: time,
    updated_at: time,
    started: time,
    started_at: time,
    finished: time,
    finished_at: time,
    branch: text,
    commit: text,
    ref: text,
    deploy_to: text,
  }),
  v.check((p) => (p.created ?? p.created_at ?? 0) > 0, "pipeline has no created time"),
  v.transform(
    (p): Pipeline => ({
      id: p.id,
      number: p.number,
      parent: p.parent ?? 0,
      event: p.event,
      status: p.status,
      created: p.created ?? p.created_at ?? 0,
      updated: p.updated || p.updated_at || 0,
      started: p.started || p.started_at || 0,
      finished: p.finished || p.finished_at || 0,
      branch: p.branch ?? "",
      commit: p.commit ?? "",
      ref: p.ref ?? "",
      deployTo: p.deploy_to ?? "",
    }),
  ),
);

/** What the poller needs from `last_pipeline` to decide whether a repo changed. */
export interface LastPipeline {
  readonly id: number;
  readonly number: number;
}

export interface RepoListing extends Repo {
  readonly active: boolean;
  readonly forgeUrl: string;
  /** undefined: the server does not report it (2.x); null: the repo has no pipeline. */
  readonly lastPipeline: LastPipeline | null | undefined;
}

export const RepoSchema = v.pipe(
  v.looseObject({
    id: v.pipe(id, v.minValue(1)),
    full_name: v.pipe(v.string(), v.minLength(1)),
    default_branch: text,
    active: v.optional(v.boolean(), true),
    forge_url: text,
    last_pipeline: v.optional(
      v.nullable(v.looseObject({ id: v.pipe(id, v.minValue(1)), number: v.pipe(id, v.minValue(1)) })),
    ),
  }),
  v.transform(
    (r): RepoListing => ({
      id: r.id,
      fullName: r.full_name,
      defaultBranch: r.default_branch || "main",
      active: r.active ?? true,
      forgeUrl: r.forge_url ?? "",
      lastPipeline:
        r.last_pipeline === undefined
          ? undefined
          : r.last_pipeline === null
            ? null
            : { id: r.last_pipeline.id, number: r.last_pipeline.number },
    }),
  ),
);

export const UserSchema = v.looseObject({
  id: v.number(),
  login: v.string(),
  admin: v.optional(v.boolean(), false),
});
export type User = v.InferOutput<typeof UserSchema>;

export const VersionSchema = v.looseObject({ version: v.string() });

/** One line naming the first problem valibot found, with its path (`[3].created: …`). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (!issue) return "invalid";
  const path = issue.path?.map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`)).join("") ?? "";
  return `${path ? path.replace(/^\./, "") + ": " : ""}${issue.message}`;
}
