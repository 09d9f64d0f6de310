// Timing of simulated activity. The history generator and the live demo run the same flows
// (flows.ts); only these durations differ: realistic minutes and hours for a history, seconds
// for a demo someone is watching.

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

export const LIVE_PACE: Pace = {
  queue: [1, 4],
  ciRun: [8, 30],
  deployRun: [6, 20],
  approval: [5, 20],
  pushGap: [10, 40],
  merge: [15, 60],
  staging: [3, 10],
  restart: [20, 60],
  fixForward: [30, 90],
  rollback: [30, 90],
};
