// What the exporter observes in ArgoCD (docs/DEFINITIONS.md, "ArgoCD deployments"), as a pure
// function of what it has seen: no I/O, no clock. Seeing is split in two steps:
//
// 1. `snapshotFacts(app, seenAt)` turns one sighting of an Application (a list item or a stream
//    event) into facts: the history entries it shows (with the images known for them at that
//    sighting), its latest operation if that is a failed whole-app sync, and its health if that
//    is Healthy or Degraded. `mergeFacts` unions fact sets; for one key it keeps the earliest
//    sighting (then the smaller record), so merging is commutative, associative and idempotent:
//    the same sightings in any order or split give the same set. ArgoCD forgets (history beyond
//    `revisionHistoryLimit`, every operation but the latest); the set does not, and is what the
//    durable state keeps.
// 2. `deriveObservations(facts, window)` reads the set: deployments (entries that change the
//    revision), failed deployments (failed syncs; degradations within the window of a deployment,
//    at most one per deployment) and restores. It is a function of the set alone, so it inherits
//    the order and split independence.
//
// `seenAt` is the caller's notion of when it saw the app (any number that grows between
// sightings; the exporter's poll time). It only decides which sighting of an entry was first.
import { compareCodeUnits } from "../util/strings.ts";
import type { ArgoApp } from "./schemas.ts";

/** A `status.history` entry as first seen. */
export interface EntryFact {
  readonly uid: string;
  readonly id: number;
  readonly revisions: readonly string[];
  readonly deployedAt: number;
  readonly deployStartedAt: number | null;
  /**
   * The images the exporter saw for it when it first saw it: the matching operation's
   * `syncResult` images, else, for the newest entry, `status.summary.images`; null when not known
   * (an older entry at first contact).
   */
  readonly images: readonly string[] | null;
  readonly seenAt: number;
}

/** A whole-app, non-dry-run sync operation that ended Failed or Error. */
export interface FailedSyncFact {
  readonly uid: string;
  readonly startedAt: number;
  /** `finishedAt`, or `startedAt` when ArgoCD left it empty. */
  readonly finishedAt: number;
  readonly phase: string;
}

/** A period of health Healthy or Degraded, identified by when it began. */
export interface HealthFact {
  readonly uid: string;
  readonly status: "Healthy" | "Degraded";
  readonly since: number;
}

export interface Facts {
  readonly entries: ReadonlyMap<string, EntryFact>;
  readonly failedSyncs: ReadonlyMap<string, FailedSyncFact>;
  readonly health: ReadonlyMap<string, HealthFact>;
}

export const entryKey = (uid: string, id: number) => `${uid}/history/${id}`;
export const failedSyncKey = (uid: string, startedAt: number) => `${uid}/sync/${startedAt}`;
export const healthKey = (uid: string, status: string, since: number) => `${uid}/${status.toLowerCase()}/${since}`;
export const degradationKey = (uid: string, deploymentId: number) => `${uid}/degraded/${deploymentId}`;

export function emptyFacts(): Facts {
  return { entries: new Map(), failedSyncs: new Map(), health: new Map() };
}

/** The facts one sighting of an app shows. */
export function snapshotFacts(app: ArgoApp, seenAt: number): Facts {
  const entries = new Map<string, EntryFact>();
  const op = app.operation;
  const newest = app.history.at(-1);
  for (const h of app.history) {
    const fromOp =
      op?.sync && h.deployStartedAt !== null && op.startedAt === h.deployStartedAt && op.resultImages.length > 0
        ? op.resultImages
        : null;
    const images = fromOp ?? (h === newest ? app.images : null);
    const fact: EntryFact = {
      uid: app.uid,
      id: h.id,
      revisions: h.revisions,
      deployedAt: h.deployedAt,
      deployStartedAt: h.deployStartedAt,
      images,
      seenAt,
    };
    put(entries, entryKey(app.uid, h.id), fact, earlier);
  }
  const failedSyncs = new Map<string, FailedSyncFact>();
  if (op?.sync && !op.dryRun && !op.partial && (op.phase === "Failed" || op.phase === "Error")) {
    const fact = { uid: app.uid, startedAt: op.startedAt, finishedAt: op.finishedAt ?? op.startedAt, phase: op.phase };
    failedSyncs.set(failedSyncKey(app.uid, op.startedAt), fact);
  }
  const health = new Map<string, HealthFact>();
  const hs = app.health;
  if (hs && hs.since !== null && (hs.status === "Healthy" || hs.status === "Degraded")) {
    health.set(healthKey(app.uid, hs.status, hs.since), { uid: app.uid, status: hs.status, since: hs.since });
  }
  return { entries, failedSyncs, health };
}

