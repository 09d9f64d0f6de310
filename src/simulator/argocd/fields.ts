// ArgoCD's two `fields=` filters, reproduced (argoproj/pkg grpc/http forwarders.go and argo-cd
// pkg/apiclient/application/forwarder_overwrite.go at v3.5.1):
// - the list's: a fixed table of selectable paths (`items.<path>`); anything else, notably
//   `status.history` and `metadata.uid`, cannot be selected and is simply absent;
// - the stream's: the generic one, any dotted path, where a key is kept when the path to it is a
//   string prefix of a requested field, and a requested field keeps its whole subtree.
// A leading `-` turns either into an exclusion list.
import type { Json } from "./state.ts";

export interface FieldSet {
  readonly fields: ReadonlySet<string>;
  readonly exclude: boolean;
}

/** The `fields` query parameter (only its first value, like Go's Query().Get); null when absent. */
export function parseFields(url: URL): FieldSet | null {
  let q = url.searchParams.get("fields") ?? "";
  if (q === "") return null;
  let exclude = false;
  if (q.startsWith("-")) {
    q = q.slice(1);
    exclude = true;
  }
  return { fields: new Set(q.split(",")), exclude };
}

type Getter = (app: Json) => unknown;
const get = (o: unknown, ...keys: string[]): unknown => {
  let x = o;
  for (const k of keys) x = x && typeof x === "object" ? (x as Json)[k] : undefined;
  return x;
};
/** A Go field read through an `any`: a nil map or slice is still a (null) value. */
const orNull = (x: unknown) => (x === undefined ? null : x);
/** A getter that explicitly returns Go nil, so the key is left out. */
const orOmit = (x: unknown) => x;

const APP_FIELDS: ReadonlyArray<readonly [string, Getter]> = [
  ["metadata.name", (a) => get(a, "metadata", "name") ?? ""],
  ["metadata.namespace", (a) => get(a, "metadata", "namespace") ?? ""],
  ["metadata.annotations", (a) => orNull(get(a, "metadata", "annotations"))],
  ["metadata.labels", (a) => orNull(get(a, "metadata", "labels"))],
  ["metadata.creationTimestamp", (a) => orNull(get(a, "metadata", "creationTimestamp"))],
  ["metadata.deletionTimestamp", (a) => orNull(get(a, "metadata", "deletionTimestamp"))],
  ["spec", (a) => get(a, "spec")],
  ["spec.destination", (a) => get(a, "spec", "destination")],
  ["spec.project", (a) => get(a, "spec", "project") ?? ""],
  ["spec.source", (a) => orNull(get(a, "spec", "source"))],
  ["spec.sources", (a) => orNull(get(a, "spec", "sources"))],
  ["spec.sourceHydrator", (a) => orNull(get(a, "spec", "sourceHydrator"))],
  ["spec.syncPolicy", (a) => orNull(get(a, "spec", "syncPolicy"))],
  ["status.sourceHydrator", (a) => get(a, "status", "sourceHydrator") ?? {}],
  ["status.summary", (a) => get(a, "status", "summary") ?? {}],
  ["status.sync.status", (a) => get(a, "status", "sync", "status") ?? ""],
  ["status.sync.revision", (a) => get(a, "status", "sync", "revision") ?? ""],
  ["status.health", (a) => get(a, "status", "health") ?? {}],
  ["status.operationState.startedAt", (a) => orOmit(get(a, "status", "operationState", "startedAt"))],
  ["status.operationState.finishedAt", (a) => orOmit(get(a, "status", "operationState", "finishedAt"))],
  ["status.resources", (a) => orOmit(nonEmpty(get(a, "status", "resources")))],
  ["operation.sync", (a) => orOmit(get(a, "operation", "sync"))],
  ["status.operationState.phase", (a) => orOmit(get(a, "status", "operationState", "phase"))],
  ["status.operationState.operation.sync", (a) => orOmit(get(a, "status", "operationState", "syncResult"))],
];

function nonEmpty(x: unknown): unknown {
  return Array.isArray(x) && x.length > 0 ? x : undefined;
}

/** processApplicationListField: each item rebuilt from the selectable paths only. */
export function trimList(apps: Json[], metadata: Json, set: FieldSet): Json {
  const items: Json[] = [];
  for (const app of apps) {
    const converted: Json = {};
    items.push(converted);
    for (const [field, fn] of APP_FIELDS) {
      if (set.fields.has(`items.${field}`) === set.exclude) continue;
      const value = fn(app);
      if (value === undefined) continue;
      const parts = field.split(".");
      let item = converted;
      for (const [i, part] of parts.entries()) {
        if (i === parts.length - 1) item[part] = value;
        else item = (item[part] ??= {}) as Json;
      }
    }
  }
  // Go: a nil []map marshals to null when no app was listed.
  return { items: items.length > 0 ? items : null, metadata };
}

/** messageMarshaler.processItem: the generic filter, applied in place. */
export function trimGeneric(value: unknown, set: FieldSet, path: string[] = []): void {
  if (Array.isArray(value)) {
    for (const v of value) trimGeneric(v, set, path);
    return;
  }
  if (!value || typeof value !== "object") return;
  const obj = value as Json;
  for (const [k, v] of Object.entries(obj)) {
    const fieldPath = [...path, k].join(".");
    const pathIn = set.fields.has(fieldPath);
    let parentPathIn = pathIn;
    if (!parentPathIn) for (const f of set.fields) if (f.startsWith(fieldPath)) parentPathIn = true;
    const keep = (set.exclude && !pathIn) || (!set.exclude && parentPathIn);
    if (!keep) delete obj[k];
    else if (!pathIn) trimGeneric(v, set, [...path, k]);
  }
}
