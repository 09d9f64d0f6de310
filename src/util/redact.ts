// The one redactor of the project (issue 9): the log, CLI error lines and configuration errors all
// go through it, so a secret is hidden the same way wherever it would appear. Dependency-free.
//
// A secret reaches text either as itself, inside JSON (a log line is JSON; a config error shows
// values JSON-quoted; a server may echo it back), where `"`, `\` and control characters are
// escaped once per level of quoting (a JSON-quoted value inside a logged message is escaped
// twice), or inside a URL (percent-encoded). Every such form is replaced, longest first, so no
// escaped remainder of a secret survives.

export const REDACTED = "<redacted>";

/** Secrets shorter than this are not replaced: replacing every "a" would only garble the text. */
export const MIN_SECRET_LENGTH = 4;

/** Levels of JSON quoting undone: the raw form, once escaped, escaped twice, three times. */
const JSON_LEVELS = 3;

/** The forms a secret can take in text: itself and its JSON-escaped forms, longest first. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set([secret]);
  let s = secret;
  for (let i = 0; i < JSON_LEVELS; i++) {
    s = JSON.stringify(s).slice(1, -1);
    forms.add(s);
  }
  forms.add(encodeURIComponent(secret));
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every secret replaced by `<redacted>`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of secretForms(secret)) out = out.split(form).join(REDACTED);
  }
  return out;
}
