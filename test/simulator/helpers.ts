// Shared helpers for the simulator tests: a sim on a virtual clock and a one-line GET.

import { SimulatedWoodpecker, simulatorFetch, type SimulatedWoodpeckerOptions } from "../../src/simulator/index.ts";

export const TOKEN = "test-token";
export const T0 = 1_787_000_000;

export interface Clock {
  t: number;
}

export function makeSim(opts: Partial<SimulatedWoodpeckerOptions> = {}): { sim: SimulatedWoodpecker; clock: Clock } {
  const clock: Clock = { t: T0 };
  const sim = new SimulatedWoodpecker({ token: TOKEN, now: () => clock.t, ...opts });
  return { sim, clock };
}

export interface Got {
  status: number;
  type: string | null;
  version: string | null;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
}

/** GET `path` through the fetch handler; `token` null = no Authorization header. */
export async function get(
  sim: SimulatedWoodpecker,
  path: string,
  token: string | null = TOKEN,
  method = "GET",
): Promise<Got> {
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  const res = await simulatorFetch(sim)(new Request(`http://sim.test${path}`, { method, headers }));
  const text = await res.text();
  const type = res.headers.get("Content-Type");
  return {
    status: res.status,
    type,
    version: res.headers.get("X-WOODPECKER-VERSION"),
    text,
    json: type?.startsWith("application/json") ? JSON.parse(text) : undefined,
  };
}

export type Item = Record<string, unknown>;

export async function list(
  sim: SimulatedWoodpecker,
  repoId: number,
  query = "",
  token: string | null = TOKEN,
): Promise<Item[]> {
  const r = await get(sim, `/api/repos/${repoId}/pipelines${query}`, token);
  if (r.status !== 200) throw new Error(`list ${repoId}${query}: ${r.status}`);
  return r.json as Item[];
}

/** A repo with `n` push pipelines on main, one per minute of virtual time. */
export function repoWithPushes(
  sim: SimulatedWoodpecker,
  clock: Clock,
  n: number,
  input: Parameters<SimulatedWoodpecker["addRepo"]>[0] = {},
) {
  const repo = sim.addRepo({ full_name: "acme/api", allow_deploy: true, ...input });
  for (let i = 0; i < n; i++) {
    clock.t += 60;
    sim.addPipeline(repo.id, { event: "push" });
  }
  return repo;
}
