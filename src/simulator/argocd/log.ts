// Request log of the simulated ArgoCD: a wrapper around any handler, recording what was asked
// and answered (of the headers only Accept, which picks the stream's framing: the token stays out
// of test output).
import type { Handler } from "./handle.ts";

export interface ArgoCDRequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly accept: string;
  readonly status: number;
}

export function log(handler: Handler, entries: ArgoCDRequestLogEntry[]): Handler {
  return async (req) => {
    const res = await handler(req);
    const url = new URL(req.url);
    entries.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      accept: req.headers.get("Accept") ?? "",
      status: res.status,
    });
    return res;
  };
}
