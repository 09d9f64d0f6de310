// The poller's own account of its cycles, read by the health metrics, the status API and the page.

export interface PollStatus {
  /** Whether the last finished cycle completed correctly; null before the first one ends. */
  lastCycleOk: boolean | null;
  /** Unix ms when the running cycle started; null when idle. */
  cycleStartedAt: number | null;
  lastSuccessAt: number; // Unix seconds, 0 = never
  lastDurationSeconds: number;
  trackedRepos: number;
  backfillComplete: boolean;
  /** The first problem of the last finished cycle (one line, as the client words it); null when it completed. */
  lastProblem: string | null;
}
