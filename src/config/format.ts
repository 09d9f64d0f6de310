// How user-supplied values and config-file locations appear inside ConfigError messages.
// Every message must stay on one line (it is printed as-is and grepped in logs), so values are
// shown JSON-quoted (escaping newlines and control characters) and long values are cut.
import { redact } from "../util/redact.ts";

const MAX_SHOWN = 80;

/** A value as an operator would recognise it: strings quoted, collections described, long ones cut. */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (Array.isArray(value)) text = "a list";
  else if (value === null) text = "null";
  else if (typeof value === "object") text = "a mapping";
  else text = String(value);
  return text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN - 4) + "…" + (text.startsWith('"') ? '"' : "") : text;
}

/** Collapse anything that would break the one-line contract (paths and keys are user input too). */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

/** `deployment_rules[0].rules[1].events[0]`: where in the config file an issue sits. */
export function keyPath(path: readonly { readonly key: unknown }[] | undefined): string {
  let out = "";
  for (const { key } of path ?? []) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += (out === "" ? "" : ".") + key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The closest known key to a misspelt one (case, `_`/`-`, camelCase and small typos), if any. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const wanted = norm(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = norm(candidate) === wanted ? 0 : editDistance(norm(candidate), wanted);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.min(2, Math.floor(wanted.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Replace every occurrence of a secret (raw or JSON-escaped) by `<redacted>`: the project's one
 * redactor (util/redact.ts). The last line of defence: a token pasted into the wrong setting would
 * otherwise be echoed back as "the bad value".
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return redact(text, secrets);
}
