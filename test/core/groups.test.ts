// Groups (DEFINITIONS "Groups"): the first matching repo_labels block supplies all labels.
import { describe, expect, test } from "bun:test";
import { groupLabelNames, repoLabels, type RepoLabelBlock } from "../../src/core/groups.ts";

const BLOCKS: RepoLabelBlock[] = [
  { repos: "acme/payments-*", labels: { team: "payments", system: "checkout" } },
  { repos: "acme/*", labels: { team: "shop" } },
  { repos: "*/payments-*", labels: { team: "finance", cost_center: "42" } },
];

describe("repo labels with overlapping globs", () => {
  test("the first matching block wins and supplies all labels; later blocks add nothing", () => {
    expect(repoLabels("acme/payments-api", BLOCKS)).toEqual({ team: "payments", system: "checkout" });
    expect(repoLabels("acme/web", BLOCKS)).toEqual({ team: "shop" });
    expect(repoLabels("other/payments-ui", BLOCKS)).toEqual({ team: "finance", cost_center: "42" });
  });

  test("no matching block: no labels; globs are case-sensitive", () => {
    expect(repoLabels("tools/cli", BLOCKS)).toEqual({});
    expect(repoLabels("ACME/web", BLOCKS)).toEqual({});
  });

  test("group-by choices are every label name used, sorted", () => {
    expect(groupLabelNames(BLOCKS)).toEqual(["cost_center", "system", "team"]);
    expect(groupLabelNames([])).toEqual([]);
  });
});
