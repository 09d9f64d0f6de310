// Fault injection for the simulated Woodpecker: everything that goes wrong between an exporter
// and a real server, switchable per request pattern and over time. A wrapper around any handler:
// `faults(log(handler), injector)` (serve.ts).
//
// A `FaultInjector` holds rules. Each request the simulator receives is matched against them in
// order; the first active rule that matches decides what happens instead of (or around) the
// normal answer. Rules can be limited to the first N matching requests, skip the first M, be
// switched on and off, or fire with a probability (seeded, so runs replay). State mutations that
// happen *while* the exporter pages (new pipelines, deletions) are rules with an `action` that
// runs just before the request is answered.
//
// In process (tests wire the client's `fetch` to the composed handler) "connection refused/reset"
// is a thrown TypeError, exactly what `fetch` does on a network failure. Served over HTTP
// (`served`), a reset is a response whose body errors after the headers (the socket is closed
// mid-response) and "refused" is the listener being closed (serve.ts `down()` / `up()`).
import type { Handler } from "./api.ts";
import { mulberry32 } from "./prng.ts";

export type Fault =
  /** An HTTP error with an empty body (gin's AbortWithStatus); 429/503 optionally with Retry-After (seconds). */
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: number }
  /** No HTTP answer at all. */
  | { readonly kind: "refused" }
  | { readonly kind: "reset" }
  /** Never answers (until the client gives up, or `maxMs`, then 503). */
  | { readonly kind: "hang"; readonly maxMs?: number }
  /** Answers normally after `ms`. */
  | { readonly kind: "slow"; readonly ms: number }
  /** 200 with the web UI's HTML, as Woodpecker answers any path it does not know. */
  | { readonly kind: "html" }
  /** 200 application/json whose body is cut in the middle. */
  | { readonly kind: "truncated" }
  /** 200 application/json that is not JSON. */
  | { readonly kind: "invalid-json" }
  /** One object of the answer (item `item` of a list, default 0) gets a field of the wrong type. */
  | { readonly kind: "wrong-types"; readonly item?: number }
  /** One object of the answer loses required fields (`event`, `status`; `full_name` for repos). */
  | { readonly kind: "missing-fields"; readonly item?: number }
  /** Every pipeline object uses the 2.x time keys (`created_at`, ...): valid, just older. */
  | { readonly kind: "v2-keys" }
  /** Every object gets unknown fields, as newer servers send: valid. */
  | { readonly kind: "extra-fields" }
  /** The token was revoked: the request goes on as anonymous (Woodpecker does not reject bad tokens). */
  | { readonly kind: "revoked" }
  /** Nothing goes wrong; only the rule's `action` runs (page shift, deletion while paging). */
  | { readonly kind: "none" };

export type RequestMatcher = RegExp | ((url: URL, req: Request) => boolean);

export interface FaultRule {
  /** Matched against the path (RegExp) or the URL and request (function). Absent: every request. */
  readonly match?: RequestMatcher;
  readonly fault: Fault;
  /** Let this many matching requests through untouched first. */
  readonly skip?: number;
  /** Apply to at most this many matching requests (after `skip`); absent: no limit. */
  readonly times?: number;
  /** Apply with this probability (seeded by the injector); default 1. */
  readonly probability?: number;
  /** Runs before the request is answered, each time the rule applies (e.g. add pipelines: page shift). */
  readonly action?: (url: URL) => void;
  /** Over time: the rule applies only while this returns true. */
  readonly when?: () => boolean;
}

export interface InjectedFault {
  readonly path: string;
  readonly fault: Fault["kind"];
}

export interface RuleHandle {
  /** Matching requests the rule applied to so far. */
  readonly applied: () => number;
  remove(): void;
}

interface LiveRule {
  readonly rule: FaultRule;
  seen: number;
  applied: number;
  removed: boolean;
}

/** A network failure the way `fetch` reports it. */
export class SimulatedNetworkError extends TypeError {}

export class FaultInjector {
  /** Every fault applied, in order (tests assert a scenario really happened). */
  readonly injected: InjectedFault[] = [];
  private rules: LiveRule[] = [];
  private readonly random: () => number;
  private enabled = true;

  constructor(seed = 1) {
    this.random = mulberry32(seed);
  }

  add(rule: FaultRule): RuleHandle {
    const live: LiveRule = { rule, seen: 0, applied: 0, removed: false };
    this.rules.push(live);
    return {
      applied: () => live.applied,
      remove: () => {
        live.removed = true;
        this.rules = this.rules.filter((r) => r !== live);
      },
    };
  }

  /** Remove every rule: "the faults stop". */
  clear(): void {
    for (const r of this.rules) r.removed = true;
    this.rules = [];
  }

  /** Switch all rules off/on without forgetting them. */
  setEnabled(on: boolean): void {
    this.enabled = on;
  }

  get active(): number {
    return this.enabled ? this.rules.length : 0;
  }

  /** The rule that decides `req` (counted as applied), or undefined: the normal answer. */
  decide(url: URL, req: Request): FaultRule | undefined {
    const live = this.enabled ? this.pick(url, req) : undefined;
    if (!live) return undefined;
    this.injected.push({ path: url.pathname, fault: live.rule.fault.kind });
    return live.rule;
  }

