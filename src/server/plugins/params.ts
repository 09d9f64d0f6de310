// Query parameters shared by the JSON API and the page, as valibot schemas (Elysia accepts them as
// Standard Schema). Every message is one line naming the parameter, so a 400 says what to fix.
import * as v from "valibot";
import type { WindowQuery } from "../../view/window.ts";
import {
  AT_PROBLEM,
  DEFAULT_WINDOW,
  GROUP_BY_PROBLEM,
  groupByParam,
  parseAt,
  parseWindow,
  REPO_PROBLEM,
  TARGET_PROBLEM,
  WINDOW_PROBLEM,
  repoParam,
  targetParam,
} from "../../view/params.ts";

const windowMessage = `window: ${WINDOW_PROBLEM}`;

/** `Nd` -> whole days. */
export const WindowParam = v.pipe(
  v.string(windowMessage),
  v.metadata({ description: "Window length in days, `Nd` (1d to 365d). Default 30d.", examples: ["7d", "30d", "90d"] }),
  v.check((s) => parseWindow(s) !== null, windowMessage),
  v.transform((s) => parseWindow(s)!),
);

const atMessage = `at: ${AT_PROBLEM}`;

/** The end of the window: Unix seconds or RFC 3339; default: now. */
export const AtParam = v.pipe(
  v.string(atMessage),
  v.metadata({
    description: "End of the window (Unix seconds or RFC 3339). Default: now.",
    examples: ["2026-09-01T00:00:00Z"],
  }),
  v.check((s) => parseAt(s) !== null, atMessage),
  v.transform((s) => parseAt(s)!),
);

/** A glob on repo full names (`acme/*`); `!glob` excludes. */
export const RepoGlobParam = v.pipe(
  v.string(`repo: ${REPO_PROBLEM}`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const repo = repoParam(dataset.value);
    if (!repo.ok) addIssue({ message: `repo: ${repo.problem}` });
  }),
  v.metadata({
    description: "Only repos whose full name matches this glob (`*`, `?`, `{a,b}`); `!glob` excludes.",
    examples: ["acme/*"],
  }),
);

/** A glob on target names, the `deploy_to` label of the metrics; `!glob` excludes. */
export const TargetGlobParam = v.pipe(
  v.string(`deploy_to: ${TARGET_PROBLEM}`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const target = targetParam(dataset.value);
    if (!target.ok) addIssue({ message: `deploy_to: ${target.problem}` });
  }),
  v.metadata({
    description:
      "Only targets (the `deploy_to` label) matching this name or glob; `!glob` excludes. Repos without such a " +
      "target drop out.",
    examples: ["production"],
  }),
);

/** A repo label to group by (`team`); it must be one that `repo_labels` defines (checked by the handler). */
export const GroupByParam = v.pipe(
  v.string(`group_by: ${GROUP_BY_PROBLEM}`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const label = groupByParam(dataset.value);
    if (!label.ok) addIssue({ message: `group_by: ${label.problem}` });
  }),
  v.metadata({
    description: "Also pool the keys per value of this repo label (from `repo_labels`), e.g. per team.",
    examples: ["team"],
  }),
);

const unknownKey = (known: string) => (issue: v.BaseIssue<unknown>) =>
  `unknown query parameter "${String(issue.path?.[0]?.key ?? "?")}" (known: ${known})`;

export const SummaryQuery = v.strictObject(
  {
    window: v.optional(WindowParam, DEFAULT_WINDOW),
    repo: v.optional(RepoGlobParam),
    deploy_to: v.optional(TargetGlobParam),
    at: v.optional(AtParam),
    group_by: v.optional(GroupByParam),
  },
  unknownKey("window, repo, deploy_to, at, group_by"),
);

export const DetailQuery = v.strictObject(
  {
    window: v.optional(WindowParam, DEFAULT_WINDOW),
    deploy_to: v.optional(TargetGlobParam),
    at: v.optional(AtParam),
  },
  unknownKey("window, deploy_to, at"),
);

/** The page takes the summary's parameters. */
export const PageQuery = SummaryQuery;

/** A parsed query as the window summary takes it (`deploy_to` is the parameter's name in URLs). */
export function windowQuery(q: {
  window: number;
  repo?: string;
  deploy_to?: string;
  at?: number;
  group_by?: string;
}): WindowQuery {
  return { window: q.window, repo: q.repo, at: q.at, deployTo: q.deploy_to, groupBy: q.group_by };
}
