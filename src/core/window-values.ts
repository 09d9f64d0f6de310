// What the window gauges carry (DEFINITIONS "Window gauges"), declared once: computed in
// src/view (gauges.ts from scratch, window-tracker.ts between polls) and written out by
// src/metrics/window-gauges.ts.

/** One window's values; null: no data in the window (no series, never 0 or NaN). */
export interface WindowValues {
  readonly window: string;
  /** Always a number: 0 deployments is data. */
  readonly deploymentsPerDay: number;
  readonly changeFailureRatio: number | null;
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
  readonly recoveryTimeP50Seconds: number | null;
  readonly reworkRatio: number | null;
}

export interface TargetWindowValues extends WindowValues {
  readonly repo: string;
  readonly deployTo: string;
}

export interface WindowGauges {
  /** Unix seconds: the end of every window (the exporter's last completed poll). */
  readonly now: number;
  /** Per target: sorted by repo, then target, then window (shortest first). */
  readonly targets: readonly TargetWindowValues[];
  /** Every target pooled, per window (shortest first). */
  readonly overall: readonly WindowValues[];
  /** min(1, (now − origin) / length(W)) per window; empty when there is no origin. */
  readonly coverage: readonly { readonly window: string; readonly ratio: number }[];
}
