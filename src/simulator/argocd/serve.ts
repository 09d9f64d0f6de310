// Serving the simulated ArgoCD over real HTTP, composed as `faults(log(handle))`. Port 0 lets the
// OS pick a free port; idle timeouts are off because watch streams are held open for long.
import { ArgoCDFaults, faults } from "./faults.ts";
import { createArgoCDHandler, type ArgoCDHandler } from "./handle.ts";
import { log, type ArgoCDRequestLogEntry } from "./log.ts";
import type { ArgoCDState } from "./state.ts";

export interface ServedArgoCD {
  /** Base URL including the root path, without a trailing slash. */
  readonly url: string;
  readonly faults: ArgoCDFaults;
  readonly requests: ArgoCDRequestLogEntry[];
  readonly handler: ArgoCDHandler;
  stop(): void;
}

export function serveArgoCD(state: ArgoCDState, opts: { hostname?: string; port?: number } = {}): ServedArgoCD {
  const hostname = opts.hostname ?? "127.0.0.1";
  const handler = createArgoCDHandler(state);
  const requests: ArgoCDRequestLogEntry[] = [];
  const f = new ArgoCDFaults();
  const server = Bun.serve({ hostname, port: opts.port ?? 0, idleTimeout: 0, fetch: faults(log(handler, requests), f) });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.port}${state.rootPath}`,
    faults: f,
    requests,
    handler,
    stop() {
      handler.closeStreams();
      void server.stop(true);
    },
  };
}
