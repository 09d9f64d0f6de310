// Timing of simulated activity. The history generator and the live demo run the same flows
// (flows.ts) at the same rates; the demo runs them DEMO_SPEEDUP times faster, durations and
// arrivals alike, so that someone watching sees counters move while no day of the demo becomes
// unlike the days of its generated history.

export type Span = readonly [number, number];

/** Durations in seconds; history and live demo differ only here. */
export interface Pace {
  queue: Span;
  ciRun: Span;
  deployRun: Span;
  approval: Span;
  pushGap: Span;
  merge: Span;
  staging: Span;
  restart: Span;
  fixForward: Span;
  rollback: Span;
}

export const HISTORY_PACE: Pace = {
  queue: [3, 45],
  ciRun: [150, 720],
  deployRun: [60, 360],
  approval: [120, 1800],
  pushGap: [900, 7200],
  merge: [1200, 21600],
  staging: [60, 240],
  restart: [300, 2400],
  fixForward: [1800, 10800],
  rollback: [1200, 5400],
};

/**
 * How much faster than the generated history the live demo runs: one real hour of demo adds about
 * one day of the history's activity (pipelines per day, per repo), with durations shortened alike.
 */
export const DEMO_SPEEDUP = 24;

/** `pace` run `factor` times faster (whole seconds, at least 1). */
export function faster(pace: Pace, factor: number): Pace {
  const span = ([a, b]: Span): Span => [Math.max(1, Math.round(a / factor)), Math.max(1, Math.round(b / factor))];
  return Object.fromEntries(Object.entries(pace).map(([k, v]) => [k, span(v)])) as unknown as Pace;
}
