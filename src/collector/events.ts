// Which pipeline events the exporter needs to read, so lists can be filtered server-side (3.x)
// and client-side: pull requests, crons and manual runs are usually most of a repo's pipelines.
import type { RepoRules } from "../core/model.ts";

/**
 * `push` (changes, for lead time, and the default push rule) and `deployment` (default rule) are
 * always needed; user rules add theirs. null = a rule matches any event, so nothing can be filtered.
 */
export function neededEvents(repoRules: readonly RepoRules[]): readonly string[] | null {
  const events = new Set(["push", "deployment"]);
  for (const block of repoRules) {
    for (const rule of block.rules) {
      if (rule.exclude) continue;
      if (!rule.events || rule.events.length === 0) return null;
      for (const e of rule.events) events.add(e);
    }
  }
  return [...events].sort();
}
