// valibot schemas of the Woodpecker responses the exporter reads, and their normalisation into
// the core's shapes. Unknown fields are accepted and ignored (newer servers add fields); 3.x time
// keys (`created`) and 2.x ones (`created_at`) are both accepted; absent optional fields take
// Woodpecker's zero values.
import * as v from "valibot";
import type { Pipeline, Repo } from "../core/model.ts";
import { describeIssues } from "../util/valibot-issues.ts";

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = v.optional(v.nullable(v.string()), "");

/**
 * Pipeline ids, numbers and Unix times are kept in Uint32 columns (collector/compact.ts), so the
 * schema admits exactly what those hold: integers 0..4294967295 (Unix seconds fit until 2106). A
 * value outside is a bad object, skipped and counted like any other, with the schema's one-line
 * reason (`created: Invalid value: Expected <=4294967295 but received 5000000000`).
 */
export const UINT32_MAX = 0xffffffff;

/**
 * An integer `min`..UINT32_MAX as one valibot check instead of a pipe of four (number, integer,
 * minValue, maxValue): a pipeline has seven such fields, and the pipes were about a third of
 * valibot's time on a page (issue 14, BENCHMARKS.md). A value that fails gets the message the
 * pipe gives, from the pipe itself (failures are rare), so reasons read exactly as before.
 */
function uint32(min: number, minMessage?: string) {
  const pipe = v.pipe(v.number(), v.integer(), v.minValue(min, minMessage), v.maxValue(UINT32_MAX));
  return v.custom<number>(
    (x) => typeof x === "number" && Number.isInteger(x) && x >= min && x <= UINT32_MAX,
    (issue) => v.safeParse(pipe, issue.input).issues?.[0].message ?? issue.message,
  );
}
const storedInt = uint32(0);
const storedId = uint32(1);

/**
 * A pipeline as the core keeps it (`Pipeline`), checked field by field. It runs on `pipelineView`
 * of an item, not on the item: a Woodpecker pipeline has ~33 keys of which the core reads 18, and
 * valibot on a small object of one shape (every key present) costs about 2/3 of valibot on the
 * item, and a third less than one `v.array` schema over the page (issue 14, BENCHMARKS.md). Its
 * output is the Pipeline itself, in the core's key order: no other object is built on the way.
 */
const PipelineSchema = v.object({
  id: storedId,
  number: storedId,
  parent: storedInt,
  event: v.string(),
  status: v.string(),
  created: uint32(1, "pipeline has no created time"),
  updated: storedInt,
  started: storedInt,
  finished: storedInt,
  branch: v.string(),
  commit: v.string(),
  ref: v.string(),
  deployTo: v.string(),
  message: v.string(),
});

/**
 * The keys PipelineSchema checks, read from a Woodpecker item: 3.x time keys (`created`) or else
 * 2.x ones (`created_at`), absent and null values as Woodpecker's zero values. Only reads: what
 * the item holds of the wrong type reaches the schema as it is.
 */
function pipelineView(x: Record<string, unknown>): Record<keyof Pipeline, unknown> {
  return {
    id: x.id,
    number: x.number,
    parent: x.parent ?? 0,
    event: x.event,
    status: x.status,
    created: x.created ?? x.created_at ?? 0,
    updated: x.updated || x.updated_at || 0,
    started: x.started || x.started_at || 0,
    finished: x.finished || x.finished_at || 0,
    branch: x.branch ?? "",
    commit: x.commit ?? "",
    ref: x.ref ?? "",
    deployTo: x.deploy_to ?? "",
    message: x.message ?? "",
  };
}

/** One pipeline object: the Pipeline, or its first problem as one line (`created: Invalid …`). */
export function parsePipeline(item: unknown): { ok: true; pipeline: Pipeline } | { ok: false; reason: string } {
  const parsed =
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? v.safeParse(PipelineSchema, pipelineView(item as Record<string, unknown>))
      : v.safeParse(PipelineSchema, item);
  return parsed.success ? { ok: true, pipeline: parsed.output } : { ok: false, reason: describeIssues(parsed.issues) };
}

interface ParsedPipelinePage {
  readonly pipelines: Pipeline[];
  /** Items that failed validation and were skipped, with the reason of the first. */
  readonly invalid: number;
  readonly firstInvalidReason?: string;
  /** `number` of each skipped item that still had a usable one, so it can be fetched again alone. */
  readonly invalidNumbers: number[];
}

/** The valid pipelines of a list page; each bad item is skipped and counted, none stops the page. */
export function parsePipelinePage(items: readonly unknown[]): ParsedPipelinePage {
  const pipelines: Pipeline[] = [];
  let invalid = 0;
  let firstInvalidReason: string | undefined;
  const invalidNumbers: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const parsed = parsePipeline(item);
    if (parsed.ok) {
      pipelines.push(parsed.pipeline);
      continue;
    }
    invalid++;
    firstInvalidReason ??= `item [${i}]: ${parsed.reason}`;
    const n = (item as { number?: unknown } | null)?.number;
    if (typeof n === "number" && Number.isInteger(n) && n > 0 && n <= UINT32_MAX) invalidNumbers.push(n);
  }
  return { pipelines, invalid, firstInvalidReason, invalidNumbers };
}

/** What the poller needs from `last_pipeline` to decide whether a repo changed. */
export interface LastPipeline {
  readonly id: number;
  readonly number: number;
}

export interface RepoListing extends Repo {
  readonly active: boolean;
  readonly forgeUrl: string;
  /** `clone_url` and `clone_url_ssh` (those the server sent), for joining ArgoCD apps by source repoURL. */
  readonly cloneUrls: readonly string[];
  /** undefined: the server does not report it (2.x); null: the repo has no pipeline. */
  readonly lastPipeline: LastPipeline | null | undefined;
}

// `v.object`: unknown keys (a repo has ~30) are accepted and not copied; every poll checks the
// whole listing (issue 14: the idle poll).
export const RepoSchema = v.pipe(
  v.object({
    id: v.pipe(id, v.minValue(1)),
    full_name: v.pipe(v.string(), v.minLength(1)),
    default_branch: text,
    active: v.optional(v.boolean(), true),
    forge_url: text,
    clone_url: v.optional(v.nullable(v.string())),
    clone_url_ssh: v.optional(v.nullable(v.string())),
    last_pipeline: v.optional(v.nullable(v.object({ id: storedId, number: storedId }))),
  }),
  v.transform(
    (r): RepoListing => ({
      id: r.id,
      fullName: r.full_name,
      // Empty stays empty: such a repo has no rule-2 deployments (DEFINITIONS), never a guessed "main".
      defaultBranch: r.default_branch ?? "",
      active: r.active ?? true,
      forgeUrl: r.forge_url ?? "",
      cloneUrls: [r.clone_url, r.clone_url_ssh].filter((u): u is string => typeof u === "string" && u !== ""),
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
