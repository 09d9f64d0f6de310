// The simulated ArgoCD API server's request handler: routing as argo-cd server/server.go does it
// (grpc-gateway v1 under /api/, the web UI's static handler for everything else), authentication
// and RBAC as the gRPC interceptors and application server do, and the watch stream as
// argoproj/pkg grpc/http NewStreamForwarder writes it. Only GET routes the exporter could call
// are simulated.
import { parseFields, trimGeneric, trimList, type FieldSet } from "./fields.ts";
import type { AppRecord, ArgoCDState, ChangeType, Json } from "./state.ts";

export type Handler = (req: Request) => Response | Promise<Response>;

/** The handler, plus control over the watch streams it holds open. */
export interface ArgoCDHandler extends Handler {
  /** Streams currently open. */
  readonly openStreams: () => number;
  /** End every open stream from the server side (an API server restart, a proxy timeout). */
  readonly closeStreams: () => void;
}

const enc = new TextEncoder();

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** grpc-gateway v1 DefaultHTTPError: `{"error", "code", "message"}` (details omitted when empty). */
export function grpcError(status: number, code: number, message: string): Response {
  return json(status, { error: message, code, message });
}

/** Go's http.Error: text/plain, the message and a newline. */
function goText(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
  });
}

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="UTF-8"><title>Argo CD</title><base href="/"><meta name="viewport" content="width=device-width, \
initial-scale=1"></head>
<body><noscript><p>Your browser does not support JavaScript. Please enable JavaScript to view the site. Alternatively,\
 Argo CD can be used with the <a href="https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd/">Argo CD \
