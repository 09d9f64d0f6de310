// Query parameters shared by the JSON API and the page, as valibot schemas (Elysia accepts them as
// Standard Schema). Every message is one line naming the parameter, so a 400 says what to fix.
import * as v from "valibot";
import { AT_PROBLEM, DEFAULT_WINDOW, parseAt, parseWindow, REPO_PROBLEM, WINDOW_PROBLEM, repoParam } from "../../view/params.ts";

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
  v.metadata({ description: "End of the window (Unix seconds or RFC 3339). Default: now.", examples: ["2026-09-01T00:00:00Z"] }),
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
  v.metadata({ description: "Only repos whose full name matches this glob (`*`, `?`, `{a,b}`); `!glob` excludes.", examples: ["acme/*"] }),
);

const unknownKey = (issue: v.BaseIssue<unknown>) =>
  `unknown query parameter "${String(issue.path?.[0]?.key ?? "?")}" (known: window, repo, at)`;

export const SummaryQuery = v.strictObject(
  {
    window: v.optional(WindowParam, DEFAULT_WINDOW),
    repo: v.optional(RepoGlobParam),
    at: v.optional(AtParam),
  },
  unknownKey,
);

export const DetailQuery = v.strictObject(
  {
    window: v.optional(WindowParam, DEFAULT_WINDOW),
    at: v.optional(AtParam),
  },
  (issue) => `unknown query parameter "${String(issue.path?.[0]?.key ?? "?")}" (known: window, at)`,
);

/** The page takes the summary's parameters. */
export const PageQuery = SummaryQuery;
