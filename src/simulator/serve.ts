// Serving a simulator over real HTTP (the demo, and tests that exercise the exporter's HTTP client
// end to end). Port 0 lets the OS pick a free port so parallel test files never collide.

import type { SimulatedWoodpecker } from "./woodpecker.ts";

export interface ServeOptions {
  hostname?: string;
  port?: number;
}

export interface ServedSimulator {
  /** Base URL including the simulator's root path, without a trailing slash. */
  url: string;
  stop(): void;
}

export function serveSimulator(sim: SimulatedWoodpecker, opts: ServeOptions = {}): ServedSimulator {
  const hostname = opts.hostname ?? "127.0.0.1";
  const server = Bun.serve({ hostname, port: opts.port ?? 0, fetch: sim.fetch });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.port}${sim.rootPath}`,
    stop: () => void server.stop(true),
  };
}
