// The JSON API's answers as valibot schemas: the OpenAPI document's `responses` and
// `components.schemas` are generated from them (openapi.ts), and Elysia checks every answer
// against them. The type checks at the bottom keep them equal to the types the view computes, so
// the documented contract cannot drift from what is served.
import * as v from "valibot";
import type { ExporterStatus } from "../view.ts";
import type { RepoDetailJson, SummaryJson } from "../../view/window.ts";

const unix = (what: string) => v.pipe(v.number(), v.description(`${what} (Unix seconds)`));
const seconds = (what: string) => v.pipe(v.nullable(v.number()), v.description(`${what} (seconds); null without data`));

export const LevelSchema = v.pipe(
  v.picklist(["elite", "high", "medium", "low", "none"]),
  v.title("Level"),
  v.description("DORA 2023 level; none: no data in the window"),
);

export const KeysSchema = v.pipe(
  v.object({
    deploymentFrequency: v.object({
      perDay: v.pipe(v.number(), v.description("successful deployments per day over the window")),
      deployments: v.number(),
      days: v.number(),
      level: LevelSchema,
    }),
    leadTime: v.object({
      medianSeconds: seconds("median lead time"),
      p90Seconds: seconds("p90 lead time"),
      observations: v.pipe(v.number(), v.description("delivered changes in the window")),
      level: LevelSchema,
    }),
    changeFailureRate: v.object({
      rate: v.pipe(v.nullable(v.number()), v.description("failed / attempts, 0..1; null without attempts")),
      failed: v.number(),
      attempts: v.number(),
      level: LevelSchema,
    }),
    timeToRestore: v.object({
      medianSeconds: seconds("median time to restore"),
      restored: v.pipe(v.number(), v.description("incidents closed in the window")),
      level: LevelSchema,
    }),
    reworkRate: v.object({
      rate: v.pipe(
        v.nullable(v.number()),
        v.description("rework / successful deployments, 0..1; null without deployments"),
      ),
      rework: v.number(),
      deployments: v.number(),
      reasons: v.pipe(
        v.object({ rollback: v.number(), revert: v.number(), hotfix: v.number(), rule: v.number() }),
        v.description("rework by its reason (the first that held)"),
      ),
      level: v.pipe(LevelSchema, v.description("always none: DORA publishes no thresholds")),
      levelReason: v.string(),
    }),
  }),
  v.title("Keys"),
);

const WindowSchema = v.pipe(
  v.object({ days: v.number(), start: unix("exclusive start"), end: unix("inclusive end") }),
  v.title("Window"),
);

const MappedBySchema = v.pipe(
  v.picklist(["config", "annotation", "images", "source", "none"]),
  v.description(
    "the mapping rule that placed the app: config block, annotation, images, source repoURL; none: no tracked repo",
  ),
);

const TargetSourceSchema = v.pipe(
  v.object({
    source: v.picklist(["woodpecker", "argocd"]),
    app: v.pipe(v.string(), v.description("<project>/<name> of the ArgoCD app; empty for Woodpecker")),
    mappedBy: v.nullable(MappedBySchema),
    why: v.pipe(
      v.nullable(v.string()),
      v.description("one line: why the app maps to this target; null for Woodpecker"),
    ),
  }),
  v.title("TargetSource"),
);

const AppMappingSchema = v.pipe(
  v.object({
    app: v.pipe(v.string(), v.description("<project>/<name>")),
    repo: v.string(),
    deployTo: v.string(),
    by: MappedBySchema,
    why: v.string(),
  }),
  v.title("AppMapping"),
);

export const TargetSummarySchema = v.pipe(
  v.object({
    repoId: v.number(),
    repo: v.string(),
    deployTo: v.pipe(v.string(), v.description("the target")),
    keys: KeysSchema,
    failing: v.object({ now: v.boolean(), since: v.nullable(unix("open time of the incident open now")) }),
    lastSuccessAt: v.nullable(unix("latest successful attempt")),
    sources: v.pipe(
      v.array(TargetSourceSchema),
      v.description("what feeds the target, as dora_target_info says: Woodpecker first, then ArgoCD apps by name"),
    ),
  }),
  v.title("TargetSummary"),
);

const DayPointSchema = v.pipe(
  v.object({ start: unix("the day is (start, start + 86400]"), deployments: v.number(), failures: v.number() }),
  v.title("DayPoint"),
);

const IncidentSchema = v.pipe(
  v.object({
    repoId: v.number(),
    repo: v.string(),
    deployTo: v.string(),
    start: unix("open time"),
    end: v.nullable(unix("close time; null while open")),
    durationSeconds: v.number(),
    open: v.boolean(),
    failures: v.number(),
    openedBy: v.pipe(v.number(), v.description("pipeline number (ArgoCD: history id, 0 for a failed sync)")),
    closedBy: v.nullable(v.number()),
    openedByUrl: v.pipe(
      v.nullable(v.string()),
      v.description("the pipeline in the Woodpecker UI; null for an ArgoCD event"),
    ),
    closedByUrl: v.nullable(v.string()),
    openedByApp: v.pipe(
      v.nullable(v.string()),
      v.description(
        "the ArgoCD app whose event opened it (openedBy is then its history id, 0 for a failed sync); null for " +
          "a pipeline",
      ),
    ),
    closedByApp: v.nullable(v.string()),
    closedByRestore: v.pipe(
      v.boolean(),
      v.description("closed by the app turning Healthy rather than by a successful deployment"),
    ),
  }),
  v.title("Incident"),
);

