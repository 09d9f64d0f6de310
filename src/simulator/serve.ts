// The simulated Woodpecker's HTTP face, composed where it is served: `faults(log(handler))`, the
// request log inside the faults (it records what reached the server). In process, `simulatorFetch`
// is the same composition as a fetch for the exporter's client; `serveSimulator` serves it over
// real HTTP (the demo, the e2e tests). Port 0 lets the OS pick a free port so parallel test files
// never collide.
import { createWoodpeckerHandler, type Handler } from "./api.ts";
import { faults, type FaultInjector } from "./faults.ts";
import { log, type RequestLogEntry } from "./log.ts";
import type { SimulatedWoodpecker } from "./woodpecker.ts";

export interface ComposeOptions {
  /** Where each request that reached the server is recorded; default a fresh array. */
  readonly requests?: RequestLogEntry[];
  /** Fault rules in front of the server; absent: a well-behaved server. */
  readonly faults?: FaultInjector;
}

/** A fetch-shaped function (give it to a client as its `fetch`; it takes a Request as well). */
export type InProcessFetch = (input: string | URL | Request, init?: RequestInit) => Response | Promise<Response>;

/** `faults(log(handler))` over `sim`, for calling in process (a network fault is a thrown TypeError). */
export function simulatorFetch(sim: SimulatedWoodpecker, opts: ComposeOptions = {}): InProcessFetch {
  const handler = compose(sim, opts, false);
  return (input, init) =>
    handler(input instanceof Request ? input : new Request(input instanceof URL ? input.href : input, init));
}

function compose(sim: SimulatedWoodpecker, opts: ComposeOptions, served: boolean): Handler {
  const logged = log(createWoodpeckerHandler(sim), opts.requests ?? []);
  return opts.faults ? faults(logged, opts.faults, { served }) : logged;
}

export interface ServeOptions extends ComposeOptions {
  hostname?: string;
  port?: number;
}

export interface ServedSimulator {
  /** Base URL including the simulator's root path, without a trailing slash. */
  readonly url: string;
  /** Every request that reached the server, in order (faulted ones are in `faults.injected`). */
  readonly requests: RequestLogEntry[];
  /** Stop listening: new connections are refused until `up()`. Open connections are closed. */
  down(): void;
  /** Listen again on the same port. */
  up(): void;
  stop(): void;
}

export function serveSimulator(sim: SimulatedWoodpecker, opts: ServeOptions = {}): ServedSimulator {
  const hostname = opts.hostname ?? "127.0.0.1";
  const requests = opts.requests ?? [];
  const fetch = compose(sim, { requests, faults: opts.faults }, true);
  let server: ReturnType<typeof Bun.serve> | null = Bun.serve({
    hostname,
    port: opts.port ?? 0,
    fetch,
    idleTimeout: 0,
  });
  const port = server.port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const down = () => {
    void server?.stop(true);
    server = null;
  };
  return {
    url: `http://${host}:${port}${sim.rootPath}`,
    requests,
    down,
    up() {
      server ??= Bun.serve({ hostname, port, fetch, idleTimeout: 0 });
    },
    stop: down,
  };
}
