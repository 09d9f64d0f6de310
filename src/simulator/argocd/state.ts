// A simulated ArgoCD's state: Applications as the API server shows them, and the mutations the
// application controller makes (operations with retries, revision history truncated at
// `revisionHistoryLimit`, health transitions). A plain store: no HTTP here (handle.ts answers
// requests, faults.ts and log.ts wrap it where it is served). It encodes ArgoCD's behaviour on its
// own terms and imports nothing from the exporter, so a misreading in one cannot hide in the other.
//
// Facts followed (argoproj/argo-cd v3.5.1): a history entry is appended only by a sync that covers
// the whole app, is not a dry run and succeeds (controller/sync.go), with id = last id + 1 (0 for
// the first), deployedAt = when it finished, deployStartedAt = the operation's startedAt; the list
// is then cut to the last revisionHistoryLimit entries (default 10). `operationState` holds only the
// latest operation; auto-sync retries keep it `Running` with a growing `retryCount` until it ends
// once. Health `lastTransitionTime` changes only when the status does.
import { formatTime } from "./time.ts";

export type Phase = "Running" | "Terminating" | "Failed" | "Error" | "Succeeded";
export type HealthStatus = "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";

export interface AppInput {
  readonly name: string;
  /** The app's namespace; default "argocd". */
  readonly namespace?: string;
  readonly project?: string;
  /** Single source; ignored when `sources` is given. */
  readonly repoURL?: string;
  readonly path?: string;
  /** Multi-source app: one entry per source. */
  readonly sources?: readonly { readonly repoURL: string; readonly path?: string }[];
  readonly destinationNamespace?: string;
  /** Absent: ArgoCD's default of 10 applies (and the key is omitted, as Go does). */
  readonly revisionHistoryLimit?: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly automated?: boolean;
  /** Images running before any sync (`status.summary.images`). */
  readonly images?: readonly string[];
  readonly health?: HealthStatus;
  /** Creation time; default now. */
  readonly at?: number;
}

export interface SyncInput {
  /** Revision to sync (one per source for a multi-source app). */
  readonly revision: string | readonly string[];
  /** Images the synced manifests run (written to `syncResult.resources[].images` and, on success, the summary). */
  readonly images?: readonly string[];
  readonly dryRun?: boolean;
  /** Sync only these resources (a partial sync): kinds/names, e.g. `[{kind: "Deployment", name: "api"}]`. */
  readonly resources?: readonly { readonly kind: string; readonly name: string }[];
  /** `{username}` for a manual sync; default automated. */
  readonly username?: string;
  readonly at?: number;
}

/** Go-shaped JSON objects, exactly as the API serialises them. */
export type Json = Record<string, unknown>;

export interface AppRecord {
  readonly uid: string;
  name: string;
  namespace: string;
  /** The JSON body of the app, minus nothing: `metadata`, `spec`, `status` (and `operation` while one is requested). */
  body: Json;
  deleted: boolean;
  /** Images of the running operation, applied to the summary if it succeeds. */
  pendingImages?: readonly string[];
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export type Listener = (type: ChangeType, app: AppRecord) => void;

export interface ArgoCDStateOptions {
  /** The one token that authenticates (an API key of a local account). */
  readonly token: string;
  /** Which apps the token's account may `get` (RBAC); default all. Others are left out silently. */
  readonly canRead?: (project: string, name: string) => boolean;
  /** Virtual clock in Unix seconds; default real time. */
  readonly now?: () => number;
  /** Default "v3.5.1+d6b2f9a". */
  readonly version?: string;
  /** `--rootpath`, e.g. "/argocd"; default "". */
  readonly rootPath?: string;
  /** Keepalive interval of the stream; ArgoCD's is 15 s. */
  readonly keepaliveMs?: number;
}

export class ArgoCDState {
  readonly token: string;
  readonly version: string;
  readonly rootPath: string;
  readonly keepaliveMs: number;
  canRead: (project: string, name: string) => boolean;
  private readonly clock: () => number;
  private readonly apps = new Map<string, AppRecord>();
  private readonly listeners = new Set<Listener>();
  private resourceVersion = 1000;
  private uidCounter = 0;

