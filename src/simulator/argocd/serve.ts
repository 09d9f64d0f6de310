// Serving the simulated ArgoCD over real HTTP, composed as `faults(log(handle))`. Port 0 lets the
// OS pick a free port; idle timeouts are off because watch streams are held open for long.
// `down()` closes the listener and every stream (connections are refused), `up()` listens again
// on the same port: an API server restart as a client sees it.
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
  down(): void;
  up(): void;
  stop(): void;
}

export function serveArgoCD(state: ArgoCDState, opts: { hostname?: string; port?: number } = {}): ServedArgoCD {
  const hostname = opts.hostname ?? "127.0.0.1";
  const handler = createArgoCDHandler(state);
  const requests: ArgoCDRequestLogEntry[] = [];
  const f = new ArgoCDFaults();
  const fetch = faults(log(handler, requests), f);
  let server: ReturnType<typeof Bun.serve> | null = Bun.serve({
    hostname,
    port: opts.port ?? 0,
    idleTimeout: 0,
    fetch,
  });
  const port = server.port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const down = () => {
    handler.closeStreams();
    void server?.stop(true);
    server = null;
  };
  return {
    url: `http://${host}:${port}${state.rootPath}`,
    faults: f,
    requests,
    handler,
    down,
    up() {
      server ??= Bun.serve({ hostname, port, idleTimeout: 0, fetch });
    },
    stop: down,
  };
}
