// Fault injection for the simulated ArgoCD: what goes wrong between an exporter and a real
// server or the proxies in front of it. A wrapper around any handler: `faults(log(handle), f)`.
// Rules are matched in order against each request; the first that applies replaces (or alters)
// the normal answer. Rules can skip the first matches and apply a limited number of times.
import { grpcError, type Handler } from "./handle.ts";
import type { Json } from "./state.ts";

export type ArgoCDFault =
  /** A grpc-gateway JSON error, e.g. 403 `permission denied`. */
  | { readonly kind: "grpc-error"; readonly status: number; readonly code: number; readonly message: string }
  /** 200 text/html: a login page of a proxy, a wrong ARGOCD_URL. */
  | { readonly kind: "html" }
  /** Any status with a text body (a proxy's 502, …). */
  | { readonly kind: "text"; readonly status: number; readonly body: string }
  /** Headers, then the connection breaks mid-body. */
  | { readonly kind: "reset" }
  /** Never answers until the client gives up. */
  | { readonly kind: "hang" }
  /** One app of a list answer (index `item`, default 0) is changed by `mutate`. */
  | { readonly kind: "malformed-app"; readonly item?: number; readonly mutate: (app: Json) => void }
  /** The normal stream, with `text` sent first (garbage framing, invalid JSON, an `{"error"}` message). */
  | { readonly kind: "stream-prefix"; readonly text: string }
  /** 401 whose message echoes the request's Authorization header, as a careless proxy might. */
  | { readonly kind: "echo-token" };

export interface ArgoCDFaultRule {
  /** Matched against the path (RegExp) or the URL (function); absent: every request. */
  readonly match?: RegExp | ((url: URL) => boolean);
  readonly fault: ArgoCDFault;
  readonly skip?: number;
  readonly times?: number;
}

interface Live {
  readonly rule: ArgoCDFaultRule;
  seen: number;
  applied: number;
}

export class ArgoCDFaults {
  /** Every fault applied, in order. */
  readonly injected: { readonly path: string; readonly fault: ArgoCDFault["kind"] }[] = [];
  private rules: Live[] = [];

  add(rule: ArgoCDFaultRule): { applied: () => number; remove: () => void } {
    const live: Live = { rule, seen: 0, applied: 0 };
    this.rules.push(live);
    return { applied: () => live.applied, remove: () => (this.rules = this.rules.filter((r) => r !== live)) };
  }

  clear(): void {
    this.rules = [];
  }

  pick(url: URL): ArgoCDFault | undefined {
    for (const live of this.rules) {
      const { match } = live.rule;
      if (match && !(match instanceof RegExp ? match.test(url.pathname) : match(url))) continue;
      live.seen++;
      if (live.seen <= (live.rule.skip ?? 0)) continue;
      if (live.rule.times !== undefined && live.applied >= live.rule.times) continue;
      live.applied++;
      this.injected.push({ path: url.pathname, fault: live.rule.fault.kind });
      return live.rule.fault;
    }
    return undefined;
  }
}

const enc = new TextEncoder();

export function faults(handler: Handler, f: ArgoCDFaults): Handler {
  return async (req) => {
    const fault = f.pick(new URL(req.url));
    if (!fault) return handler(req);
    switch (fault.kind) {
      case "grpc-error":
        return grpcError(fault.status, fault.code, fault.message);
      case "html":
        return new Response(
          "<!doctype html><html><head><title>Sign in</title></head><body><form></form></body></html>\n",
          {
            status: 200,
            headers: { "Content-Type": "text/html; charset=utf-8" },
          },
        );
      case "text":
        return new Response(fault.body, {
          status: fault.status,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      case "reset":
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(enc.encode('{"metadata":'));
              c.error(new Error("connection reset"));
            },
          }),
          { status: 200, headers: { "Content-Type": "application/json" } },
        );
      case "hang":
        return new Promise<Response>((_, reject) => {
          const abort = () => reject(req.signal.reason ?? new DOMException("aborted", "AbortError"));
          if (req.signal.aborted) abort();
          else req.signal.addEventListener("abort", abort, { once: true });
        });
      case "echo-token": {
        const message = `invalid session: cannot verify ${req.headers.get("Authorization") ?? ""}`;
        return grpcError(401, 16, message);
      }
      case "malformed-app": {
        const res = await handler(req);
        const body = (await res.json()) as { items?: Json[] | null };
        const item = body.items?.[Math.min(fault.item ?? 0, (body.items?.length ?? 1) - 1)];
        if (item) fault.mutate(item);
        return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
      }
      case "stream-prefix": {
        const res = await handler(req);
        const inner = res.body;
        if (!inner) return res;
        const reader = inner.getReader();
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(enc.encode(fault.text));
          },
          async pull(c) {
            const { done, value } = await reader.read();
            if (done) c.close();
            else c.enqueue(value);
          },
          cancel(reason) {
            return reader.cancel(reason);
          },
        });
        return new Response(body, { status: res.status, headers: res.headers });
      }
    }
  };
}
