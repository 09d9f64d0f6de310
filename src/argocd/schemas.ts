// valibot schemas of the parts of ArgoCD's answers the exporter reads (an Application is ~100
// fields; these are the ~20 it needs), and their normalisation into plain records. Unknown fields
// are ignored; Go's zero values (`null` times, nil slices, absent omitempty fields) are accepted
// where ArgoCD really sends them; a time that is not strict RFC 3339 makes the app invalid.
import * as v from "valibot";
import { compareCodeUnits } from "../util/strings.ts";
import { describeIssues } from "../util/valibot-issues.ts";
import { parseRfc3339 } from "./time.ts";

/** One entry of `status.history`: a successful whole-app sync. */
export interface HistoryEntry {
  readonly id: number;
  /** `revisions` of a multi-source app, else `[revision]` ([] when ArgoCD recorded none). */
  readonly revisions: readonly string[];
  readonly deployedAt: number;
  readonly deployStartedAt: number | null;
}

/** `status.operationState`: only the latest operation. */
export interface OperationState {
  /** `Running`, `Terminating`, `Failed`, `Error`, `Succeeded` (others are passed through). */
  readonly phase: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** The operation is a sync (`operation.sync` present). */
  readonly sync: boolean;
  readonly dryRun: boolean;
  /** The sync named a subset of resources (`operation.sync.resources`). */
  readonly partial: boolean;
  /** `syncResult.revisions`, else `[syncResult.revision]`. */
  readonly resultRevisions: readonly string[];
  /** Every image of `syncResult.resources[].images`, sorted, without repeats. */
  readonly resultImages: readonly string[];
}

export interface Health {
  readonly status: string;
  /** When `status` last changed; null when ArgoCD did not say. */
  readonly since: number | null;
}

