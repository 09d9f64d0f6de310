// Routing and handlers, mirroring Woodpecker's gin middleware chain: SetUser (a bad token just
// means anonymous), then per route MustUser/MustAdmin or SetRepo+SetPerm+MustPull, then the
// handler. Status codes and bodies follow server/router/middleware/session/*.go.

import { empty, json, text, webUi } from "./http.ts";
import { isStatusValue, isWebhookEvent, type PipelineRecord, type RepoRecord } from "./model.ts";
import { feedJson, pipelineJson, repoJson, repoLastPipelineJson } from "./serialize.ts";
import { parseRfc3339 } from "./time.ts";
import { deriveWorkflows } from "./workflows.ts";
import type { SimulatedWoodpecker } from "./woodpecker.ts";

/** Woodpecker caps every paginated list at 50 items; larger or invalid values become 50. */
const MAX_PER_PAGE = 50;

interface Ctx {
  sim: SimulatedWoodpecker;
  url: URL;
  /** False = anonymous: no token, or one that does not match (Woodpecker does not reject it). */
  authed: boolean;
}

/** A web-standard request handler; the wrappers (log.ts, faults.ts) take and give one. */
export type Handler = (req: Request) => Response | Promise<Response>;

/** The simulated server's answers to `sim`'s state, without faults and without a request log. */
export function createWoodpeckerHandler(sim: SimulatedWoodpecker): (req: Request) => Response {
  return (req) => {
    const res = route(sim, req);
    res.headers.set("X-WOODPECKER-VERSION", sim.features.version);
    return res;
  };
}

function route(sim: SimulatedWoodpecker, req: Request): Response {
  const url = new URL(req.url);
  const root = sim.rootPath;
  // Only GET routes are simulated; gin sends anything it cannot route to the web UI (NoRoute).
  if (req.method !== "GET" || (root !== "" && url.pathname !== root && !url.pathname.startsWith(`${root}/`))) {
    return webUi(root);
  }
  const path = url.pathname.slice(root.length) || "/";
  const ctx: Ctx = { sim, url, authed: tokenOf(req, url) === sim.token && sim.token !== "" };

  if (path === "/healthz") return empty(204);
  if (path === "/version")
    return json(200, { source: "https://github.com/woodpecker-ci/woodpecker", version: sim.features.version });
  if (path === "/api/user") return ctx.authed ? json(200, sim.user) : notAuthorized(401);
  if (path === "/api/user/repos") return ctx.authed ? userRepos(ctx) : notAuthorized(401);
  if (path === "/api/user/feed") return ctx.authed ? userFeed(ctx) : notAuthorized(401);
  if (path === "/api/repos") {
    if (!ctx.authed) return notAuthorized(401);
    return sim.user.admin ? allRepos(ctx) : notAuthorized(403);
  }
  const lookup = /^\/api\/repos\/lookup\/(.+)$/.exec(path);
  if (lookup) return withRepo(ctx, sim.findRepo(decodePath(lookup[1] ?? "")), (r) => json(200, repoJson(r)));

  const m = /^\/api\/repos\/([^/]+)(?:\/pipelines(?:\/([^/]+))?)?$/.exec(path);
  if (m) {
    const [, rawId = "", rawNumber] = m;
    if (!/^[+-]?\d+$/.test(rawId)) return empty(400); // strconv.ParseInt failed in SetRepo
    const repo = sim.getRepo(Number(rawId));
    if (!path.includes("/pipelines")) return withRepo(ctx, repo, (r) => json(200, repoJson(r)));
    if (rawNumber === undefined) return withRepo(ctx, repo, (r) => listPipelines(ctx, r));
    return withRepo(ctx, repo, (r) => onePipeline(ctx, r, rawNumber));
  }
  return webUi(root);
}

function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escapes simply match no repo
  }
}

/** PAT in `Authorization: Bearer …` or the `access_token` query parameter (token.ParseRequest). */
function tokenOf(req: Request, url: URL): string | undefined {
  const auth = req.headers.get("Authorization");
  const m = auth ? /^Bearer (\S+)/.exec(auth) : null;
  if (m) return m[1];
  return url.searchParams.get("access_token") ?? undefined;
}

/** MustUser / MustAdmin answer with c.String(…, "User not authorized"). */
function notAuthorized(status: 401 | 403): Response {
  return text(status, "User not authorized");
}

/**
 * SetRepo + SetPerm + MustPull. A repo that does not exist or may not be read answers 401 to
 * anonymous callers and 404 to users, both with empty bodies (AbortWithStatus).
 */
function withRepo(ctx: Ctx, repo: RepoRecord | undefined, next: (r: RepoRecord) => Response): Response {
  const deny = () => empty(ctx.authed ? 404 : 401);
  if (!repo) return deny();
  if (!canPull(ctx, repo)) return deny();
  return next(repo);
}

function canPull(ctx: Ctx, repo: RepoRecord): boolean {
  if (repo.visibility === "public") return true;
  if (!ctx.authed) return false;
  if (ctx.sim.user.admin || repo.visibility === "internal") return true;
  return ctx.sim.permission(repo.id).pull;
}

/** Go's strconv.ParseBool. */
function parseBool(v: string | null): boolean {
  return v !== null && ["1", "t", "T", "TRUE", "true", "True"].includes(v);
}

