// The window summary's parameters (window length, end time, repo glob), parsed from text for the
// JSON API and the page (query parameters) and for `dora-exporter report` (flags). Problems are
// phrased without the parameter's name: each caller names its own (`window: …`, `--window: …`).
import { globProblem } from "../core/glob.ts";
import { MAX_WINDOW_DAYS, MIN_WINDOW_DAYS } from "../core/summary.ts";
import { bad, ok, type Parsed } from "../util/parsed.ts";
import { floorSeconds, parseRfc3339Time } from "../util/rfc3339.ts";

export const DEFAULT_WINDOW = "30d";

export const WINDOW_PROBLEM =
  `expected a number of days from ` + `${MIN_WINDOW_DAYS}d to ${MAX_WINDOW_DAYS}d, ` + `like 7d, 30d or 90d`;
export const AT_PROBLEM = "expected Unix seconds or an RFC 3339 time like 2026-09-01T00:00:00Z";
export const REPO_PROBLEM = "expected a glob like acme/*";
export const TARGET_PROBLEM = "expected a target name or glob like production or prod*";
export const GROUP_BY_PROBLEM = "expected a repo label name like team";

/** A label name of `repo_labels` (Prometheus syntax); whether one is configured is checked later. */
export function groupByParam(text: string): Parsed<string> {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(text) ? ok(text) : bad(`${GROUP_BY_PROBLEM}, got "${text}"`);
}

/** "7d", "30d", … to whole days; null when malformed or out of range. */
export function parseWindow(text: string): number | null {
  const m = /^([0-9]{1,4})d$/.exec(text.trim());
  if (!m) return null;
  const days = Number(m[1]);
  return days >= MIN_WINDOW_DAYS && days <= MAX_WINDOW_DAYS ? days : null;
}

/**
 * The end of the window: Unix seconds, or an RFC 3339 time read by the project's one strict
 * parser (util/rfc3339.ts, the same as DORA_SINCE); null when neither. The window ends at `at`
 * and includes it, so a fractional second gives the whole second before it: events carry
 * whole-second times, and that is the exact bound.
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

export function windowParam(text: string): Parsed<number> {
  const days = parseWindow(text);
  return days === null ? bad(WINDOW_PROBLEM) : ok(days);
}

export function atParam(text: string): Parsed<number> {
  const at = parseAt(text);
  return at === null ? bad(AT_PROBLEM) : ok(at);
}

/** A glob on repo full names; `!glob` excludes. */
export function repoParam(text: string): Parsed<string> {
  const problem = globProblem(text.startsWith("!") ? text.slice(1) : text);
  return problem === null ? ok(text) : bad(problem.message);
}

/** A glob on target names (`deploy_to` as the metrics label it); `!glob` excludes. */
export function targetParam(text: string): Parsed<string> {
  if (text.trim() === "") return bad(TARGET_PROBLEM);
  const problem = globProblem(text.startsWith("!") ? text.slice(1) : text);
  return problem === null ? ok(text) : bad(problem.message);
}
