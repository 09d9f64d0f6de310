// Where the history read begins (DEFINITIONS "Window gauges": the origin of the coverage ratio):
// DORA_SINCE when set, else the lowest `created` of any pipeline read. A pipeline "read" is one the
// exporter keeps (an event its rules need): the same on every server, whether or not it filters
// the listing by event (docs/READINGS.md).
import type { Poller } from "./poller.ts";

/** Unix seconds; null when DORA_SINCE is unset and nothing has been read yet. */
export function historyOrigin(poller: Poller, since: number): number | null {
  if (since > 0) return since;
  let origin: number | null = null;
  for (const r of poller.repos.values()) {
    const m = r.history.minCreated;
    if (m !== null && (origin === null || m < origin)) origin = m;
  }
  return origin;
}
