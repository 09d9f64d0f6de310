// Incidents and time to restore of one (repo, target) (DEFINITIONS "Time to restore").
//
// Only the order of attempts matters here, so the caller sorts them (time, number, id) and this
// walk stays a single pass. Time to restore is taken from attempt times in that order, so it is
// never negative: the closing success sorts at or after the failure that opened the incident.
import type { Attempt, Incident } from "./state.ts";

export interface IncidentWalk {
  /** Oldest first; at most the last one is open. */
  readonly incidents: readonly Incident[];
  /** Open time of the incident still open after the last attempt, 0 when healthy. */
  readonly failingSince: number;
  /** Close time − open time of each closed incident, in incident order. */
  readonly restoreSeconds: readonly number[];
}

/** Walk attempts already in definition order. */
export function walkIncidents(attempts: readonly Attempt[]): IncidentWalk {
  const incidents: Incident[] = [];
  const restoreSeconds: number[] = [];
  let open = null as Incident | null;
  for (const a of attempts) {
    if (!a.success) {
      // A failure while healthy (or as the very first attempt) opens an incident; further
      // failures only extend it, they do not restart the clock.
      open =
        open === null
          ? { openedAt: a.time, openedBy: a.number, lastFailureAt: a.time, closedAt: null, closedBy: null, failures: 1 }
          : { ...open, lastFailureAt: a.time, failures: open.failures + 1 };
      continue;
    }
    if (open !== null) {
      incidents.push({ ...open, closedAt: a.time, closedBy: a.number });
      restoreSeconds.push(Math.max(0, a.time - open.openedAt));
      open = null;
    }
  }
  if (open !== null) incidents.push(open);
  return { incidents, failingSince: open === null ? 0 : open.openedAt, restoreSeconds };
}
