// RFC 3339 parsing as Go's time.Parse(time.RFC3339, s) does it: the server turns `before`/`after`
// into Unix seconds this way and answers 400 when it fails, so the simulator must reject exactly
// what Go rejects (e.g. a missing offset, a space instead of "T", an impossible date).

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Unix seconds (fraction truncated, like Go's Time.Unix), or undefined when Go would fail. */
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
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return undefined;
  const base = Date.UTC(y, mo - 1, d, h, mi, se);
  if (new Date(base).getUTCDate() !== d) return undefined; // 2026-02-30 and the like
  let offset = 0;
  if (m[8] !== "Z") {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return Math.floor(base / 1000) - offset;
}

/** Unix seconds -> RFC 3339 in UTC (for callers building `before`/`after`). */
export function toRfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
