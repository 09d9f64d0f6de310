// The Woodpecker REST client: ky with timeouts and jittered backoff, every response checked for a
// JSON content type (unknown paths answer 200 with the web UI's HTML) and validated with valibot.
// Errors are one line naming the request and the problem; the token only ever travels in a header.
import { HTTPError, TimeoutError, type KyInstance } from "ky";
import * as v from "valibot";
import { jsonHttp, type JsonHttpOptions } from "../util/http.ts";
import type { Pipeline } from "../core/model.ts";
import {
  RepoSchema,
  UserSchema,
  VersionSchema,
  describeIssues,
  parsePipeline,
  parsePipelinePage,
  type RepoListing,
  type User,
} from "./schemas.ts";

/** Woodpecker caps perPage at 50 and silently lowers larger values. */
export const PAGE_SIZE = 50;

export class WoodpeckerError extends Error {
  constructor(
    message: string,
    /** HTTP status when the server answered, else undefined. */
    readonly status?: number,
  ) {
    super(message);
  }
}

interface ClientOptions extends JsonHttpOptions {
  /** The setting the token came from, named when the server rejects it (default WOODPECKER_TOKEN). */
  readonly tokenSetting?: string;
  /** Called for each object of an answer that failed validation and was skipped ("pipeline", "repo"). */
  readonly onInvalid?: (kind: "pipeline" | "repo") => void;
}

interface PipelineQuery {
  readonly page: number;
  /** Server-side event filter (3.x); the caller filters client-side as well. */
  readonly events?: readonly string[];
  /** Only pipelines created strictly after this Unix time (2.5+). */
  readonly after?: number;
  /** Only pipelines created strictly before this Unix time (2.5+): a cursor immune to page shift. */
  readonly before?: number;
}

interface PipelinePage {
  readonly pipelines: Pipeline[];
  /** Items in the raw page, valid or not: a short page is the only end-of-list signal. */
  readonly size: number;
  /** Items that failed validation and were skipped, with the reason of the first. */
  readonly invalid: number;
  readonly firstInvalidReason?: string;
  /** `number` of each skipped item that still had a usable one, so it can be fetched again alone. */
  readonly invalidNumbers: number[];
}

/**
 * A repo listing, with how many items failed validation and were skipped: a repo missing from a
 * listing that skipped some may be one of those, so the poller does not take it as gone.
 */
export type RepoList = RepoListing[] & { readonly skipped: number };

/** A single object that failed validation (skipped and counted, not a failed request). */
export class InvalidObjectError extends WoodpeckerError {}

/**
 * A list answer: any array, the same check and message as `v.array(v.unknown())` ("Expected Array
 * but received Object") without visiting and copying each item; the caller checks the items.
 */
const ListSchema = v.instance(Array) as v.GenericSchema<unknown, unknown[]>;
const AnySchema = v.unknown();

/**
 * A Unix time as a query value: its ISO form (`2026-09-21T10:00:00Z`), escaped as URLSearchParams
 * escapes it. Up to year 9999 the form holds no byte URLSearchParams escapes but `:`.
 */
function timeParam(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(".000Z", "Z").replaceAll(":", "%3A");
}

