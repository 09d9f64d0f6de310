// Strict RFC 3339 timestamps, as ArgoCD writes them (metav1.Time: `2026-11-26T10:15:03Z`). This is
// a local copy on purpose: the project's shared parser (src/util/rfc3339.ts) lands on another
// branch, and this one should be replaced by it when both are merged.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Unix seconds (a fraction is truncated, as Go's Time.Unix does), or undefined for anything that
 * is not a valid RFC 3339 date-time: no offset, a space for "T", 24:00, 2026-02-30, a leap second.
 */
export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  // setUTCFullYear, not Date.UTC: the latter reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, se, 0);
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return undefined;
  const base = date.getTime();
  let offset = 0;
  if (m[8] !== "Z" && m[8] !== "z") {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return Math.floor(base / 1000) - offset;
}

/** Unix seconds -> `2026-11-26T10:15:03Z`. */
export function formatRfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