CLI</a>.</p></noscript><div id="app"></div><script defer src="main.js"></script></body>
</html>
`;

/**
 * The static assets handler: index.html for a browser (Accept lists exactly `text/html`), else the file server's 404.
 */
function staticAssets(req: Request): Response {
  const acceptHTML = (req.headers.get("Accept") ?? "").split(",").some((t) => t === "text/html" || t === "html");
  if (acceptHTML && (req.method === "GET" || req.method === "HEAD")) {
    return new Response(INDEX_HTML, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
  return goText(404, "404 page not found");
}

type Auth = { ok: true } | { ok: false; message: string };

function authenticate(state: ArgoCDState, req: Request): Auth {
  const header = req.headers.get("Authorization") ?? "";
  const m = /^Bearer (.*)$/i.exec(header);
  const token = m?.[1] ?? "";
  if (token === "") return { ok: false, message: "no session information" };
  if (token === state.token) return { ok: true };
  // jwt-go's verdicts on a token that is not one of ours.
  const why =
    token.split(".").length !== 3
      ? "token is malformed: token contains an invalid number of segments"
      : "token signature is invalid: signature is invalid";
  return { ok: false, message: `invalid session: ${why}` };
}

interface Query {
  readonly name: string;
  readonly projects: readonly string[];
  readonly selector: Selector | null;
  readonly repo: string;
  readonly appNamespace: string;
}

type Selector = (labels: Record<string, string>) => boolean;

/** A Kubernetes equality-based label selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma = and. */
export function parseSelector(s: string): Selector | null | "invalid" {
  if (s.trim() === "") return null;
  const tests: Selector[] = [];
  for (const raw of s.split(",")) {
    const part = raw.trim();
    const m = /^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)\s*(?:(==|=|!=)\s*([-A-Za-z0-9_.]*))?$/.exec(part);
    if (!m) return "invalid";
    const [, not, key = "", op, value = ""] = m;
    if (not && op) return "invalid";
    if (not) tests.push((l) => !(key in l));
    else if (!op) tests.push((l) => key in l);
    else if (op === "!=") tests.push((l) => l[key] !== value);
    else tests.push((l) => l[key] === value);
  }
  return (l) => tests.every((t) => t(l));
}

function parseQuery(url: URL): Query | Response {
  const q = url.searchParams;
  const sel = parseSelector(q.get("selector") ?? "");
  if (sel === "invalid")
    return grpcError(400, 3, `error parsing label selector: unable to parse requirement: ${q.get("selector")}`);
  return {
    name: q.get("name") ?? "",
    projects: [...q.getAll("projects"), ...q.getAll("project")].filter((p) => p !== ""),
    selector: sel,
    repo: q.get("repo") ?? "",
    appNamespace: q.get("appNamespace") ?? "",
  };
}

function matches(state: ArgoCDState, app: AppRecord, q: Query): boolean {
  const body = app.body;
  const meta = body.metadata as Json;
  const spec = body.spec as Json;
  const project = spec.project as string;
  if (!state.canRead(project, app.name)) return false; // left out silently, as ArgoCD's RBAC filter does
  if (q.name && app.name !== q.name) return false;
  if (q.projects.length > 0 && !q.projects.includes(project)) return false;
  if (q.appNamespace && app.namespace !== q.appNamespace) return false;
  if (q.selector && !q.selector((meta.labels as Record<string, string> | undefined) ?? {})) return false;
  if (q.repo) {
    const urls = [
      (spec.source as Json | undefined)?.repoURL,
      ...((spec.sources as Json[] | undefined) ?? []).map((s) => s.repoURL),
    ];
    const norm = (u: unknown) =>
      String(u ?? "")
        .toLowerCase()
        .replace(/\.git$/, "")
        .replace(/\/$/, "");
    if (!urls.some((u) => norm(u) === norm(q.repo))) return false;
  }
  return true;
}

export function createArgoCDHandler(state: ArgoCDState): ArgoCDHandler {
  const streams = new Set<() => void>();

  const route = (req: Request): Response => {
    const url = new URL(req.url);
    const root = state.rootPath;
    if (root !== "" && !url.pathname.startsWith(`${root}/`)) return goText(404, "404 page not found");
    const path = url.pathname.slice(root.length) || "/";
    if (!path.startsWith("/api/")) return staticAssets(req);
    if (req.method !== "GET") return goText(405, "Method Not Allowed");
    if (path === "/api/version") {
      const full = authenticate(state, req).ok;
      return json(200, full ? versionMessage(state.version) : { Version: state.version });
    }
    const known =
      path === "/api/v1/applications" ||
      path === "/api/v1/stream/applications" ||
      /^\/api\/v1\/applications\/[^/]+$/.test(path);
    if (!known) return goText(404, "Not Found");
    const auth = authenticate(state, req);
    if (!auth.ok) return grpcError(401, 16, auth.message);
    const q = parseQuery(url);
    if (q instanceof Response) return q;
    if (path === "/api/v1/applications") return list(state, q, parseFields(url));
    if (path === "/api/v1/stream/applications") return watch(state, req, q, parseFields(url), streams);
    return one(state, decodeURIComponent(path.slice("/api/v1/applications/".length)), url);
  };

  const handler = ((req: Request) => route(req)) as ArgoCDHandler;
  Object.assign(handler, {
    openStreams: () => streams.size,
    closeStreams: () => {
      for (const close of [...streams]) close();
    },
  });
  return handler;
}

function versionMessage(version: string): Json {
  return {
    Version: version,
    BuildDate: "2026-11-20T09:12:44Z",
    GitCommit: "d6b2f9a1c3e5f7091b2d4f6a8c0e2a4b6d8f0a1c",
    GitTag: version.replace(/\+.*$/, ""),
    GitTreeState: "clean",
    GoVersion: "go1.25.4",
    Compiler: "gc",
    Platform: "linux/amd64",
    KustomizeVersion: "v5.7.1 2025-07-23T12:43:08Z",
    HelmVersion: "v3.19.2+g8766e71",
    KubectlVersion: "v0.34.0",
    JsonnetVersion: "v0.21.0",
  };
}

function list(state: ArgoCDState, q: Query, fields: FieldSet | null): Response {
  const apps = state
    .list()
    .filter((a) => matches(state, a, q))
    .map((a) => state.json(a));
  const metadata = { resourceVersion: state.listVersion };
  return json(200, fields ? trimList(apps, metadata, fields) : { metadata, items: apps });
}

function one(state: ArgoCDState, name: string, url: URL): Response {
  const project = url.searchParams.get("project") ?? "";
  const ns = url.searchParams.get("appNamespace") ?? "";
  const denied = () => grpcError(403, 7, "permission denied");
  if (project !== "" && !state.canRead(project, name)) return denied();
  const app = state.get(name, ns);
  if (!app) {
    // Without a project ArgoCD cannot tell "missing" from "not yours" without leaking: 403.
    if (project === "") return denied();
    return grpcError(404, 5, `applications.argoproj.io "${name}" not found`);
  }
  const real = (app.body.spec as Json).project as string;
  if (!state.canRead(real, app.name) || (project !== "" && project !== real)) return denied();
  return json(200, state.json(app));
}

/** `{"result": {type, application}}`, trimmed by the generic filter, as the forwarder marshals it. */
function message(state: ArgoCDState, type: ChangeType, app: AppRecord, fields: FieldSet | null): string {
  const msg = { result: { type, application: state.json(app) } };
  if (fields) trimGeneric(msg, fields);
  return JSON.stringify(msg);
}

function watch(
  state: ArgoCDState,
  req: Request,
  q: Query,
  fields: FieldSet | null,
  streams: Set<() => void>,
): Response {
  const sse = req.headers.get("Accept") === "text/event-stream";
  // Per app name (not namespace: the forwarder's key), the last message sent: an identical one is dropped.
  const last = new Map<string, string>();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const write = (text: string) => {
        if (!open) return;
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          close();
        }
      };
      const send = (type: ChangeType, app: AppRecord) => {
        if (!matches(state, app, q)) return;
        const data = message(state, type, app, fields);
        if (last.get(app.name) === data) return;
        last.set(app.name, data);
        // The SSE marshaler writes `data: <json> \n\n`, then grpc-gateway its "\n" delimiter.
        write(sse ? `data: ${data} \n\n\n` : `${data}\n`);
      };
      const unsubscribe = state.subscribe(send);
      const keepalive = sse ? setInterval(() => write(":\n"), state.keepaliveMs) : undefined;
      const close = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        clearInterval(keepalive);
        streams.delete(close);
        try {
          controller.close();
        } catch {
          // already closed or errored
        }
      };
      cleanup = close;
      streams.add(close);
      for (const app of state.list()) send("ADDED", app);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    status: 200,
    headers: sse
      ? { "Content-Type": "text/event-stream", "X-Content-Type-Options": "nosniff" }
      : { "Content-Type": "application/json" },
  });
}