const RuleModeSchema = v.pipe(
  v.nullable(v.picklist(["deployment-events", "default-branch-push", "rules", "argocd-builds"])),
  v.description("which deployment rules apply; null before the repo was read"),
);

const repoEntries = {
  id: v.number(),
  repo: v.string(),
  mode: RuleModeSchema,
  keys: KeysSchema,
  failingTargets: v.number(),
};

const GroupSummarySchema = v.pipe(
  v.object({
    group: v.pipe(v.nullable(v.string()), v.description("the label's value; null for repos without the label")),
    keys: KeysSchema,
    repos: v.number(),
    targets: v.number(),
    failingTargets: v.number(),
  }),
  v.title("GroupSummary"),
);

export const SummaryJsonSchema = v.pipe(
  v.object({
    window: WindowSchema,
    keyGroups: v.pipe(
      v.object({
        throughput: v.array(v.picklist(["leadTime", "deploymentFrequency", "timeToRestore"])),
        instability: v.array(v.picklist(["changeFailureRate", "reworkRate"])),
      }),
      v.description("DORA 2024's grouping of the five keys"),
    ),
    keyNames: v.pipe(
      v.object({
        leadTime: v.literal("Change lead time"),
        deploymentFrequency: v.literal("Deployment frequency"),
        timeToRestore: v.literal("Failed deployment recovery time"),
        changeFailureRate: v.literal("Change failure rate"),
        reworkRate: v.literal("Deployment rework rate"),
      }),
      v.description("each key's DORA 2024 name"),
    ),
    groupBy: v.optional(v.pipe(v.string(), v.description("the repo label grouped by (with group_by)"))),
    groups: v.optional(v.array(GroupSummarySchema)),
    overall: v.object({
      keys: KeysSchema,
      repos: v.number(),
      targets: v.number(),
      failingTargets: v.number(),
      failingSince: v.nullable(unix("earliest open time among the failing targets")),
    }),
    targets: v.array(TargetSummarySchema),
    repos: v.array(v.pipe(v.object(repoEntries), v.title("RepoTotals"))),
    apps: v.pipe(
      v.array(AppMappingSchema),
      v.description("the ArgoCD apps of the shown repos and their mappings; [] without ArgoCD"),
    ),
  }),
  v.title("Summary"),
);

export const RepoDetailJsonSchema = v.pipe(
  v.object({
    window: WindowSchema,
    repo: v.pipe(
      v.object({
        ...repoEntries,
        targets: v.array(TargetSummarySchema),
        daily: v.array(DayPointSchema),
        incidents: v.array(IncidentSchema),
      }),
      v.title("RepoDetail"),
    ),
    apps: v.pipe(v.array(AppMappingSchema), v.description("the ArgoCD apps mapped to this repo")),
  }),
  v.title("RepoDetailResponse"),
);

export const StatusSchema = v.pipe(
  v.object({
    demo: v.boolean(),
    version: v.string(),
    up: v.pipe(v.nullable(v.boolean()), v.description("whether the last poll completed; null before the first ended")),
    lastPollSuccess: unix("end of the last complete poll, 0 = never"),
    polling: v.boolean(),
    backfillComplete: v.boolean(),
    backfilledRepos: v.number(),
    trackedRepos: v.number(),
    problem: v.nullable(v.string()),
    unreachableSince: v.nullable(unix("start of the current run of incomplete polls")),
    stale: v.boolean(),
    pollIntervalSeconds: v.number(),
    historyOrigin: v.nullable(unix("DORA_SINCE, else the oldest pipeline read")),
    warnings: v.array(v.string()),
    argocd: v.pipe(
      v.nullable(v.object({ up: v.nullable(v.boolean()), apps: v.number(), streamConnected: v.boolean() })),
      v.description("ArgoCD (ARGOCD_URL set): last list answered, apps read, watch stream open; null without ArgoCD"),
    ),
  }),
  v.title("Status"),
);

export const ErrorSchema = v.pipe(
  v.object({ error: v.pipe(v.string(), v.description("one line naming the parameter and the problem")) }),
  v.title("Error"),
);

// Both ways: a field added to the view but not here (or the reverse) fails the typecheck.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
true satisfies Same<DeepMutable<SummaryJson>, v.InferOutput<typeof SummaryJsonSchema>>;
true satisfies Same<DeepMutable<RepoDetailJson>, v.InferOutput<typeof RepoDetailJsonSchema>>;
true satisfies Same<DeepMutable<ExporterStatus>, v.InferOutput<typeof StatusSchema>>;
