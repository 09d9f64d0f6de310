// The poller's own account of its cycles, read by the health metrics, the status API and the page.

export interface PollStatus {
  /** Whether the last finished cycle completed correctly; null before the first one ends. */
  lastCycleOk: boolean | null;
  /** Unix ms when the running cycle started; null when idle. */
  cycleStartedAt: number | null;
  lastSuccessAt: number; // Unix seconds, 0 = never
  lastDurationSeconds: number;
  trackedRepos: number;
  /** Active repos the token sees, before DORA_REPOS and DORA_SHARD: says why none is tracked. */
  listedRepos: number;
  /** The first problem of the last cycle; null when it completed. */
  lastProblem: string | null;
  /** Unix seconds when the current run of failed cycles began; null while cycles complete. */
  failingSince: number | null;
  backfillComplete: boolean;
}
