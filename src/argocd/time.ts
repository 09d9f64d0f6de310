// RFC 3339 timestamps, as ArgoCD writes them (metav1.Time: `2026-11-26T10:15:03Z`), read by the
// project's one strict parser (src/util/rfc3339.ts).
import { floorSeconds, parseRfc3339Time } from "../util/rfc3339.ts";

/**
 * Unix seconds (a fraction is truncated, as Go's Time.Unix does), or undefined for anything that
 * is not a valid RFC 3339 date-time: no offset, a space for "T", 24:00, 2026-02-30, a second 60
 * that is no leap second.
 */
export function parseRfc3339(s: string): number | undefined {
  const r = parseRfc3339Time(s);
  return r.ok ? floorSeconds(r.time) : undefined;
}

/** Unix seconds -> `2026-11-26T10:15:03Z`. */
export function formatRfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
