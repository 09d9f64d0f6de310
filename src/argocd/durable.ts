// The facts of the observation model (observe.ts) as records of the durable state's generic
// observation store (one record per (app uid, kind, key), a JSON payload), and back. The store
// keeps records as they were last written; `mergeInto`'s changes are exactly the records to write
// (upsert: its merge rule may replace a fact of a key). Loaded payloads are input like any other:
// checked here, what does not match is skipped by the store and counted.
import * as v from "valibot";
import type { EntryFact, FactChange, Facts, FailedSyncFact, HealthFact } from "./observe.ts";
import { entryKey, failedSyncKey, healthKey } from "./observe.ts";

export const KIND_ENTRY = "argocd-history";
export const KIND_FAILED_SYNC = "argocd-failed-sync";
export const KIND_HEALTH = "argocd-health";

/** The store's record shape (state/observations.ts ObservationRecord). */
export interface FactRecord {
  readonly kind: string;
  readonly appUid: string;
  readonly key: string;
  readonly payload: unknown;
}

const time = v.pipe(v.number(), v.safeInteger());

export const EntryFactSchema: v.GenericSchema<unknown, EntryFact> = v.object({
  uid: v.pipe(v.string(), v.nonEmpty()),
  id: v.pipe(v.number(), v.safeInteger()),
  revisions: v.array(v.string()),
  deployedAt: time,
  deployStartedAt: v.nullable(time),
  images: v.nullable(v.array(v.string())),
  seenAt: v.number(),
});

export const FailedSyncFactSchema: v.GenericSchema<unknown, FailedSyncFact> = v.object({
  uid: v.pipe(v.string(), v.nonEmpty()),
  startedAt: time,
  finishedAt: time,
  phase: v.string(),
});

export const HealthFactSchema: v.GenericSchema<unknown, HealthFact> = v.object({
  uid: v.pipe(v.string(), v.nonEmpty()),
  status: v.picklist(["Healthy", "Degraded"]),
  since: time,
});

/** The records to write for `mergeInto`'s changes. */
export function factRecords(changes: readonly FactChange[]): FactRecord[] {
  return changes.map((c) => ({
    kind: c.kind === "entry" ? KIND_ENTRY : c.kind === "failedSync" ? KIND_FAILED_SYNC : KIND_HEALTH,
    appUid: c.fact.uid,
    key: c.key,
    payload: c.fact,
  }));
}

/** A fact set from loaded payloads (each already checked by its schema); keys are recomputed from the facts. */
export function factsFromRecords(
  entries: readonly EntryFact[],
  failedSyncs: readonly FailedSyncFact[],
  health: readonly HealthFact[],
): Facts {
  return {
    entries: new Map(entries.map((e) => [entryKey(e.uid, e.id), e])),
    failedSyncs: new Map(failedSyncs.map((f) => [failedSyncKey(f.uid, f.startedAt), f])),
    health: new Map(health.map((h) => [healthKey(h.uid, h.status, h.since), h])),
  };
}

/** The highest `seenAt` of a fact set: sightings after a restart must count from above it. */
export function lastSeen(facts: Facts): number {
  let max = 0;
  for (const e of facts.entries.values()) if (e.seenAt > max) max = e.seenAt;
  return max;
}
