// Shared helpers for the ArgoCD tests: a simulated ArgoCD on a virtual clock, and sightings of
// its apps as the exporter's client would parse them.
import { parseApplication, type ArgoApp } from "../../src/argocd/schemas.ts";
import { ArgoCDState, type ArgoCDStateOptions } from "../../src/simulator/argocd/state.ts";

export const T0 = 1_787_000_000;
export const TOKEN = "argocd-test-token";

export interface Clock {
  t: number;
}

export function makeArgo(opts: Partial<ArgoCDStateOptions> = {}): { state: ArgoCDState; clock: Clock } {
  const clock: Clock = { t: T0 };
  const state = new ArgoCDState({ token: TOKEN, now: () => clock.t, ...opts });
  return { state, clock };
}

/** The app as a list item, parsed by the exporter's schema (throws if the simulator sent an invalid app). */
export function sight(state: ArgoCDState, name: string): ArgoApp {
  const app = state.get(name);
  if (!app) throw new Error(`no app ${name}`);
  const parsed = parseApplication(state.json(app));
  if (!parsed.ok) throw new Error(`simulated app ${name} is invalid: ${parsed.reason}`);
  return parsed.app;
}

/** Reads a streaming response until `enough(text so far)` or `ms` pass, then cancels it. */
export async function readFor(
  res: Response,
  ms: number,
  enough: (text: string) => boolean = () => false,
): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !enough(text)) {
    const next = reader.read();
    const timer = Bun.sleep(Math.max(1, deadline - Date.now())).then(() => "timeout" as const);
    const r = await Promise.race([next, timer]);
    if (r === "timeout") break;
    if (r.done) break;
    text += dec.decode(r.value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text;
}

/** The JSON messages of an SSE text (`data: {…} ` blocks). */
export function sseMessages(text: string): unknown[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)));
}
