// What the pages show, derived from the poller's state at request time (cheap: no recomputation).

export interface TargetView {
  readonly repo: string;
  readonly deployTo: string;
  readonly deployments: number;
  readonly failures: number;
  readonly restored: number;
  readonly failingSince: number;
}

export interface ExporterView {
  readonly demo: boolean;
  readonly version: string;
  readonly up: boolean;
  readonly lastPollSuccess: number;
  readonly backfillComplete: boolean;
  readonly trackedRepos: number;
  readonly targets: readonly TargetView[];
}
