// Valibot schemas for every setting, shared by both sources: an environment value is always a
// string, a config-file value may also be the YAML/JSON native type (number, boolean, list).
// Each schema therefore first coerces the string spellings it accepts and then checks the typed
// value, so `DORA_POLL_INTERVAL=60` and `poll_interval: 60` go through exactly the same rules.
// Messages are written for operators ("\"pushh\" is not a Woodpecker event") and never
// include a token: token schemas use fixed messages only.
import * as v from "valibot";
import type { DeploymentRule, RepoRules } from "../core/model.ts";
import { TERMINAL_STATUSES } from "../core/model.ts";
import type { LogLevel } from "../log.ts";
import { didYouMean, show } from "./format.ts";
import { globProblem } from "../core/glob.ts";
import type { Parsed } from "../util/parsed.ts";
import { parseBytes, parseListen, parseRfc3339, parseServerUrl, parseShard, splitList } from "./parsers.ts";

type Message = (issue: v.BaseIssue<unknown>) => string;

/** `"x" is not <what>`: the one message an atomic setting needs, whatever check failed. */
export const isNot =
  (what: string): Message =>
  (issue) =>
    `${show(issue.input)} is not ${what}`;

/** Environment values and YAML strings may carry stray blanks; trim strings, leave the rest. */
const trimIfString = v.transform((x: unknown) => (typeof x === "string" ? x.trim() : x));

/** Wrap a parsers.ts parser as a string schema that reports the parser's own problem text. */
function parsedString<T>(parse: (raw: string) => Parsed<T>, notString: string) {
  return v.pipe(
    v.string(isNot(notString)),
    v.trim(),
    v.rawTransform<string, T>(({ dataset, addIssue, NEVER }) => {
      const result = parse(dataset.value);
      if (result.ok) return result.value;
      addIssue({ message: result.problem });
      return NEVER;
    }),
  );
}

