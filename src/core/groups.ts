// Groups (DEFINITIONS "Groups"): users' own labels on repos (team, system, ...), by glob on the
// repo's full name. The first block whose glob matches supplies all of a repo's labels, as for
// deployment rule blocks, so a repo never gets a mix of two blocks.
import { globMatch } from "./glob.ts";

export interface RepoLabelBlock {
  readonly repos: string;
  /** Label name -> value; names are valid Prometheus label names other than `repo`. */
  readonly labels: Readonly<Record<string, string>>;
}

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** The labels of the repo named `fullName`: the first matching block's, or none. */
export function repoLabels(fullName: string, blocks: readonly RepoLabelBlock[]): Readonly<Record<string, string>> {
  return blocks.find((b) => globMatch(b.repos, fullName))?.labels ?? NONE;
}

/** Every label name any block uses, sorted: the group-by choices of the page and API. */
export function groupLabelNames(blocks: readonly RepoLabelBlock[]): string[] {
  return [...new Set(blocks.flatMap((b) => Object.keys(b.labels)))].sort();
}
