// The `repo_labels:` config-file entry (DEFINITIONS "Groups"): labels such as `team` attached to
// repos by glob, exposed only on `dora_repo_info` for joins.
import * as v from "valibot";
import type { RepoLabelBlock } from "../core/groups.ts";
import { show } from "./format.ts";
import { globSchema, isNot, strictMapping } from "./schema.ts";

/** Prometheus' label-name syntax; `__` names are reserved for Prometheus itself. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels the DORA series already carry: on dora_repo_info they would break the documented joins. */
const TAKEN = ["repo", "deploy_to"];

export function labelNameProblem(name: string): string | null {
  if (!LABEL_NAME.test(name)) return `${show(name)} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)`;
  if (name.startsWith("__")) return `${show(name)}: label names starting with __ are reserved by Prometheus`;
  if (TAKEN.includes(name)) return `${show(name)} is a label of the DORA series already; choose another name`;
  return null;
}

const LabelsSchema = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.check(
        (k) => labelNameProblem(k) === null,
        (issue) => labelNameProblem(String(issue.input))!,
      ),
    ),
    v.pipe(
      v.string(isNot("a label value (a string; quote numbers in YAML)")),
      v.nonEmpty("is empty (an empty label value is no label)"),
    ),
    isNot("a mapping of label names to values"),
  ),
  v.check((l) => Object.keys(l).length > 0, "must name at least one label"),
);

const RepoLabelBlockSchema = v.pipe(
  strictMapping({ repos: globSchema("a repo glob"), labels: LabelsSchema }, "a mapping of repos and labels"),
  v.transform((b): RepoLabelBlock => ({ repos: b.repos, labels: Object.freeze({ ...b.labels }) })),
);

export const RepoLabelsSchema = v.array(RepoLabelBlockSchema, isNot("a list of {repos, labels} blocks"));
