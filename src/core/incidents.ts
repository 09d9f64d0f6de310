// Incidents and time to restore of one (repo, target) (DEFINITIONS "Time to restore", and
// "Restore" under "ArgoCD deployments").
//
// Only the order of attempts matters here, so the caller sorts them (time, number, id) and this
// walk stays a single pass. Time to restore is taken from attempt times in that order, so it is
// never negative: the closing success sorts at or after the failure that opened the incident.
// An ArgoCD health restore (turn to Healthy) is a step that is no attempt: it closes the open
// incident, whoever opened it, and does nothing while the target is healthy.
import type { Attempt, Incident } from "./state.ts";

/** A health restore between attempts. */
export interface RestoreStep {
  readonly restore: true;
  readonly time: number;
  readonly app: string;
}

export type IncidentStep = Attempt | RestoreStep;

export interface IncidentWalk {
  /** Oldest first; at most the last one is open. */
  readonly incidents: readonly Incident[];
  /** Open time of the incident still open after the last attempt, 0 when healthy. */
  readonly failingSince: number;
  /** Close time − open time of each closed incident, in incident order. */
  readonly restoreSeconds: readonly number[];
}

/** Walk attempts (and restores) already in definition order. */
export function walkIncidents(steps: readonly IncidentStep[]): IncidentWalk {
  const incidents: Incident[] = [];
  const restoreSeconds: number[] = [];
  let open = null as Incident | null;
  for (const a of steps) {
    if ("restore" in a) {
      if (open !== null) {
        incidents.push({ ...open, closedAt: a.time, closedBy: 0, closedByApp: a.app, closedByRestore: true });
        restoreSeconds.push(Math.max(0, a.time - open.openedAt));
        open = null;
      }
      continue;
    }
    if (!a.success) {
      // A failure while healthy (or as the very first attempt) opens an incident; further
      // failures only extend it, they do not restart the clock.
      open =
        open === null
          ? {
              openedAt: a.time,
              openedBy: a.number,
              lastFailureAt: a.time,
              closedAt: null,
              closedBy: null,
              failures: 1,
              ...(a.app !== undefined ? { openedByApp: a.app } : {}),
            }
          : { ...open, lastFailureAt: a.time, failures: open.failures + 1 };
      continue;
    }
    if (open !== null) {
      incidents.push({
        ...open,
        closedAt: a.time,
        closedBy: a.number,
        ...(a.app !== undefined ? { closedByApp: a.app } : {}),
      });
      restoreSeconds.push(Math.max(0, a.time - open.openedAt));
      open = null;
    }
  }
  if (open !== null) incidents.push(open);
  return { incidents, failingSince: open === null ? 0 : open.openedAt, restoreSeconds };
}
