// The DORA state of one repo, as ../shared/dora/DEFINITIONS.md describes it. Produced by the pure
// core (`computeRepoDora`), consumed by the metrics renderer, the API and the report.

/** Which deployment rules decided what counts for a repo. */
export type RuleMode =
  /** Default 1: the repo has `deployment` pipelines; only those count, target = deploy_to or `default`. */
  | "deployment-events"
  /** Default 2: `push` pipelines on the default branch count, target `production`. */
  | "default-branch-push"
  /** A user rule block from the config file matched the repo. */
  | "rules"
  /**
   * Default 2 withdrawn: an ArgoCD app maps to the repo, so its pushes are builds, not
   * deployments; its attempts come from ArgoCD (DEFINITIONS "ArgoCD deployments").
   */
  | "argocd-builds";

export interface Attempt {
  /** 0 for an ArgoCD attempt. */
  readonly pipelineId: number;
  /** Pipeline number; for an ArgoCD attempt its history id (deployment, degradation) or 0 (failed sync). */
  readonly number: number;
  /** finished, else updated, else created (Unix seconds). */
  readonly time: number;
  readonly success: boolean;
  /** ArgoCD attempts only: the app's `<project>/<name>`. */
  readonly app?: string;
}

export interface Incident {
  /** Time of the failed attempt that opened it. */
  readonly openedAt: number;
  readonly openedBy: number; // pipeline number
  /** Time of the latest failed attempt while it was open. */
  readonly lastFailureAt: number;
  /** Time of the successful attempt that closed it; null while open. */
  readonly closedAt: number | null;
  readonly closedBy: number | null; // pipeline number
  readonly failures: number;
  /** Present when an ArgoCD event opened it: the app's `<project>/<name>` (openedBy is then its `number`). */
  readonly openedByApp?: string;
  /**
   * Present when an ArgoCD event closed it: the app; `closedByRestore` when that event was a health
   * restore (Healthy) rather than a successful deployment.
   */
  readonly closedByApp?: string;
  readonly closedByRestore?: boolean;
}

export interface LeadTimeObservation {
  /** The successful deployment that delivered the change. */
  readonly deploymentNumber: number;
  readonly deployedAt: number;
  /** Number of the change's earliest push pipeline; null when the source was missing. */
  readonly changeNumber: number | null;
  readonly seconds: number;
}

/** Why a successful deployment is rework, first that holds in this order (DEFINITIONS "The fifth key"). */
export type ReworkReason = "rollback" | "revert" | "hotfix" | "rule";

export const REWORK_REASONS: readonly ReworkReason[] = ["rollback", "revert", "hotfix", "rule"];

export interface ReworkObservation {
  /** The successful deployment that is rework. */
  readonly deploymentNumber: number;
  readonly deployedAt: number;
  readonly reason: ReworkReason;
}

export interface TargetState {
  readonly target: string;
  /** Deployment attempts in definition order (time, then number). */
  readonly attempts: readonly Attempt[];
  readonly deployments: number;
  readonly failures: number;
  /** 0 when there is no such event. */
  readonly lastSuccessAt: number;
  readonly lastFailureAt: number;
  /** Every incident, oldest first; at most the last one is open. */
  readonly incidents: readonly Incident[];
  /** Open time of the open incident, 0 when healthy. */
  readonly failingSince: number;
  /** Time to restore of every closed incident, in incident order (seconds). */
  readonly restoreSeconds: readonly number[];
  readonly leadTimes: readonly LeadTimeObservation[];
  readonly leadTimeSourceMissing: number;
  /** Successful deployments that are rework, in attempt order; each deployment at most once. */
  readonly rework: readonly ReworkObservation[];
}

export interface RepoState {
  readonly repoId: number;
  readonly mode: RuleMode;
  /** Only targets with at least one deployment attempt, sorted by target name. */
  readonly targets: readonly TargetState[];
}