/** session.Pagination: unparsable or < 1 page -> 1; unparsable, < 1 or > 50 perPage -> 50. */
function pagination(url: URL): { page: number; perPage: number } {
  const int = (name: string) => {
    const v = url.searchParams.get(name);
    return v !== null && /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  };
  const page = int("page");
  const perPage = int("perPage");
  return {
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    perPage: Number.isFinite(perPage) && perPage >= 1 && perPage <= MAX_PER_PAGE ? perPage : MAX_PER_PAGE,
  };
}

function paginate<T>(items: T[], url: URL): T[] {
  const { page, perPage } = pagination(url);
  return items.slice((page - 1) * perPage, page * perPage);
}

/** Byte order, like SQL ORDER BY on a binary collation (not locale order). */
function byFullName(a: RepoRecord, b: RepoRecord): number {
  return a.full_name < b.full_name ? -1 : a.full_name > b.full_name ? 1 : 0;
}

function userRepos(ctx: Ctx): Response {
  const { sim, url } = ctx;
  const all = parseBool(url.searchParams.get("all"));
  const name = (url.searchParams.get("name") ?? "").toLowerCase();
  const repos = sim
    .listRepos()
    .filter((r) => {
      const perm = sim.permission(r.id); // the forge permission, not the admin override
      return (perm.push || perm.admin) && (all || r.active) && r.full_name.toLowerCase().includes(name);
    })
    .sort(byFullName);
  return json(
    200,
    repos.map((r) => repoLastPipelineJson(r, sim.listPipelines(r.id)[0], sim.features)),
  );
}

function userFeed(ctx: Ctx): Response {
  const { sim } = ctx;
  const items: Array<[RepoRecord, PipelineRecord]> = [];
  for (const r of sim.listRepos()) {
    if (!r.active || !sim.permission(r.id).pull) continue;
    for (const p of sim.listPipelines(r.id)) items.push([r, p]);
  }
  items.sort((a, b) => b[1].id - a[1].id);
  return json(
    200,
    items.slice(0, 50).map(([r, p]) => feedJson(r, p, sim.features)),
  );
}

function allRepos(ctx: Ctx): Response {
  const active = parseBool(ctx.url.searchParams.get("active"));
  const repos = ctx.sim.listRepos().filter((r) => !active || r.active);
  return json(200, paginate(repos, ctx.url).map(repoJson));
}

interface Filter {
  before?: number;
  after?: number;
  branch?: string;
  events?: string[];
  ref?: string;
  status?: string;
}

/** Query -> filter per server version; a malformed value is a 400 (returned as a Response). */
function parseFilter(ctx: Ctx): Filter | Response {
  const q = ctx.url.searchParams;
  const mode = ctx.sim.features.filters;
  const f: Filter = {};
  if (mode === "none") return f;
  for (const key of ["before", "after"] as const) {
    const v = q.get(key);
    if (!v) continue;
    const t = parseRfc3339(v);
    if (t === undefined) return empty(400);
    f[key] = t;
  }
  if (mode === "time") return f; // 2.5–2.8 silently ignore the other filters
  const branch = q.get("branch");
  if (branch) f.branch = branch;
  const event = q.get("event");
  if (event) {
    const events = event.split(",");
    if (!events.every(isWebhookEvent)) return empty(400);
    f.events = events;
  }
  const ref = q.get("ref");
  if (ref) f.ref = ref;
  const status = q.get("status");
  if (status) {
    if (!isStatusValue(status)) return empty(400);
    f.status = status;
  }
  return f;
}

function matches(p: PipelineRecord, f: Filter): boolean {
  return (
    (f.before === undefined || p.created < f.before) &&
    (f.after === undefined || p.created > f.after) &&
    (f.branch === undefined || p.branch === f.branch) &&
    (f.events === undefined || f.events.includes(p.event)) &&
    (f.ref === undefined || p.ref.includes(f.ref)) &&
    (f.status === undefined || p.status === f.status)
  );
}

function listPipelines(ctx: Ctx, repo: RepoRecord): Response {
  const filter = parseFilter(ctx);
  if (filter instanceof Response) return filter;
  const all = ctx.sim.listPipelines(repo.id);
  const page = paginate(
    all.filter((p) => matches(p, filter)),
    ctx.url,
  );
  return json(
    200,
    page.map((p) => serialize(ctx, repo, p, false)),
  );
}

function onePipeline(ctx: Ctx, repo: RepoRecord, rawNumber: string): Response {
  const { sim, url } = ctx;
  let p: PipelineRecord | undefined;
  if (rawNumber === "latest") {
    // GetPipelineLast: newest PUSH pipeline of the branch (default: the repo's default branch).
    const branch = url.searchParams.has("branch") ? url.searchParams.get("branch") : repo.default_branch;
    p = sim.listPipelines(repo.id).find((x) => x.event === "push" && x.branch === branch);
  } else {
    if (!/^[+-]?\d+$/.test(rawNumber)) return empty(400);
    p = sim.getPipeline(repo.id, Number(rawNumber));
  }
  return p ? json(200, serialize(ctx, repo, p, true)) : empty(404);
}

function serialize(ctx: Ctx, repo: RepoRecord, p: PipelineRecord, withWorkflows: boolean): Record<string, unknown> {
  const { sim } = ctx;
  return pipelineJson(p, sim.features, {
    workflows: withWorkflows ? deriveWorkflows(p, sim.now(), sim.features.canceledStatus) : undefined,
    parentId: (n) => sim.getPipeline(repo.id, n)?.id ?? 0,
  });
}