  private pick(url: URL, req: Request): LiveRule | undefined {
    for (const live of this.rules) {
      const { rule } = live;
      if (live.removed) continue;
      if (rule.when && !rule.when()) continue;
      if (rule.match && !(rule.match instanceof RegExp ? rule.match.test(url.pathname) : rule.match(url, req)))
        continue;
      live.seen++;
      if (live.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && live.applied >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      live.applied++;
      return live;
    }
    return undefined;
  }
}

/**
 * `handler` behind `injector`'s rules. `served`: answered over a real socket (serve.ts), where a
 * reset or refusal is a body that breaks off rather than a thrown TypeError.
 */
export function faults(handler: Handler, injector: FaultInjector, opts: { served?: boolean } = {}): Handler {
  const served = opts.served ?? false;
  return (req) => {
    const url = new URL(req.url);
    const rule = injector.decide(url, req);
    if (!rule) return handler(req);
    rule.action?.(url);
    return apply(rule.fault, req, handler, served);
  };
}

function apply(fault: Fault, req: Request, next: Handler, served: boolean): Response | Promise<Response> {
  switch (fault.kind) {
    case "none":
      return next(req);
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
      return new Response(null, { status: fault.status, headers });
    }
    case "refused":
      // Served, a single refused request cannot be staged per request (use `down()`): reset it.
      if (!served) throw new SimulatedNetworkError("Unable to connect. Is the computer able to access the url?");
      return brokenBody();
    case "reset":
      if (!served) throw new SimulatedNetworkError("The socket connection was closed unexpectedly.");
      return brokenBody();
    case "hang":
      return new Promise<Response>((resolve, reject) => {
        const timer = setTimeout(() => resolve(new Response(null, { status: 503 })), fault.maxMs ?? 120_000);
        const abort = () => {
          clearTimeout(timer);
          reject(req.signal.reason ?? new DOMException("aborted", "AbortError"));
        };
        if (req.signal.aborted) abort();
        else req.signal.addEventListener("abort", abort, { once: true });
      });
    case "slow":
      return Bun.sleep(fault.ms).then(() => next(req));
    case "html":
      return new Response(
        "<!doctype html>\n<html " +
          'lang="en"><head><title>Woodpecker</title></head><body><div id="app"></div></body></html>\n',
        {
          status: 200,
          headers: { "Content-Type": "text/html; charset=utf-8" },
        },
      );
    case "truncated":
      return rewriteText(next(req), (text) => text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    case "invalid-json":
      return rewriteText(next(req), () => '{"id": 1,, "number": }');
    case "wrong-types":
      return rewriteJson(next(req), (body) => corruptOne(body, fault.item ?? 0, wrongTypes));
    case "missing-fields":
      return rewriteJson(next(req), (body) => corruptOne(body, fault.item ?? 0, missingFields));
    case "v2-keys":
      return rewriteJson(next(req), (body) => forEachObject(body, v2Keys));
    case "extra-fields":
      return rewriteJson(next(req), (body) => forEachObject(body, extraFields));
    case "revoked": {
      const headers = new Headers(req.headers);
      headers.delete("Authorization");
      return next(new Request(req.url, { method: req.method, headers, signal: req.signal }));
    }
  }
}

/** Headers, then the connection breaks mid-body. */
function brokenBody(): Response {
  return new Response(
    new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"id":'));
        c.error(new Error("connection reset"));
      },
    }),
    { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" } },
  );
}

function rewriteText(answer: Response | Promise<Response>, fn: (text: string) => string): Promise<Response> | Response {
  if (answer instanceof Promise) return answer.then((res) => rewriteText(res, fn));
  const res = answer;
  if (!(res.headers.get("content-type") ?? "").includes("application/json")) return res;
  return res.text().then((text) => new Response(fn(text), { status: res.status, headers: res.headers }));
}

function rewriteJson(res: Response | Promise<Response>, fn: (body: unknown) => unknown): Promise<Response> | Response {
  return rewriteText(res, (text) => JSON.stringify(fn(JSON.parse(text))));
}

type Obj = Record<string, unknown>;

function corruptOne(body: unknown, item: number, fn: (o: Obj) => void): unknown {
  if (Array.isArray(body)) {
    const o = body[Math.min(item, body.length - 1)];
    if (o && typeof o === "object") fn(o as Obj);
  } else if (body && typeof body === "object") fn(body as Obj);
  return body;
}

function forEachObject(body: unknown, fn: (o: Obj) => void): unknown {
  if (Array.isArray(body)) for (const o of body) if (o && typeof o === "object") fn(o as Obj);
  if (body && typeof body === "object" && !Array.isArray(body)) fn(body as Obj);
  return body;
}

/** The `number` (and `id`) stay intact so a client can still say which object was bad. */
function wrongTypes(o: Obj): void {
  if ("full_name" in o) o.full_name = 42;
  if ("created" in o) o.created = "2026-01-01T00:00:00Z";
  if ("status" in o) o.status = 3;
}

function missingFields(o: Obj): void {
  delete o.event;
  delete o.status;
  delete o.full_name;
}

function v2Keys(o: Obj): void {
  if (!("number" in o)) return;
  for (const k of ["created", "updated", "started", "finished", "reviewed"]) {
    if (k in o) {
      o[`${k}_at`] = o[k];
      delete o[k];
    }
  }
}

function extraFields(o: Obj): void {
  o.cancel_info = { canceled_by: "someone", superseded_by: 0 };
  o.tag_title = "";
  o.x_future_field = [1, 2, 3];
}
