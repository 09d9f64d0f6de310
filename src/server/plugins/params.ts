// Query parameters shared by the JSON API and the page, as valibot schemas (Elysia accepts them as
// Standard Schema). Every message is one line naming the parameter, so a 400 says what to fix.
import * as v from "valibot";
import { GlobError, globToRegExp } from "../../core/glob.ts";
import { MAX_WINDOW_DAYS, MIN_WINDOW_DAYS, parseWindow } from "../../core/summary.ts";
import { floorSeconds, parseRfc3339Time } from "../../util/rfc3339.ts";

export const DEFAULT_WINDOW = "30d";

const windowMessage = `window: expected a number of days from ${MIN_WINDOW_DAYS}d to ${MAX_WINDOW_DAYS}d, like 7d, 30d or 90d`;

/** `Nd` -> whole days. */
export const WindowParam = v.pipe(
  v.string(windowMessage),
  v.metadata({ description: "Window length in days, `Nd` (1d to 365d). Default 30d.", examples: ["7d", "30d", "90d"] }),
  v.check((s) => parseWindow(s) !== null, windowMessage),
  v.transform((s) => parseWindow(s)!),
);

const atMessage = "at: expected Unix seconds or an RFC 3339 time like 2026-09-01T00:00:00Z";

/** The end of the window: Unix seconds or RFC 3339; default: now. */
export const AtParam = v.pipe(
  v.string(atMessage),
  v.metadata({ description: "End of the window (Unix seconds or RFC 3339). Default: now.", examples: ["2026-09-01T00:00:00Z"] }),
  v.check((s) => parseAt(s) !== null, atMessage),
  v.transform((s) => parseAt(s)!),
);

/** A glob on repo full names (`acme/*`); `!glob` excludes. */
export const RepoGlobParam = v.pipe(
  v.string("repo: expected a glob like acme/*"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = globProblem(dataset.value);
    if (problem !== null) addIssue({ message: `repo: ${problem}` });
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

/**
 * Unix seconds, or an RFC 3339 time read by the project's one strict parser (util/rfc3339.ts, the
 * same as DORA_SINCE). The window ends at `at` and includes it, so a fractional second gives the
 * whole second before it: events carry whole-second times, and that is the exact bound.
 */
export function parseAt(text: string): number | null {
  if (/^[0-9]{1,12}$/.test(text)) {
    const n = Number(text);
    return n > 0 ? n : null;
  }
  const parsed = parseRfc3339Time(text);
  if (!parsed.ok) return null;
  const seconds = floorSeconds(parsed.time);
  return seconds > 0 ? seconds : null;
}

/** null when `glob` (optionally `!`-prefixed) is a valid repo filter, else the problem. */
export function globProblem(glob: string): string | null {
  try {
    globToRegExp(glob.startsWith("!") ? glob.slice(1) : glob);
    return null;
  } catch (e) {
    return e instanceof GlobError ? e.message : String(e);
  }
}