  constructor(opts: ArgoCDStateOptions) {
    this.token = opts.token;
    this.canRead = opts.canRead ?? (() => true);
    this.clock = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.version = opts.version ?? "v3.5.1+d6b2f9a";
    this.rootPath = opts.rootPath ?? "";
    this.keepaliveMs = opts.keepaliveMs ?? 15_000;
  }

  now(): number {
    return this.clock();
  }

  /** Current list resourceVersion (etcd's, grows with every change). */
  get listVersion(): string {
    return String(this.resourceVersion);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Live apps, by namespace then name (the informer's order does not matter to clients). */
  list(): AppRecord[] {
    return [...this.apps.values()]
      .filter((a) => !a.deleted)
      .sort((a, b) => cmp(a.namespace + "/" + a.name, b.namespace + "/" + b.name));
  }

  get(name: string, namespace?: string): AppRecord | undefined {
    return this.list().find(
      (a) => a.name === name && (namespace === undefined || namespace === "" || a.namespace === namespace),
    );
  }

  addApp(input: AppInput): AppRecord {
    const namespace = input.namespace ?? "argocd";
    if (this.get(input.name, namespace)) throw new Error(`app ${namespace}/${input.name} exists`);
    const at = input.at ?? this.now();
    const uid = uuidOf(`${namespace}/${input.name}#${++this.uidCounter}`);
    const sources = input.sources?.map((s) => sourceJson(s.repoURL, s.path ?? ".", "HEAD"));
    const spec: Json = {
      ...(sources
        ? {}
        : {
            source: sourceJson(
              input.repoURL ?? `https://git.example.com/acme/${input.name}-deploy.git`,
              input.path ?? ".",
              "HEAD",
            ),
          }),
      destination: { server: "https://kubernetes.default.svc", namespace: input.destinationNamespace ?? input.name },
      project: input.project ?? "default",
      ...(input.automated === false
        ? {}
        : { syncPolicy: { automated: { prune: true, selfHeal: true }, retry: { limit: 5 } } }),
      ...(sources ? { sources } : {}),
      ...(input.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: input.revisionHistoryLimit } : {}),
    };
    const health = input.health ?? "Healthy";
    const body: Json = {
      metadata: {
        name: input.name,
        namespace,
        uid,
        resourceVersion: "",
        generation: 1,
        creationTimestamp: formatTime(at),
        ...(input.labels && Object.keys(input.labels).length > 0 ? { labels: { ...input.labels } } : {}),
        ...(input.annotations && Object.keys(input.annotations).length > 0
          ? { annotations: { ...input.annotations } }
          : {}),
      },
      spec,
      status: {
        sync: {
          status: "OutOfSync",
          comparedTo: { source: spec.source ?? { repoURL: "" }, destination: spec.destination },
        },
        health: { status: health, lastTransitionTime: formatTime(at) },
        reconciledAt: formatTime(at),
        sourceType: "Kustomize",
        summary: input.images && input.images.length > 0 ? { images: [...input.images] } : {},
        controllerNamespace: "argocd",
      },
    };
    const app: AppRecord = { uid, name: input.name, namespace, body, deleted: false };
    this.apps.set(uid, app);
    this.touch("ADDED", app);
    return app;
  }

  deleteApp(name: string, namespace?: string): void {
    const app = this.must(name, namespace);
    app.deleted = true;
    this.touch("DELETED", app);
  }

  setRevisionHistoryLimit(name: string, limit: number | undefined): void {
    const app = this.must(name);
    const spec = app.body.spec as Json;
    if (limit === undefined) delete spec.revisionHistoryLimit;
    else spec.revisionHistoryLimit = limit;
    this.touch("MODIFIED", app);
  }

  setLabels(name: string, labels: Record<string, string>): void {
    const meta = this.must(name).body.metadata as Json;
    if (Object.keys(labels).length === 0) delete meta.labels;
    else meta.labels = { ...labels };
    this.touch("MODIFIED", this.must(name));
  }

  /** The controller starts an operation: phase Running, `startedAt` now. */
  startSync(name: string, input: SyncInput): void {
    const app = this.must(name);
    const status = app.body.status as Json;
    // ArgoCD refuses a second operation while one runs ("another operation is already in progress").
    if ((status.operationState as Json | undefined)?.phase === "Running")
      throw new Error(`app ${name}: another operation is already in progress`);
    const at = input.at ?? this.now();
    const multi = Array.isArray(input.revision);
    const revisions = multi ? [...(input.revision as readonly string[])] : [];
    const revision = multi ? "" : (input.revision as string);
    const sync: Json = {
      ...(multi ? { revisions } : { revision }),
      ...(input.dryRun ? { dryRun: true } : {}),
      ...(input.resources && input.resources.length > 0
        ? { resources: input.resources.map((r) => ({ group: "apps", kind: r.kind, name: r.name })) }
        : {}),
      syncStrategy: { hook: {} },
    };
    const operation: Json = {
      sync,
      initiatedBy: input.username ? { username: input.username } : { automated: true },
      retry: { limit: 5 },
    };
    app.body.operation = operation;
    status.operationState = {
      operation: structuredClone(operation),
      phase: "Running",
      message: "waiting for healthy state of apps/Deployment/" + app.name,
      startedAt: formatTime(at),
      ...(input.images ? { syncResult: this.syncResult(app, revision, revisions, input.images) } : {}),
    };
    app.pendingImages = input.images;
    this.touch("MODIFIED", app);
  }

  /** An auto-sync retry: the same operation stays Running, `retryCount` grows. */
  retrySync(name: string, message = "one or more objects failed to apply, retrying"): void {
    const app = this.must(name);
    const op = this.runningOp(app);
    op.retryCount = ((op.retryCount as number | undefined) ?? 0) + 1;
    op.message = message;
    this.touch("MODIFIED", app);
  }

  /** `argocd app terminate-op`: Terminating now; the controller then ends it Failed ("Operation terminated"). */
  terminateSync(name: string, opts: { at?: number } = {}): void {
    const app = this.must(name);
    this.runningOp(app).phase = "Terminating";
    this.touch("MODIFIED", app);
    this.finishSync(name, "Failed", { at: opts.at, message: "Operation terminated" });
  }

  /** The operation ends. Success of a whole-app, non-dry-run sync appends a history entry. */
  finishSync(
    name: string,
    phase: "Succeeded" | "Failed" | "Error",
    opts: { at?: number; message?: string } = {},
  ): void {
    const app = this.must(name);
    const op = this.runningOp(app);
    const at = opts.at ?? this.now();
    const status = app.body.status as Json;
    const images = app.pendingImages;
    app.pendingImages = undefined;
    delete app.body.operation;
    const sync = (op.operation as Json).sync as Json;
    op.phase = phase;
    op.message =
      opts.message ??
      (phase === "Succeeded"
        ? "successfully synced (all tasks run)"
        : phase === "Failed"
          ? "one or more objects failed to apply"
          : "ComparisonError: failed to load target state");
    op.finishedAt = formatTime(at);
    if (phase === "Error") delete op.syncResult;
    const whole = !sync.resources;
    if (phase === "Succeeded" && !sync.dryRun) {
      if (images) status.summary = images.length > 0 ? { images: [...new Set(images)].sort() } : {};
      const revisions = sync.revisions as string[] | undefined;
      const revision = sync.revision as string | undefined;
      status.sync = {
        ...(status.sync as Json),
        status: whole ? "Synced" : "OutOfSync",
        ...(revisions ? { revisions } : { revision }),
      };
      if (whole)
        this.appendHistory(
          app,
          revision ?? "",
          revisions,
          op.startedAt as string,
          at,
          (op.operation as Json).initiatedBy as Json,
        );
    }
    this.touch("MODIFIED", app);
  }

  /** start + finish in one step (retries in between when `retries` > 0). */
  sync(
    name: string,
    input: SyncInput & { outcome?: "Succeeded" | "Failed" | "Error"; retries?: number; duration?: number },
  ): void {
    const start = input.at ?? this.now();
    this.startSync(name, { ...input, at: start });
    for (let i = 0; i < (input.retries ?? 0); i++) this.retrySync(name);
    this.finishSync(name, input.outcome ?? "Succeeded", { at: start + (input.duration ?? 30) });
  }

  /** A health status change; the transition time moves only when the status changes. */
  setHealth(name: string, health: HealthStatus, opts: { at?: number; message?: string } = {}): void {
    const app = this.must(name);
    const status = app.body.status as Json;
    const current = status.health as Json;
    // No change, no update of the object: the controller does not patch an unchanged status.
    if (current.status === health) return;
    status.health = {
      status: health,
      ...(opts.message ? { message: opts.message } : {}),
      lastTransitionTime: formatTime(opts.at ?? this.now()),
    };
    this.touch("MODIFIED", app);
  }

  /**
   * An informer resync: every app re-sent unchanged (same resourceVersion). On the stream these are
   * exactly the consecutive identical messages the API server drops.
   */
  resync(): void {
    for (const app of this.list()) this.notify("MODIFIED", app);
  }

  /** A reconciliation that changes nothing but `reconciledAt` (the stream de-duplicates by content). */
  reconcile(name: string, at?: number): void {
    const app = this.must(name);
    (app.body.status as Json).reconciledAt = formatTime(at ?? this.now());
    this.touch("MODIFIED", app);
  }

  /** The app as the API serialises it (a deep copy). */
  json(app: AppRecord): Json {
    return structuredClone(app.body);
  }

  private appendHistory(
    app: AppRecord,
    revision: string,
    revisions: string[] | undefined,
    startedAt: string,
    at: number,
    initiatedBy: Json,
  ): void {
    const status = app.body.status as Json;
    const spec = app.body.spec as Json;
    const history = (status.history as Json[] | undefined) ?? [];
    const last = history.at(-1);
    const id = last ? (last.id as number) + 1 : 0;
    const entry: Json = revisions
      ? {
          deployedAt: formatTime(at),
          id,
          source: { repoURL: "" },
          deployStartedAt: startedAt,
          sources: structuredClone(spec.sources),
          revisions,
          initiatedBy,
        }
      : {
          revision,
          deployedAt: formatTime(at),
          id,
          source: structuredClone(spec.source),
          deployStartedAt: startedAt,
          initiatedBy,
        };
    history.push(entry);
    const limit = Math.max(0, (spec.revisionHistoryLimit as number | undefined) ?? 10);
    status.history = history.slice(Math.max(0, history.length - limit));
    if ((status.history as Json[]).length === 0) delete status.history;
  }

  private syncResult(app: AppRecord, revision: string, revisions: string[], images: readonly string[]): Json {
    return {
      resources: [
        {
          group: "apps",
          version: "v1",
          kind: "Deployment",
          namespace: ((app.body.spec as Json).destination as Json).namespace,
          name: app.name,
          status: "Synced",
          message: "deployment.apps/" + app.name + " configured",
          hookPhase: "Running",
          syncPhase: "Sync",
          ...(images.length > 0 ? { images: [...images] } : {}),
        },
      ],
      ...(revisions.length > 0 ? { revisions } : { revision }),
      ...((app.body.spec as Json).sources
        ? { sources: structuredClone((app.body.spec as Json).sources) }
        : { source: structuredClone((app.body.spec as Json).source) }),
    };
  }

  private runningOp(app: AppRecord): Json {
    const op = (app.body.status as Json).operationState as Json | undefined;
    if (!op || (op.phase !== "Running" && op.phase !== "Terminating"))
      throw new Error(`app ${app.name} has no running operation`);
    return op;
  }

  private must(name: string, namespace?: string): AppRecord {
    const app = this.get(name, namespace);
    if (!app) throw new Error(`no app ${name}`);
    return app;
  }

  private touch(type: ChangeType, app: AppRecord): void {
    this.resourceVersion++;
    (app.body.metadata as Json).resourceVersion = String(this.resourceVersion);
    this.notify(type, app);
  }

  private notify(type: ChangeType, app: AppRecord): void {
    for (const fn of [...this.listeners]) fn(type, app);
  }
}

function sourceJson(repoURL: string, path: string, targetRevision: string): Json {
  return { repoURL, path, targetRevision };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable RFC 4122-shaped uid derived from a key (Kubernetes uids are v4 UUIDs). */
function uuidOf(key: string): string {
  let h = "";
  for (let i = 0; h.length < 32; i++) {
    let x = 0x811c9dc5;
    const s = `${key}#${i}`;
    for (let j = 0; j < s.length; j++) {
      x ^= s.charCodeAt(j);
      x = Math.imul(x, 0x01000193) >>> 0;
    }
    h += x.toString(16).padStart(8, "0");
  }
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