/** The union of two fact sets; per key the earliest sighting (then the smaller record) wins. */
export function mergeFacts(a: Facts, b: Facts): Facts {
  return {
    entries: union(a.entries, b.entries, earlier),
    failedSyncs: union(a.failedSyncs, b.failedSyncs, smaller),
    health: union(a.health, b.health, smaller),
  };
}

/** `mergeFacts(facts, snapshotFacts(app, seenAt))`. */
export function addSighting(facts: Facts, app: ArgoApp, seenAt: number): Facts {
  return mergeFacts(facts, snapshotFacts(app, seenAt));
}

/** A fact that `mergeInto` added or replaced: what a durable store must write. */
export type FactChange =
  | { readonly kind: "entry"; readonly key: string; readonly fact: EntryFact }
  | { readonly kind: "failedSync"; readonly key: string; readonly fact: FailedSyncFact }
  | { readonly kind: "health"; readonly key: string; readonly fact: HealthFact };

export interface MutableFacts extends Facts {
  readonly entries: Map<string, EntryFact>;
  readonly failedSyncs: Map<string, FailedSyncFact>;
  readonly health: Map<string, HealthFact>;
}

/**
 * `mergeFacts` in place, for the shell that keeps one growing set (no copy per sighting): `target`
 * becomes `mergeFacts(target, source)`, and the facts that changed are returned, so they can be
 * made durable before anything derived from them is exposed.
 */
export function mergeInto(target: MutableFacts, source: Facts): FactChange[] {
  const changes: FactChange[] = [];
  for (const [key, fact] of source.entries) {
    const mine = target.entries.get(key);
    const next = mine === undefined ? fact : earlier(mine, fact);
    if (next !== mine) {
      target.entries.set(key, next);
      changes.push({ kind: "entry", key, fact: next });
    }
  }
  for (const [key, fact] of source.failedSyncs) {
    const mine = target.failedSyncs.get(key);
    const next = mine === undefined ? fact : smaller(mine, fact);
    if (next !== mine) {
      target.failedSyncs.set(key, next);
      changes.push({ kind: "failedSync", key, fact: next });
    }
  }
  for (const [key, fact] of source.health) {
    const mine = target.health.get(key);
    const next = mine === undefined ? fact : smaller(mine, fact);
    if (next !== mine) {
      target.health.set(key, next);
      changes.push({ kind: "health", key, fact: next });
    }
  }
  return changes;
}

/** An empty set to grow in place with `mergeInto`. */
export function emptyMutableFacts(): MutableFacts {
  return { entries: new Map(), failedSyncs: new Map(), health: new Map() };
}

export interface DeploymentObservation {
  readonly kind: "deployment";
  readonly key: string;
  readonly uid: string;
  readonly id: number;
  /** `deployedAt`. */
  readonly time: number;
  /** `deployStartedAt`, else `deployedAt` (the "created" of the lead-time rules). */
  readonly created: number;
  readonly revisions: readonly string[];
  readonly images: readonly string[] | null;
}

export interface FailureObservation {
  readonly kind: "failure";
  readonly key: string;
  readonly uid: string;
  /** `sync`: a failed sync operation (time `finishedAt`); `degraded`: health turned Degraded after a deployment. */
  readonly cause: "sync" | "degraded";
  readonly time: number;
  readonly created: number;
  /** The operation's `startedAt` (sync) or the degraded deployment's history id (degraded). */
  readonly ref: number;
}

export interface RestoreObservation {
  readonly kind: "restore";
  readonly key: string;
  readonly uid: string;
  /** `health.lastTransitionTime` of the turn to Healthy. */
  readonly time: number;
}

export type ArgoObservation = DeploymentObservation | FailureObservation | RestoreObservation;

/**
 * Everything the facts say happened, ordered by time, then app uid, then kind (deployment,
 * failure, restore), then key. `degradedWindow` is ARGOCD_DEGRADED_WINDOW in seconds.
 */
