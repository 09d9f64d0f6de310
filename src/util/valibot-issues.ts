// One line for a failed valibot check, shared by every API client (Woodpecker, ArgoCD) so their
// "unexpected response" errors read alike.
import type * as v from "valibot";

/** One line naming the first problem valibot found, with its path (`[3].created: …`). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (!issue) return "invalid";
  const path = issue.path?.map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`)).join("") ?? "";
  return `${path ? path.replace(/^\./, "") + ": " : ""}${issue.message}`;
}