/** An Application, reduced to what the exporter reads. */
export interface ArgoApp {
  readonly name: string;
  /** The app's namespace (`metadata.namespace`). */
  readonly namespace: string;
  readonly uid: string;
  /** `spec.project`; ArgoCD's own default "default" when empty. */
  readonly project: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.source.repoURL`, or every `spec.sources[].repoURL` of a multi-source app. */
  readonly repoURLs: readonly string[];
  /** Oldest first, as ArgoCD keeps it. */
  readonly history: readonly HistoryEntry[];
  readonly operation: OperationState | null;
  readonly health: Health | null;
  /** `status.summary.images`: the images running now, sorted, without repeats. */
  readonly images: readonly string[];
}

const time = v.pipe(
  v.string(),
  v.check((s) => parseRfc3339(s) !== undefined, "not an RFC 3339 time"),
  v.transform((s) => parseRfc3339(s) as number),
);
const optionalTime = v.optional(v.nullable(time));
const strings = v.optional(v.nullable(v.array(v.string())));
const stringMap = v.optional(v.nullable(v.record(v.string(), v.string())));
const source = v.object({ repoURL: v.optional(v.string()) });

const HistoryEntrySchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(0)),
  revision: v.optional(v.string()),
  revisions: strings,
  deployedAt: time,
  deployStartedAt: optionalTime,
});

const OperationStateSchema = v.object({
  phase: v.string(),
  startedAt: time,
  finishedAt: optionalTime,
  operation: v.optional(
    v.nullable(
      v.object({
        sync: v.optional(
          v.nullable(
            v.object({
              dryRun: v.optional(v.boolean()),
              resources: v.optional(v.nullable(v.array(v.unknown()))),
            }),
          ),
        ),
      }),
    ),
  ),
  syncResult: v.optional(
    v.nullable(
      v.object({
        revision: v.optional(v.string()),
        revisions: strings,
        resources: v.optional(v.nullable(v.array(v.object({ images: strings })))),
      }),
    ),
  ),
});

export const ApplicationSchema = v.pipe(
  v.object({
    metadata: v.object({
      name: v.pipe(v.string(), v.minLength(1)),
      namespace: v.optional(v.string()),
      uid: v.pipe(v.string(), v.minLength(1)),
      annotations: stringMap,
      labels: stringMap,
    }),
    spec: v.object({
      project: v.optional(v.string()),
      source: v.optional(v.nullable(source)),
      sources: v.optional(v.nullable(v.array(source))),
    }),
    status: v.optional(
      v.nullable(
        v.object({
          history: v.optional(v.nullable(v.array(HistoryEntrySchema))),
          operationState: v.optional(v.nullable(OperationStateSchema)),
          health: v.optional(
            v.nullable(v.object({ status: v.optional(v.string()), lastTransitionTime: optionalTime })),
          ),
          summary: v.optional(v.nullable(v.object({ images: strings }))),
        }),
      ),
    ),
  }),
  v.transform((a): ArgoApp => {
    const status = a.status ?? {};
    const op = status.operationState;
    const sources = a.spec.sources && a.spec.sources.length > 0 ? a.spec.sources : a.spec.source ? [a.spec.source] : [];
    return {
      name: a.metadata.name,
      namespace: a.metadata.namespace ?? "",
      uid: a.metadata.uid,
      project: a.spec.project || "default",
      annotations: a.metadata.annotations ?? {},
      labels: a.metadata.labels ?? {},
      repoURLs: sources.map((s) => s.repoURL ?? "").filter((u) => u !== ""),
      history: (status.history ?? []).map((h) => ({
        id: h.id,
        revisions: revisionsOf(h.revision, h.revisions),
        deployedAt: h.deployedAt,
        deployStartedAt: h.deployStartedAt ?? null,
      })),
      operation: op
        ? {
            phase: op.phase,
            startedAt: op.startedAt,
            finishedAt: op.finishedAt ?? null,
            sync: Boolean(op.operation?.sync),
            dryRun: op.operation?.sync?.dryRun === true,
            partial: (op.operation?.sync?.resources?.length ?? 0) > 0,
            resultRevisions: revisionsOf(op.syncResult?.revision, op.syncResult?.revisions),
            resultImages: sortedUnique((op.syncResult?.resources ?? []).flatMap((r) => r.images ?? [])),
          }
        : null,
      health: status.health?.status
        ? { status: status.health.status, since: status.health.lastTransitionTime ?? null }
        : null,
      images: sortedUnique(status.summary?.images ?? []),
    };
  }),
);

function revisionsOf(revision: string | undefined, revisions: readonly string[] | null | undefined): string[] {
  if (revisions && revisions.length > 0) return [...revisions];
  return revision ? [revision] : [];
}

/** Code-unit order, so the same set always serialises the same way. */
export function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort(compareCodeUnits);
}

export const ApplicationListSchema = v.object({
  metadata: v.optional(v.nullable(v.object({ resourceVersion: v.optional(v.string()) }))),
  items: v.optional(v.nullable(v.array(v.unknown()))),
});

/** `GET /api/version`; without a session only `Version` is sent. */
export const VersionSchema = v.object({ Version: v.string() });

/** grpc-gateway v1's error body (`runtimeError`). */
export const GatewayErrorSchema = v.object({
  error: v.optional(v.string()),
  message: v.optional(v.string()),
  code: v.optional(v.number()),
});

/** One message of the watch stream: `{"result": {type, application}}` or `{"error": {…}}`. */
export const StreamMessageSchema = v.union([
  v.object({ result: v.object({ type: v.string(), application: v.unknown() }) }),
  v.object({
    error: v.object({
      message: v.optional(v.string()),
      http_code: v.optional(v.number()),
      grpc_code: v.optional(v.number()),
      http_status: v.optional(v.string()),
    }),
  }),
]);

export type ParsedApp = { ok: true; app: ArgoApp } | { ok: false; reason: string; name?: string };

/** Validate one Application; a failure names the app (when it has a name) and the first problem. */
export function parseApplication(raw: unknown): ParsedApp {
  const parsed = v.safeParse(ApplicationSchema, raw);
  if (parsed.success) return { ok: true, app: parsed.output };
  const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return {
    ok: false,
    reason: describeIssues(parsed.issues),
    ...(typeof name === "string" && name !== "" ? { name } : {}),
  };
}
