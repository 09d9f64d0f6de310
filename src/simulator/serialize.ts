// Turning stored records into the exact JSON a Woodpecker server of the configured version sends.
// Key order follows the Go structs (pipelines-example.json), and strings are escaped the way Go's
// encoding/json does, so "byte-identical" comparisons against the simulator mean something.

import type { PipelineRecord, RepoRecord } from "./model.ts";
import type { VersionFeatures } from "./version.ts";
import type { WorkflowJson } from "./workflows.ts";

/** 2.x names of the time keys that 3.0 renamed (API-NOTES.md "Version differences"). */
const V2_TIME_KEYS: Record<string, string> = {
  created: "created_at",
  updated: "updated_at",
  started: "started_at",
  finished: "finished_at",
  reviewed: "reviewed_at",
};

export interface PipelineJsonOptions {
  /** Present only on single-pipeline responses. */
  workflows?: WorkflowJson[];
  /** For servers up to 2.4, where `parent` held the parent's id: resolves a number to an id (0 if gone). */
  parentId?: (number: number) => number;
}

export function pipelineJson(
  p: PipelineRecord,
  f: VersionFeatures,
  opts: PipelineJsonOptions = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (!f.rerunCount && key === "rerun_count") continue;
    if (!f.v3Keys && (key === "deploy_task" || key === "event_reason")) continue;
    // Go: `changed_files,omitempty`, so cron/manual pipelines without files have no such key.
    if (key === "changed_files" && (value === null || (Array.isArray(value) && value.length === 0))) continue;
    let v: unknown = value;
    if (key === "status" && value === "canceled" && !f.canceledStatus) v = "killed";
    if (key === "parent" && f.parentIsId && opts.parentId) v = p.parent > 0 ? opts.parentId(p.parent) : 0;
    const name = !f.bareTimeKeys ? (V2_TIME_KEYS[key] ?? key) : key;
    out[name] = Array.isArray(v) ? [...v] : v;
  }
  if (opts.workflows) out.workflows = opts.workflows;
  return out;
}

export function repoJson(r: RepoRecord): Record<string, unknown> {
  return structuredClone(r) as unknown as Record<string, unknown>;
}

/** `RepoLastPipeline`: a Repo plus `last_pipeline` (omitted, like Go's omitempty, when there is none). */
export function repoLastPipelineJson(
  r: RepoRecord,
  last: PipelineRecord | undefined,
  f: VersionFeatures,
): Record<string, unknown> {
  const out = repoJson(r);
  if (last && f.lastPipeline) out.last_pipeline = pipelineJson(last, f);
  return out;
}

/** `Feed` item: what `/api/user/feed` returns (no `deploy_to`, per API-NOTES.md). */
export function feedJson(r: RepoRecord, p: PipelineRecord, f: VersionFeatures): Record<string, unknown> {
  const t = (k: string) => (f.bareTimeKeys ? k : (V2_TIME_KEYS[k] ?? k));
  return {
    id: p.id,
    repo_id: r.id,
    full_name: r.full_name,
    number: p.number,
    event: p.event,
    status: p.status === "canceled" && !f.canceledStatus ? "killed" : p.status,
    [t("created")]: p.created,
    [t("started")]: p.started,
    [t("finished")]: p.finished,
    commit: p.commit,
    branch: p.branch,
    ref: p.ref,
    refspec: p.refspec,
    title: p.title,
    message: p.message,
    author: p.author,
    author_avatar: p.author_avatar,
    author_email: p.author_email,
  };
}

/** JSON.stringify plus Go's HTML-safe escaping (`<`, `>`, `&`, U+2028, U+2029 become \u00XX). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
