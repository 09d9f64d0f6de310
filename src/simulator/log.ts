// Request log of the simulated Woodpecker: a wrapper around any handler, recording what was asked
// and answered (tests count e.g. list calls per poll). Inside `faults(...)`, it records only the
// requests that reached the server.
import type { Handler } from "./api.ts";

export interface RequestLogEntry {
  method: string;
  /** Full request path as received (including any root path). */
  path: string;
  query: Record<string, string>;
  status: number;
}

export function log(handler: Handler, entries: RequestLogEntry[]): Handler {
  const record = (req: Request, res: Response): Response => {
    const url = new URL(req.url);
    entries.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: res.status,
    });
    return res;
  };
  return (req) => {
    const res = handler(req);
    return res instanceof Promise ? res.then((r) => record(req, r)) : record(req, res);
  };
}
