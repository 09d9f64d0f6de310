// Small builders so each test states only the fields it is about.
import type { CoreOptions, Pipeline, Repo, RepoRules, ReworkRule } from "../../src/core/model.ts";

export const REPO: Repo = { id: 1, fullName: "acme/app", defaultBranch: "main" };

/**
 * A pipeline with predictable defaults: number = id, created = id * 100, finished = created + 50,
 * updated = created + 60, push of commit `c<id>` to main, success.
 */
export function pl(over: Partial<Pipeline> & { id: number }): Pipeline {
  const created = over.created ?? over.id * 100;
  return {
    number: over.id,
    parent: 0,
    event: "push",
    status: "success",
    created,
    updated: created + 60,
    started: created + 1,
    finished: created + 50,
    branch: "main",
    commit: `c${over.id}`,
    ref: "refs/heads/main",
    deployTo: "",
    message: `change ${over.id}\n`,
    ...over,
  };
}

/** A successful `deployment` of `from` (same commit and branch) to `deployTo`. */
export function deploy(from: Pipeline, over: Partial<Pipeline> & { id: number }): Pipeline {
  return pl({
    event: "deployment",
    parent: from.number,
    commit: from.commit,
    branch: from.branch,
    deployTo: "production",
    ...over,
  });
}

export function opts(
  over: {
    since?: number;
    failureStatuses?: readonly string[];
    repoRules?: readonly RepoRules[];
    reworkRules?: readonly ReworkRule[];
  } = {},
): CoreOptions {
  return {
    since: over.since ?? 0,
    failureStatuses: new Set(over.failureStatuses ?? ["failure", "error"]),
    repoRules: over.repoRules ?? [],
    reworkRules: over.reworkRules ?? [],
  };
}
