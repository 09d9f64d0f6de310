// An Application's source `repoURL` as the mapping rules of docs/DEFINITIONS.md read it: compared
// with a tracked repo's clone or forge URL ignoring the scheme, a trailing `.git` and case (4), and,
// for an app that maps to no repo, its `owner/name` path as the `repo` label. Both the https form
// (`https://git.example.com/acme/shop-api.git`) and the scp-like ssh form
// (`git@git.example.com:acme/shop-api.git`) are understood.

interface Parts {
  readonly host: string;
  readonly path: string;
}

function parts(url: string): Parts | null {
  const u = url.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) return { host: scp[1] ?? "", path: scp[2] ?? "" };
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)(?::\d+)?(\/[^?#]*)?/i.exec(u);
  if (!m) return null;
  return { host: m[1] ?? "", path: m[2] ?? "" };
}

function cleanPath(path: string): string {
  return path
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/\/+$/, "");
}

/**
 * A comparison key: host and path, lower-cased, without scheme, user, port, trailing `/` or `.git`; "" if unparsable.
 */
export function repoUrlKey(url: string): string {
  const p = parts(url);
  if (!p) return "";
  const path = cleanPath(p.path);
  return path === "" ? "" : `${p.host}/${path}`.toLowerCase();
}

/** Whether two repo URLs name the same repository (DEFINITIONS "Mapping" (4)). */
export function sameRepoUrl(a: string, b: string): boolean {
  const ka = repoUrlKey(a);
  return ka !== "" && ka === repoUrlKey(b);
}

/** The `owner/name` path of a repo URL (case kept, no `.git`), the `repo` label of an unmapped app; "" if none. */
export function repoPathOf(url: string): string {
  const p = parts(url);
  return p ? cleanPath(p.path) : "";
}