export function deriveObservations(facts: Facts, degradedWindow: number): ArgoObservation[] {
  const out: ArgoObservation[] = [];
  const deploymentsByApp = new Map<string, DeploymentObservation[]>();
  for (const e of facts.entries.values()) {
    const prev = facts.entries.get(entryKey(e.uid, e.id - 1));
    // The previous entry repeating these revision(s): a self-heal or manual re-sync, no deployment.
    // An entry whose predecessor was never seen (the oldest at first contact) counts.
    if (prev && sameList(prev.revisions, e.revisions)) continue;
    const d: DeploymentObservation = {
      kind: "deployment",
      key: entryKey(e.uid, e.id),
      uid: e.uid,
      id: e.id,
      time: e.deployedAt,
      created: e.deployStartedAt ?? e.deployedAt,
      revisions: e.revisions,
      images: e.images,
    };
    out.push(d);
    const list = deploymentsByApp.get(e.uid) ?? [];
    list.push(d);
    deploymentsByApp.set(e.uid, list);
  }
  for (const f of facts.failedSyncs.values()) {
    out.push({
      kind: "failure",
      key: failedSyncKey(f.uid, f.startedAt),
      uid: f.uid,
      cause: "sync",
      time: f.finishedAt,
      created: f.startedAt,
      ref: f.startedAt,
    });
  }
  for (const list of deploymentsByApp.values()) list.sort((a, b) => a.time - b.time || a.id - b.id);
  const degraded = [...facts.health.values()].filter((h) => h.status === "Degraded").sort((a, b) => a.since - b.since);
  const used = new Set<string>();
  for (const h of degraded) {
    const d = latestAtOrBefore(deploymentsByApp.get(h.uid) ?? [], h.since);
    if (!d || h.since - d.time > degradedWindow || used.has(d.key)) continue;
    used.add(d.key);
    out.push({
      kind: "failure",
      key: degradationKey(h.uid, d.id),
      uid: h.uid,
      cause: "degraded",
      time: h.since,
      created: h.since,
      ref: d.id,
    });
  }
  for (const h of facts.health.values()) {
    if (h.status === "Healthy")
      out.push({ kind: "restore", key: healthKey(h.uid, h.status, h.since), uid: h.uid, time: h.since });
  }
  const rank = { deployment: 0, failure: 1, restore: 2 };
  return out.sort(
    (a, b) =>
      a.time - b.time ||
      compareCodeUnits(a.uid, b.uid) ||
      rank[a.kind] - rank[b.kind] ||
      compareCodeUnits(a.key, b.key),
  );
}

/** Plain, canonically ordered JSON of a fact set (durable state, test comparisons). */
export function factsToJson(facts: Facts): {
  entries: EntryFact[];
  failedSyncs: FailedSyncFact[];
  health: HealthFact[];
} {
  const sorted = <T>(m: ReadonlyMap<string, T>) =>
    [...m.entries()].sort((a, b) => compareCodeUnits(a[0], b[0])).map(([, v]) => v);
  return { entries: sorted(facts.entries), failedSyncs: sorted(facts.failedSyncs), health: sorted(facts.health) };
}

/** The inverse of `factsToJson`. */
export function factsFromJson(json: ReturnType<typeof factsToJson>): Facts {
  return {
    entries: new Map(json.entries.map((e) => [entryKey(e.uid, e.id), e])),
    failedSyncs: new Map(json.failedSyncs.map((f) => [failedSyncKey(f.uid, f.startedAt), f])),
    health: new Map(json.health.map((h) => [healthKey(h.uid, h.status, h.since), h])),
  };
}

function latestAtOrBefore(deployments: readonly DeploymentObservation[], t: number): DeploymentObservation | undefined {
  let found: DeploymentObservation | undefined;
  for (const d of deployments) {
    if (d.time > t) break;
    found = d;
  }
  return found;
}

function union<T>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>, pick: (x: T, y: T) => T): Map<string, T> {
  const out = new Map(a);
  for (const [k, v] of b) {
    const mine = out.get(k);
    out.set(k, mine === undefined ? v : pick(mine, v));
  }
  return out;
}

function put<T>(m: Map<string, T>, k: string, v: T, pick: (x: T, y: T) => T): void {
  const mine = m.get(k);
  m.set(k, mine === undefined ? v : pick(mine, v));
}

/** A total order on records: the same two always give the same winner, whichever comes first. */
function smaller<T>(x: T, y: T): T {
  return compareCodeUnits(canonical(x), canonical(y)) <= 0 ? x : y;
}

function earlier(x: EntryFact, y: EntryFact): EntryFact {
  if (x.seenAt !== y.seenAt) return x.seenAt < y.seenAt ? x : y;
  return smaller(x, y);
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareCodeUnits(a, b)))
      : v,
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
