// Globs for repo names (`owner/name`), branches and deploy targets.
// `*` matches any run of characters, slashes included (so `acme/*` and `*` both mean what an
// operator expects of a repo filter), `?` one character, `{a,b}` alternatives, `[abc]`/`[!a-z]`
// classes, `\x` a literal x. Written by hand because Bun.Glob treats `/` as a path separator and
// accepts malformed patterns silently; a bad glob must be a clear config error instead.

export class GlobError extends Error {
  constructor(
    /** The problem without the pattern, for messages that show the pattern already. */
    readonly problem: string,
    glob?: string,
  ) {
    super(glob === undefined ? problem : `${problem} in "${glob}"`);
  }
}

export type GlobMatcher = (text: string) => boolean;

const cache = new Map<string, RegExp>();

/** The GlobError `glob` would throw, or null when it compiles. */
export function globProblem(glob: string): GlobError | null {
  try {
    globToRegExp(glob);
    return null;
  } catch (err) {
    if (err instanceof GlobError) return err;
    throw err;
  }
}

/** Translate a glob to an anchored RegExp; throws GlobError naming the problem. */
export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  if (glob === "") throw new GlobError("empty pattern");
  let out = "";
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    switch (c) {
      case "*":
        while (glob[i + 1] === "*") i++;
        out += ".*";
        break;
      case "?":
        out += ".";
        break;
      case "{":
        braceDepth++;
        out += "(?:";
        break;
      case "}":
        if (braceDepth === 0) throw new GlobError(`unmatched '}' at position ${i + 1}`, glob);
        braceDepth--;
        out += ")";
        break;
      case ",":
        out += braceDepth > 0 ? "|" : ",";
        break;
      case "[": {
        const end = glob.indexOf("]", i + 2);
        if (end < 0) throw new GlobError(`unclosed '[' at position ${i + 1}`, glob);
        let body = glob.slice(i + 1, end);
        if (body.startsWith("!")) body = "^" + body.slice(1);
        out += "[" + body.replace(/\\/g, "\\\\") + "]";
        i = end;
        break;
      }
      case "\\": {
        const next = glob[i + 1];
        if (next === undefined) throw new GlobError(`trailing '\\'`, glob);
        out += escapeRegExp(next);
        i++;
        break;
      }
      default:
        out += escapeRegExp(c);
    }
  }
  if (braceDepth > 0) throw new GlobError(`unclosed '{'`, glob);
  let re: RegExp;
  try {
    re = new RegExp("^" + out + "$", "s");
  } catch {
    throw new GlobError(`invalid pattern "${glob}"`);
  }
  cache.set(glob, re);
  return re;
}

export function globMatch(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? "\\" + c : c;
}

/**
 * A repo filter from `DORA_REPOS`-style patterns: `glob` includes, `!glob` excludes.
 * No include pattern means "everything not excluded". Excludes win over includes.
 */
export function repoFilter(patterns: readonly string[]): GlobMatcher {
  const includes: RegExp[] = [];
  const excludes: RegExp[] = [];
  for (const p of patterns) {
    if (p.startsWith("!")) excludes.push(globToRegExp(p.slice(1)));
    else includes.push(globToRegExp(p));
  }
  return (name) => (includes.length === 0 || includes.some((r) => r.test(name))) && !excludes.some((r) => r.test(name));
}