export class WoodpeckerClient {
  private readonly http: KyInstance;
  /** host[:port] of WOODPECKER_URL: a failure with no answer names where it tried. */
  private readonly host: string;
  /** The server root with a trailing slash; request paths are appended to it. */
  private readonly base: string;
  /** `event=…` for the last events list asked for: the poller passes the same array for every page. */
  private eventsParam: { readonly events: readonly string[]; readonly param: string } | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.host = new URL(opts.baseUrl).host;
    this.base = opts.baseUrl + "/";
    // Absolute URLs (this.base + path): see jsonHttp.
    this.http = jsonHttp(opts, { absoluteUrls: true });
  }

  /** Server version from `/version` (at the root, not under /api); null when it has none. */
  async version(): Promise<string | null> {
    try {
      return (await this.getJson("version", VersionSchema)).version;
    } catch (e) {
      if (e instanceof WoodpeckerError && e.status !== undefined) return null;
      throw e;
    }
  }

  /** The token's user; the only call that rejects a bad token (others fall back to anonymous). */
  async user(): Promise<User> {
    return this.getJson("api/user", UserSchema);
  }

  /** Repos where the token's user has push or admin access, with `last_pipeline` on 3.1+. */
  async userRepos(): Promise<RepoList> {
    const items = await this.getJson("api/user/repos", ListSchema);
    const repos = this.validItems(items, RepoSchema, "repo");
    return Object.assign(repos, { skipped: items.length - repos.length });
  }

  /** One repo by id; throws (HTTP 404 when it is gone or no longer readable with this token). */
  async repo(repoId: number): Promise<RepoListing> {
    return this.getJson(`api/repos/${repoId}`, RepoSchema);
  }

  /** Every active repo on the server (admin tokens only), paged. */
  async allRepos(): Promise<RepoList> {
    const out = new Map<number, RepoListing>();
    let skipped = 0;
    for (let page = 1; ; page++) {
      const items = await this.getJson(`api/repos?active=true&page=${page}&perPage=${PAGE_SIZE}`, ListSchema);
      const valid = this.validItems(items, RepoSchema, "repo");
      skipped += items.length - valid.length;
      for (const r of valid) out.set(r.id, r);
      if (items.length < PAGE_SIZE) return Object.assign([...out.values()], { skipped });
    }
  }

  /** One page of a repo's pipelines (`number DESC`). Invalid items are skipped and counted. */
  async pipelinePage(repoId: number, q: PipelineQuery): Promise<PipelinePage> {
    // The query as URLSearchParams writes it, without building one per page (a backfill of 1M
    // pipelines asks ~13,500 pages; issue 14): the events escaped once per list, the times by
    // timeParam, the page a plain integer.
    let query = `page=${q.page}&perPage=${PAGE_SIZE}`;
    if (q.events && q.events.length > 0) query += `&${this.eventsQuery(q.events)}`;
    if (q.after && q.after > 0) query += `&after=${timeParam(q.after)}`;
    if (q.before && q.before > 0) query += `&before=${timeParam(q.before)}`;
    const raw = await this.getJson(`api/repos/${repoId}/pipelines?${query}`, ListSchema);
    const page = parsePipelinePage(raw);
    for (let i = 0; i < page.invalid; i++) this.opts.onInvalid?.("pipeline");
    return {
      pipelines: page.pipelines,
      size: raw.length,
      invalid: page.invalid,
      firstInvalidReason: page.firstInvalidReason,
      invalidNumbers: page.invalidNumbers,
    };
  }

  private eventsQuery(events: readonly string[]): string {
    if (this.eventsParam?.events !== events) {
      this.eventsParam = { events, param: new URLSearchParams({ event: events.join(",") }).toString() };
    }
    return this.eventsParam.param;
  }

  /** One pipeline; null when Woodpecker says 404 (deleted); InvalidObjectError when it fails validation. */
  async pipeline(repoId: number, number: number): Promise<Pipeline | null> {
    let raw: unknown;
    try {
      raw = await this.getJson(`api/repos/${repoId}/pipelines/${number}`, AnySchema);
    } catch (e) {
      if (e instanceof WoodpeckerError && e.status === 404) return null;
      throw e;
    }
    const parsed = parsePipeline(raw);
    if (parsed.ok) return parsed.pipeline;
    this.opts.onInvalid?.("pipeline");
    throw new InvalidObjectError(
      `GET /api/repos/${repoId}/pipelines/${number}: invalid pipeline: ${parsed.reason}`,
      200,
    );
  }

  /** The items of a list answer that pass `schema`; each one that does not is skipped and counted. */
  private validItems<S extends v.GenericSchema>(
    items: unknown[],
    schema: S,
    kind: "pipeline" | "repo",
  ): v.InferOutput<S>[] {
    const out: v.InferOutput<S>[] = [];
    for (const item of items) {
      const parsed = v.safeParse(schema, item);
      if (parsed.success) out.push(parsed.output);
      else this.opts.onInvalid?.(kind);
    }
    return out;
  }

  /** `path` holds its query, already serialised (errors name the request by it). */
  private async getJson<S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> {
    const what = `GET /${path}`;
    let res: Response;
    try {
      // The query goes into the path, already serialised (the same bytes ky's `searchParams` would
      // append): ky's `searchParams` re-parses the URL and rebuilds the Request, ~15 µs a request
      // (issue 6: a backfill of 1M pipelines is ~13,500 requests).
      res = await this.http.get(this.base + path);
    } catch (e) {
      throw describeFailure(what, e, this.opts.timeoutMs, this.host, this.opts.tokenSetting ?? "WOODPECKER_TOKEN");
    }
    const type = res.headers.get("content-type") ?? "";
    if (!type.includes("application/json")) {
      await res.body?.cancel();
      throw new WoodpeckerError(
        `${what}: expected JSON, got ${type || "no content type"} (is WOODPECKER_URL the server's root URL?)`,
        res.status,
      );
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new WoodpeckerError(`${what}: response is not valid JSON`, res.status);
    }
    const parsed = v.safeParse(schema, body);
    if (!parsed.success) {
      throw new WoodpeckerError(`${what}: unexpected response: ${describeIssues(parsed.issues)}`, res.status);
    }
    return parsed.output;
  }
}

function describeFailure(
  what: string,
  e: unknown,
  timeoutMs: number,
  host: string,
  tokenSetting: string,
): WoodpeckerError {
  if (e instanceof HTTPError) {
    const status = e.response.status;
    const hint =
      status === 401
        ? ` (token rejected: check ${tokenSetting})`
        : status === 403
          ? " (not allowed: DORA_ADMIN_REPOS needs an admin token)"
          : "";
    return new WoodpeckerError(`${what}: HTTP ${status}${hint}`, status);
  }
  // No answer at all: the path alone does not say which server was tried (a wrong host or port in
  // WOODPECKER_URL is the usual cause), so these name it.
  if (e instanceof TimeoutError) return new WoodpeckerError(`${what}: no response from ${host} within ${timeoutMs} ms`);
  const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return new WoodpeckerError(`${what}: cannot reach ${host}: ${cause}`);
}
