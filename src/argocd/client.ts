// The ArgoCD REST client: ky with timeouts and jittered backoff, every answer checked for a JSON
// content type (a login page or proxy answering HTML is an error, not an empty list) and validated
// with valibot; grpc-gateway's JSON errors (`{"error", "code", "message"}`) are read into one line.
// The token only ever travels in the Authorization header; any text a server sends back is
// scrubbed of it before it can reach an error message.
import { HTTPError, TimeoutError, type KyInstance } from "ky";
import * as v from "valibot";
import { redact } from "../util/redact.ts";
import { describeIssues } from "../util/valibot-issues.ts";
import { jsonHttp, type JsonHttpOptions } from "../util/http.ts";
import { ApplicationListSchema, GatewayErrorSchema, VersionSchema, parseApplication, type ArgoApp } from "./schemas.ts";

export class ArgoCDError extends Error {
  constructor(
    message: string,
    /** HTTP status when the server answered, else undefined. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** `baseUrl`: the server root (ArgoCD's `--rootpath` included); `/api/...` is appended. */
export type ArgoCDClientOptions = JsonHttpOptions;

export interface ListQuery {
  /** A Kubernetes label selector, passed through (`ARGOCD_SELECTOR`). */
  readonly selector?: string;
}

/** An app of an answer that failed validation: skipped, counted, named when it has a name. */
export interface InvalidApp {
  readonly name?: string;
  readonly reason: string;
}

export interface AppList {
  readonly apps: ArgoApp[];
  readonly invalid: InvalidApp[];
  readonly resourceVersion: string;
}

/** What each HTTP status of ArgoCD means for the exporter's operator. */
const HINTS: Record<number, string> = {
  401: "token rejected: check ARGOCD_TOKEN",
  403: "permission denied: the token's account needs RBAC `applications, get`",
  404: "not found: is ARGOCD_URL the server's root URL, with its --rootpath?",
};

export class ArgoCDClient {
  private readonly http: KyInstance;
  private readonly scrub: (text: string) => string;

  constructor(private readonly opts: ArgoCDClientOptions) {
    this.scrub = scrubber(opts.token);
    this.http = jsonHttp(opts);
  }

  /** `GET /api/version`: the server's version (`v3.5.1+…`), answered with or without a session. */
  async version(): Promise<string> {
    return (await this.getJson("api/version", undefined, VersionSchema)).Version;
  }

  /**
   * `GET /api/v1/applications`, whole (no `fields=`: the list cannot select `status.history` or
   * `metadata.uid`). Apps the token may not read are left out by ArgoCD itself; apps that fail
   * validation are skipped and returned in `invalid`.
   */
  async listApplications(q: ListQuery = {}): Promise<AppList> {
    const params = q.selector ? { selector: q.selector } : undefined;
    const body = await this.getJson("api/v1/applications", params, ApplicationListSchema);
    const apps: ArgoApp[] = [];
    const invalid: InvalidApp[] = [];
    for (const [i, item] of (body.items ?? []).entries()) {
      const parsed = parseApplication(item);
      if (parsed.ok) apps.push(parsed.app);
      else invalid.push({ ...(parsed.name ? { name: parsed.name } : {}), reason: `items[${i}]: ${parsed.reason}` });
    }
    return { apps, invalid, resourceVersion: body.metadata?.resourceVersion ?? "" };
  }

  /** `GET /api/v1/applications/{name}`; 403 when it does not exist or may not be read, 404 with `project`. */
  async application(name: string, q: { appNamespace?: string; project?: string } = {}): Promise<ArgoApp> {
    const params: Record<string, string> = {};
    if (q.appNamespace) params.appNamespace = q.appNamespace;
    if (q.project) params.project = q.project;
    const path = `api/v1/applications/${encodeURIComponent(name)}`;
    const raw = await this.getJson(path, Object.keys(params).length > 0 ? params : undefined, v.unknown());
    const parsed = parseApplication(raw);
    if (parsed.ok) return parsed.app;
    throw new ArgoCDError(`GET /${path}: invalid application: ${this.scrub(parsed.reason)}`, 200);
  }

  /**
   * Opens `GET /api/v1/stream/applications` as Server-Sent Events and returns the response once
   * its headers say it is a stream; reading it (and reconnecting) is `watchApplications`' job.
   * Not retried here: the watch loop reconnects with its own backoff.
   */
  async openStream(params: Record<string, string>, signal: AbortSignal): Promise<Response> {
    const query = new URLSearchParams(params).toString();
    const path = "api/v1/stream/applications";
    const what = `GET /${path}${query ? "?" + query : ""}`;
    let res: Response;
    try {
      // Exactly this Accept value: ArgoCD switches to SSE only on an exact match.
      res = await this.http.get(query ? `${path}?${query}` : path, {
        headers: { Accept: "text/event-stream" },
        retry: 0,
        signal,
      });
    } catch (e) {
      throw this.describeFailure(what, e);
    }
    const type = res.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream") && !type.includes("application/json")) {
      await res.body?.cancel().catch(() => {});
      throw new ArgoCDError(
        `${what}: expected an event stream, got ${type || "no content type"} (is ARGOCD_URL the server's root URL?)`,
        res.status,
      );
    }
    return res;
  }

  /** Scrub the token out of text that came from the server (used by the watch loop too). */
  scrubText(text: string): string {
    return this.scrub(text);
  }

  private async getJson<S extends v.GenericSchema>(
    path: string,
    params: Record<string, string> | undefined,
    schema: S,
  ): Promise<v.InferOutput<S>> {
    const query = params ? new URLSearchParams(params).toString() : "";
    const what = `GET /${path}${query ? "?" + query : ""}`;
    let res: Response;
    try {
      res = await this.http.get(query ? `${path}?${query}` : path);
    } catch (e) {
      throw this.describeFailure(what, e);
    }
    const type = res.headers.get("content-type") ?? "";
    if (!type.includes("application/json")) {
      await res.body?.cancel().catch(() => {});
      throw new ArgoCDError(
        `${what}: expected JSON, got ${type || "no content type"} (is ARGOCD_URL the server's root URL?)`,
        res.status,
      );
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      if (e instanceof TimeoutError)
        throw new ArgoCDError(`${what}: body not received within ${this.opts.timeoutMs} ms`);
      throw new ArgoCDError(`${what}: response is not valid JSON`, res.status);
    }
    const parsed = v.safeParse(schema, body);
    if (!parsed.success) {
      throw new ArgoCDError(`${what}: unexpected response: ${this.scrub(describeIssues(parsed.issues))}`, res.status);
    }
    return parsed.output;
  }

  private describeFailure(what: string, e: unknown): ArgoCDError {
    if (e instanceof HTTPError) {
      const status = e.response.status;
      const said = this.scrub(serverMessage(e.data));
      const hint = HINTS[status];
      return new ArgoCDError(`${what}: HTTP ${status}${said ? `: ${said}` : ""}${hint ? ` (${hint})` : ""}`, status);
    }
    if (e instanceof TimeoutError) return new ArgoCDError(`${what}: no response within ${this.opts.timeoutMs} ms`);
    if (e instanceof Error && e.name === "AbortError") return new ArgoCDError(`${what}: aborted`);
    const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    return new ArgoCDError(`${what}: ${this.scrub(cause)}`);
  }
}

/**
 * The message of an error body: grpc-gateway's JSON `message` (or `error`), else the first line of
 * a short text body (grpc-gateway's own routing errors are `http.Error` text), cut to 200 chars.
 */
export function serverMessage(data: unknown): string {
  let text = "";
  const parsed = v.safeParse(GatewayErrorSchema, data);
  if (parsed.success) text = parsed.output.message || parsed.output.error || "";
  else if (typeof data === "string" && !/^\s*</.test(data)) text = data;
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * A function that replaces the token, and the forms it takes when a server echoes it back in
 * JSON (`"` and `\` escaped) or in a URL, by `<redacted>`: the project's one redactor
 * (util/redact.ts). Tokens shorter than 4 characters are not scrubbed (they would blank out
 * ordinary words; such a token is no secret anyway).
 */
export function scrubber(token: string): (text: string) => string {
  return (text) => redact(text, [token]);
}