/** An integer in [min, max]: a number, or a string of digits (no sign, no unit, no exponent). */
function integerIn(min: number, max: number, unit: string) {
  const message = isNot(`an integer from ${min} to ${max}${unit}`);
  return v.pipe(
    v.unknown(),
    // At most 15 digits, so a huge value is reported as typed rather than as 1e+20.
    v.transform((x) => (typeof x === "string" && /^\s*\d{1,15}\s*$/.test(x) ? Number(x) : x)),
    v.number(message),
    v.safeInteger(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["true", true],
  ["1", true],
  ["yes", true],
  ["false", false],
  ["0", false],
  ["no", false],
]);

/** true/false/1/0/yes/no in any case; YAML/JSON booleans and the numbers 0 and 1 too. */
export const BooleanSchema = v.pipe(
  v.unknown(),
  v.transform((x) => {
    if (typeof x === "string") return BOOLEAN_WORDS.get(x.trim().toLowerCase()) ?? x;
    if (x === 1 || x === 0) return x === 1;
    return x;
  }),
  v.boolean(isNot("a boolean (true, false, 1, 0, yes or no)")),
);

/**
 * A list setting: a YAML/JSON list, or one comma-separated string (the only list form an
 * environment variable has; see splitList). An explicit empty item in a file list is checked
 * like any other item.
 */
function listOf<TItem extends v.GenericSchema<string, unknown>>(item: TItem, what: string) {
  return v.pipe(
    v.unknown(),
    v.transform((x) => (typeof x === "string" ? splitList(x) : x)),
    v.array(item, isNot(`a list or a comma-separated string of ${what}`)),
  );
}

// ---- Woodpecker connection -------------------------------------------------------------

export const WoodpeckerUrlSchema = parsedString(parseServerUrl, "a URL");

/**
 * The API token. Fixed messages only: this value must never reach a log line. Restricted to
 * printable ASCII without blanks because it goes into an HTTP header, where anything else makes
 * every request fail later with a far less helpful error.
 */
export const TokenSchema = v.pipe(
  v.string("must be a string (quote it in YAML)"),
  v.trim(),
  v.nonEmpty("is empty"),
  v.regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces or line breaks"),
);

export const TokenFileSchema = v.pipe(v.string(isNot("a file path")), v.trim(), v.nonEmpty("is empty"));

// ---- Which repos, which history -------------------------------------------------------------

/** `glob` includes, `!glob` excludes (core/glob.ts repoFilter); every glob must compile. */
const RepoPatternSchema = v.pipe(
  v.string(isNot("a repo glob")),
  v.trim(),
  v.check(
    (p) => globProblem(p.startsWith("!") ? p.slice(1) : p) === null,
    (issue) => {
      const p = String(issue.input);
      return `${show(p)} is not a valid glob: ${globProblem(p.startsWith("!") ? p.slice(1) : p)?.problem}`;
    },
  ),
);

/**
 * Stray commas are forgiven (`a/*,`), but a value that is only commas and blanks names no repo:
 * read as "all repos" it would track everything without a word, so it is refused.
 */
export const ReposSchema = v.pipe(
  v.unknown(),
  v.check(
    (x) => typeof x !== "string" || x.trim() === "" || splitList(x).length > 0,
    "lists no repo glob (leave it unset to track every repo)",
  ),
  listOf(RepoPatternSchema, "repo globs"),
);

export const AdminReposSchema = BooleanSchema;

export const SinceSchema = parsedString(parseRfc3339, "an RFC 3339 time (quote it in YAML)");

// ---- Polling and HTTP ------------------------------------------------------------------------

export const PollIntervalSchema = integerIn(1, 86400, " (seconds)");
export const ConcurrencySchema = integerIn(1, 64, "");

/** `k/n`: this exporter tracks shard k (from 0) of n, by a stable hash of the repo id. */
export const ShardSchema = parsedString(parseShard, "a shard k/n (e.g. 0/2)");

export const HttpTimeoutSchema = integerIn(1, 600, " (seconds)");

/** DORA_STATE_FILE: a file path (opened, created or refused at start, src/state/db.ts). */
export const StateFileSchema = v.pipe(v.string(isNot("a file path")), v.trim(), v.nonEmpty("is empty"));

/** A size in bytes with an optional unit (`512Mi`); a YAML number is taken as bytes. */
export const MemoryLimitSchema = v.pipe(
  v.unknown(),
  v.transform((x: unknown) => (typeof x === "number" ? String(x) : x)),
  parsedString(parseBytes, "a size in bytes (e.g. 512Mi)"),
);

/** Failure statuses: terminal and not `success` (a success can never be a failed deployment). */
export const FAILURE_STATUS_CHOICES: readonly string[] = [...TERMINAL_STATUSES].filter((s) => s !== "success");

const FailureStatusSchema = v.pipe(
  v.string(isNot("a pipeline status")),
  v.trim(),
  v.check(
    (s) => FAILURE_STATUS_CHOICES.includes(s),
    (issue) =>
      issue.input === "success"
        ? `"success" cannot be a failure status`
        : `${show(issue.input)} is not a terminal Woodpecker status other than success \
(${FAILURE_STATUS_CHOICES.join(", ")})`,
  ),
);

export const FailureStatusesSchema = v.pipe(
  listOf(FailureStatusSchema, "pipeline statuses"),
  v.minLength(1, `must name at least one status (${FAILURE_STATUS_CHOICES.join(", ")})`),
  // Duplicates are harmless; drop them so consumers see a set-like list.
  v.transform((list) => [...new Set(list)]),
);

// ---- Serving and logging -----------------------------------------------------------------------

/** DORA_WEB_CONFIG: the path of an exporter-toolkit web config file (config/web-config.ts reads it). */
export const WebConfigFileSchema = v.pipe(v.string(isNot("a file path")), v.trim(), v.nonEmpty("is empty"));

export const ListenSchema = parsedString(parseListen, "a listen address (host:port, [ipv6]:port or :port)");

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

export const LogLevelSchema: v.GenericSchema<unknown, LogLevel> = v.pipe(
  v.unknown(),
  trimIfString,
  v.picklist(LOG_LEVELS, isNot(`a log level (${LOG_LEVELS.join(", ")})`)),
);

// ---- Deployment rules (config file only) -----------------------------------------------------

export const WOODPECKER_EVENTS = [
  "push",
  "pull_request",
  "pull_request_closed",
  "pull_request_metadata",
  "tag",
  "release",
  "deployment",
  "cron",
  "manual",
] as const;

/**
 * A strict mapping whose messages say what went wrong with a key: unknown keys are named (with a
 * suggestion for the usual slips: `deployTo`, `WOODPECKER_URL`, `poll-interval`), a missing
 * required key is called missing, and anything else is "not a mapping".
 */
export function strictMapping<const TEntries extends v.ObjectEntries>(entries: TEntries, what: string) {
  const known = Object.keys(entries);
  return v.pipe(
    v.unknown(),
    // valibot's object schemas accept arrays (typeof "object"); a list where a mapping belongs
    // would otherwise surface as the puzzling `["0"]: unknown key`.
    v.check((x) => !Array.isArray(x), isNot(what)),
    v.strictObject(entries, (issue) => {
      if (issue.expected === "never") {
        const suggestion = didYouMean(String(issue.input), known);
        return suggestion !== undefined
          ? `unknown key (did you mean ${suggestion}?)`
          : `unknown key (known keys: ${known.join(", ")})`;
      }
      if (issue.input === undefined && issue.path !== undefined) return "required key missing";
      return isNot(what)(issue);
    }),
  );
}

/**
 * A glob in a rule block. `allowEmpty`: in a rule, `""` is how `branch`/`deploy_to` say "is
 * empty" (push pipelines carry deploy_to ""; core/rules.ts matches it exactly), not a typo.
 */
export function globSchema(what: string, allowEmpty = false) {
  return v.pipe(
    v.string(isNot(what)),
    v.check(
      (g) => (allowEmpty && g === "") || globProblem(g) === null,
      (issue) => `${show(issue.input)} is not a valid glob: ${globProblem(String(issue.input))?.problem}`,
    ),
  );
}

/**
 * A target name becomes the `deploy_to` label value. Prometheus accepts any UTF-8, but a target
 * is also typed on command lines and in PromQL, so keep to a conservative, readable alphabet.
 */
const TARGET = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const TargetSchema = v.pipe(
  v.string(isNot("a target name")),
  v.regex(TARGET, isNot("a valid target (1-64 characters of A-Z a-z 0-9 . _ : / -, starting with a letter or digit)")),
);

const EventSchema = v.picklist(WOODPECKER_EVENTS, isNot(`a Woodpecker event (${WOODPECKER_EVENTS.join(", ")})`));

/**
 * One rule. A rule with no condition would match every pipeline of the repo: as a target rule
 * that is almost surely a forgotten condition (every PR and cron run a "deployment"), so it is
 * refused; as an exclude rule it is a clear statement ("nothing here is a deployment") and allowed.
 */
const RuleSchema = v.pipe(
  strictMapping(
    {
      events: v.optional(
        v.pipe(
          v.array(EventSchema, isNot("a list of events (e.g. [push])")),
          v.minLength(1, "must list at least one event (or leave events out)"),
        ),
      ),
      branch: v.optional(globSchema("a branch glob", true)),
      deploy_to: v.optional(globSchema("a deploy_to glob", true)),
      target: v.optional(TargetSchema),
      exclude: v.optional(BooleanSchema),
    },
    "a rule (a mapping of events, branch, deploy_to, target, exclude)",
  ),
  v.check(
    (r) => r.exclude === true || r.events !== undefined || r.branch !== undefined || r.deploy_to !== undefined,
    "a rule needs at least one condition (events, branch or deploy_to); only an exclude rule may match every pipeline",
  ),
  v.check((r) => !(r.exclude === true && r.target !== undefined), "an exclude rule cannot have a target"),
  v.transform((r): DeploymentRule => {
    const rule: { -readonly [K in keyof DeploymentRule]: DeploymentRule[K] } = {};
    if (r.events !== undefined) rule.events = [...new Set(r.events)];
    if (r.branch !== undefined) rule.branch = r.branch;
    if (r.deploy_to !== undefined) rule.deployTo = r.deploy_to;
    if (r.target !== undefined) rule.target = r.target;
    if (r.exclude === true) rule.exclude = true;
    return rule;
  }),
);

/** A block of rules for the repos matching one glob. `!` negation is a DORA_REPOS feature only. */
const RepoRulesSchema = v.pipe(
  strictMapping(
    {
      repos: v.pipe(
        globSchema("a repo glob"),
        v.check(
          (g) => !g.startsWith("!"),
          (issue) => `${show(issue.input)}: ! negation works in DORA_REPOS only; a block's repos is a single glob`,
        ),
      ),
      rules: v.pipe(v.array(RuleSchema, isNot("a list of rules")), v.minLength(1, "must list at least one rule")),
    },
    "a mapping of repos and rules",
  ),
  v.transform((block): RepoRules => ({ repos: block.repos, rules: block.rules })),
);

export const DeploymentRulesSchema = v.array(RepoRulesSchema, isNot("a list of {repos, rules} blocks"));

// ---- The config file -----------------------------------------------------------------------

/**
 * The DORA_CONFIG file's schema from its keys' value schemas (settings.ts). Every key may be left
 * out or empty (`since:` in YAML is null), which means "not set here". Unknown keys are errors: a
 * misspelt key silently ignored is a setting silently at its default.
 */
export function configFileSchema(entries: Readonly<Record<string, v.GenericSchema<unknown, unknown>>>) {
  const nullable = Object.fromEntries(Object.entries(entries).map(([key, schema]) => [key, v.nullish(schema)]));
  return strictMapping(nullable, "a mapping of settings") as v.GenericSchema<unknown, Record<string, unknown>>;
}

// ---- ArgoCD (optional second source) ----------------------------------------------------------

export const ArgoUrlSchema = parsedString(parseServerUrl, "a URL");

/** `glob` includes, `!glob` excludes, on an app's `<project>/<name>`. */
export const ArgoAppsSchema = listOf(RepoPatternSchema, "app globs on <project>/<name>");

/** A Kubernetes label selector, passed to ArgoCD as is (`selector=`): one line, not empty. */
export const ArgoSelectorSchema = v.pipe(
  v.string(isNot("a label selector")),
  v.trim(),
  v.nonEmpty("is empty"),
  v.regex(/^[^\r\n]*$/, "must be one line"),
);

/** Seconds after a deployment within which turning Degraded counts as its failure (1 s to 30 days). */
export const DegradedWindowSchema = integerIn(1, 30 * 86400, " (seconds)");

/** A repo `owner/name` as an `argocd_apps:` block names it. */
const RepoNameSchema = v.pipe(
  v.string(isNot("a repo full name")),
  v.trim(),
  v.regex(/^[^\s/]+(\/[^\s/]+)+$/, isNot("a repo full name (owner/name)")),
);

/** One `argocd_apps:` block, as the mapping (argocd/mapping.ts) reads it. */
export interface AppMappingBlock {
  readonly apps: string;
  readonly repo?: string;
  readonly deployTo?: string;
}

const AppMappingBlockSchema = v.pipe(
  strictMapping(
    {
      apps: v.pipe(
        globSchema("an app glob on <project>/<name>"),
        v.check(
          (g) => !g.startsWith("!"),
          (issue) => `${show(issue.input)}: ! negation works in ARGOCD_APPS only; a block's apps is a single glob`,
        ),
      ),
      repo: v.optional(RepoNameSchema),
      deploy_to: v.optional(TargetSchema),
    },
    "a mapping of apps, repo and deploy_to",
  ),
  v.check((b) => b.repo !== undefined || b.deploy_to !== undefined, "a block needs repo, deploy_to or both"),
  v.transform((b): AppMappingBlock => {
    const block: { -readonly [K in keyof AppMappingBlock]: AppMappingBlock[K] } = { apps: b.apps };
    if (b.repo !== undefined) block.repo = b.repo;
    if (b.deploy_to !== undefined) block.deployTo = b.deploy_to;
    return block;
  }),
);

export const ArgoAppBlocksSchema = v.array(AppMappingBlockSchema, isNot("a list of {apps, repo, deploy_to} blocks"));
