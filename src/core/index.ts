// The public API of the pure DORA core. Other layers import from here, not from the modules.
export { computeRepoDora, existingPipelines, attemptOutcome, attemptTime } from "./dora.ts";
export { mergePipeline, compareSnapshots } from "./merge.ts";
export { classify, resolveMode, matchRule, ruleMatches, DEFAULT_BRANCH_PLACEHOLDER, type Resolution } from "./rules.ts";
export { walkIncidents, type IncidentWalk } from "./incidents.ts";
export {
  buildLeadTimeIndex,
  leadTimesForTarget,
  sourceOf,
  parentOf,
  type Change,
  type LeadTimeIndex,
  type DeliveredBy,
  type TargetLeadTimes,
} from "./leadtime.ts";
export { TERMINAL_STATUSES, isTerminal, type Pipeline, type Repo, type DeploymentRule, type RepoRules, type CoreOptions } from "./model.ts";
export type { RuleMode, Attempt, Incident, LeadTimeObservation, TargetState, RepoState } from "./state.ts";
export { globMatch, globToRegExp, GlobError } from "./glob.ts";
