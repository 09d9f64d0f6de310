// Deployment rework (DEFINITIONS "The fifth key: rework rate (DORA 2024)").
//
// Whether a successful deployment was unplanned work because of a production problem, read from
// CI data alone. The rollback test needs the lead-time watermark, so the lead-time walk decides
// it and passes the answer in; the other reasons read the source change's branch and message.
import { globMatch } from "./glob.ts";
import type { ReworkRule } from "./model.ts";
import type { ReworkReason } from "./state.ts";

/** Source branches that make a deployment a hotfix. */
export const HOTFIX_BRANCHES: readonly string[] = ["hotfix/*", "hotfix-*"];

/** What the reasons read of one successful deployment. */
export interface ReworkFacts {
  /** S(D).number < W(T, b): an older source than the target already has. */
  readonly rollback: boolean;
  /** S(D)'s branch, or D's own when the source is missing. */
  readonly branch: string;
  /** The message of S(D)'s representative push, or D's own when the source is missing. */
  readonly message: string;
}

/** The first reason that holds, or null when the deployment is not rework. */
export function reworkReason(facts: ReworkFacts, rules: readonly ReworkRule[]): ReworkReason | null {
  if (facts.rollback) return "rollback";
  if (isRevertMessage(facts.message)) return "revert";
  if (HOTFIX_BRANCHES.some((g) => globMatch(g, facts.branch))) return "hotfix";
  if (rules.some((r) => reworkRuleMatches(r, facts.branch, facts.message))) return "rule";
  return null;
}

/** git's own revert message: `Revert "<subject>"` and `This reverts commit <sha>.` in the body. */
export function isRevertMessage(message: string): boolean {
  return message.startsWith('Revert "') || message.includes("This reverts commit ");
}

/** Every condition the rule names holds (a rule with neither never matches; the config refuses it). */
export function reworkRuleMatches(rule: ReworkRule, branch: string, message: string): boolean {
  if (rule.branch === undefined && rule.message === undefined) return false;
  if (rule.branch !== undefined && !globMatch(rule.branch, branch)) return false;
  if (rule.message !== undefined && !rule.message.test(message)) return false;
  return true;
}

/**
 * What of a commit message the exporter needs to keep (issue 12: messages are most of a
 * pipeline's text, one per commit). The rework reasons only ask "is it a git revert?" and "does
 * rule r's expression match?", so a message for which every answer is "no" can be kept as "",
 * which gives the same answers, and only messages that matter are stored. Identity when some rule
 * matches the empty message (e.g. a negative lookahead): then "" would not answer like the original.
 */
export function messageKeeper(rules: readonly ReworkRule[]): (message: string) => string {
  const patterns = rules.flatMap((r) => (r.message === undefined ? [] : [r.message]));
  if (patterns.some((re) => re.test(""))) return (m) => m;
  return (m) => (m === "" || isRevertMessage(m) || patterns.some((re) => re.test(m)) ? m : "");
}
