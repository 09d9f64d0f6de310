// The `rework_rules:` config-file entry (DEFINITIONS "The fifth key"): what else, besides
// rollbacks, reverts and hotfix branches, makes a successful deployment rework.
import * as v from "valibot";
import type { ReworkRule } from "../core/model.ts";
import { show } from "./format.ts";
import { globSchema, isNot, strictMapping } from "./schema.ts";

/**
 * A JavaScript regular expression, compiled here so an invalid one stops the exporter at startup
 * with the rule's place in the file (`rework_rules[1].message: ...`), never at the first deployment.
 */
const MessagePatternSchema = v.pipe(
  v.string(isNot("a regular expression")),
  v.nonEmpty("is empty (leave message out to match any message)"),
  v.rawTransform<string, RegExp>(({ dataset, addIssue, NEVER }) => {
    try {
      // No flags: `g`/`y` would give the RegExp a lastIndex state between deployments.
      return new RegExp(dataset.value);
    } catch (err) {
      const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, "") : String(err);
      addIssue({ message: `${show(dataset.value)} is not a valid regular expression: ${why}` });
      return NEVER;
    }
  }),
);

const ReworkRuleSchema = v.pipe(
  strictMapping(
    {
      branch: v.optional(globSchema("a branch glob")),
      message: v.optional(MessagePatternSchema),
    },
    "a rework rule (a mapping of branch and/or message)",
  ),
  v.check((r) => r.branch !== undefined || r.message !== undefined, "a rework rule needs branch, message or both"),
  v.transform((r): ReworkRule => {
    const rule: { -readonly [K in keyof ReworkRule]: ReworkRule[K] } = {};
    if (r.branch !== undefined) rule.branch = r.branch;
    if (r.message !== undefined) rule.message = r.message;
    return rule;
  }),
);

export const ReworkRulesSchema = v.array(ReworkRuleSchema, isNot("a list of rework rules ({branch, message})"));
