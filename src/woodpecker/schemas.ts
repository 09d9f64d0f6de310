// valibot schemas of the Woodpecker responses the exporter reads, and their normalisation into
// the core's shapes. Unknown fields are accepted and ignored (newer servers add fields); 3.x time
// keys (`created`) and 2.x ones (`created_at`) are both accepted; absent optional fields take
// Woodpecker's zero values.
import * as v from "valibot";
import type { Pipeline, Repo } from "../core/model.ts";

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = v.optional(v.nullable(v.string()), "");
// For PipelineSchema (the hot path of a backfill: every listed pipeline): no defaults, because a
// default makes valibot run the entry even when the key is absent (2.x has no `created`, 3.x no
// `created_at`), and the transform below already maps undefined and null to the same zero values.
const pipelineTime = v.optional(v.nullable(v.pipe(v.number(), v.integer())));
const pipelineText = v.optional(v.nullable(v.string()));

// `v.object`, not `looseObject`: unknown keys are still accepted (and ignored), but not copied
// into the intermediate object; a Woodpecker pipeline has ~33 keys of which the transform reads
// 18 (issue 6: the copy was most of the schema's cost, BENCHMARKS.md).
export const PipelineSchema = v.pipe(
  v.object({
    id: v.pipe(id, v.minValue(1)),
    number: v.pipe(id, v.minValue(1)),
    parent: v.optional(v.nullable(id)),
    event: v.string(),
    status: v.string(),
    created: v.optional(v.pipe(v.number(), v.integer())),
    created_at: v.optional(v.pipe(v.number(), v.integer())),
    updated: pipelineTime,
    updated_at: pipelineTime,
    started: pipelineTime,
    started_at: pipelineTime,
    finished: pipelineTime,
    finished_at: pipelineTime,
    branch: pipelineText,
    commit: pipelineText,
    ref: pipelineText,
    deploy_to: pipelineText,
    message: pipelineText,
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
      message: p.message ?? "",
    }),
  ),
);

/**
 * `v.safeParse(PipelineSchema, item)`, with the same result, at about half the cost (issue 6:
 * this runs for every listed pipeline). valibot first validates a copy of the item holding just
 * the schema's keys, every one of them present (undefined where the item has none): objects of
 * one shape keep valibot's per-key lookups monomorphic, and the ~15 keys the schema ignores are
 * never visited. When that copy passes, the item passes with the same output (the schema reads
 * nothing else, and its optional entries treat an absent key and an undefined value alike). When
 * it fails, the item itself is validated, so the issues (and logged reasons) are the schema's own
 * on the item as sent: a missing `id` is still "Invalid key", not "Invalid type".
 */
export function parsePipeline(item: unknown): v.SafeParseResult<typeof PipelineSchema> {
  if (item !== null && typeof item === "object") {
    const x = item as Record<string, unknown>;
    const fast = v.safeParse(PipelineSchema, {
      id: x.id,
      number: x.number,
      parent: x.parent,
      event: x.event,
      status: x.status,
      created: x.created,
      created_at: x.created_at,
      updated: x.updated,
      updated_at: x.updated_at,
      started: x.started,
      started_at: x.started_at,
      finished: x.finished,
      finished_at: x.finished_at,
      branch: x.branch,
      commit: x.commit,
      ref: x.ref,
      deploy_to: x.deploy_to,
      message: x.message,
    });
    if (fast.success) return fast;
  }
  return v.safeParse(PipelineSchema, item);
}

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
      // Empty stays empty: such a repo has no rule-2 deployments (DEFINITIONS), never a guessed "main".
      defaultBranch: r.default_branch ?? "",
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

export { describeIssues } from "../util/valibot-issues.ts";
