// dora_repo_info{repo, <user labels>...} 1: one series per tracked repo carrying the labels of its
// repo_labels block (DEFINITIONS "Groups"), for joins such as
// `sum by (team) (rate(dora_deployments_total[1d]) * on (repo) group_left (team) dora_repo_info)`.
// The labels live only here, never on the DORA series: relabelling a repo must not reset counters.
import { Gauge, type Registry } from "prom-client";
import { groupLabelNames, repoLabels, type RepoLabelBlock } from "../core/groups.ts";
import { compareCodeUnits } from "../util/strings.ts";

export function registerRepoInfo(
  registry: Registry,
  blocks: readonly RepoLabelBlock[],
  /** The tracked repos' current `repo` labels, read at scrape time. */
  repos: () => Iterable<string>,
): void {
  // The repos as last set: while they are the same, in the same order, the series stand as they
  // are (1,000 set() calls with label hashing were ~1.8 ms of every scrape; issue 14).
  let last: string[] = [];
  new Gauge({
    name: "dora_repo_info",
    help: "1 per tracked repo, with the labels its repo_labels block gives it (for joins on repo).",
    labelNames: ["repo", ...groupLabelNames(blocks)],
    registers: [registry],
    collect() {
      const now = [...repos()];
      if (now.length === last.length && now.every((r, i) => r === last[i])) return;
      last = now;
      this.reset();
      // Sorted so every exporter (and a restarted one) renders the same bytes.
      for (const repo of [...new Set(now)].sort(compareCodeUnits)) {
        this.set({ repo, ...repoLabels(repo, blocks) }, 1);
      }
    },
  });
}
