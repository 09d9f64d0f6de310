// The one RFC 3339 parser of the project (issue 9): DORA_SINCE, the config file's `since` and the
// API's `?at=` all read times through it, so they accept exactly the same strings and agree on
// what a fractional second means. Dependency-free.
//
// RFC 3339 section 5.6 `date-time`: `T` (either case) between date and time, seconds required,
// optional fraction, `Z` or a numeric offset. No plain dates, no space separator, no missing
// offset (a time without a zone would depend on the host's TZ), no day 30 of February, no hour 24.
// Second 60 is RFC 3339's leap second, which exists only at 23:59:60 UTC on a month's last day
// (RFC 3339 5.7); Unix time folds it into the next second (23:59:60 = 00:00:00 of the next day).

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * A parsed time: `seconds` is the whole Unix second at or before it, `fraction` says whether it
 * lies strictly inside that second. Callers compare whole-second times exactly: "at or after" it
 * is `seconds + (fraction ? 1 : 0)`, "at or before" it is `seconds` (see `ceilSeconds`/`floorSeconds`).
 */
export interface Rfc3339Time {
  readonly seconds: number;
  readonly fraction: boolean;
}

export type Rfc3339Result =
  | { readonly ok: true; readonly time: Rfc3339Time }
  | { readonly ok: false; readonly problem: string };

/** Parse `text` strictly; the problem (when not ok) is a phrase to follow the quoted value. */
export function parseRfc3339Time(text: string): Rfc3339Result {
  const m = DATE_TIME.exec(text);
  if (!m)
    return { ok: false, problem: "is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z or 2026-01-01T00:00:00+02:00)" };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] !== undefined && /[1-9]/.test(m[7]);
  const sign = m[9];
  const offsetHour = Number(m[10] ?? 0);
  const offsetMinute = Number(m[11] ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 60 ||
    offsetHour > 23 ||
    offsetMinute > 59
  ) {
    return { ok: false, problem: "is not a real date and time" };
  }
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (offsetHour * 60 + offsetMinute) * 60;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  // A leap second folds onto 00:00:00 UTC of a month's first day, or it is no leap second.
  if (second === 60 && !(mod(seconds, 86400) === 0 && civilDay(Math.floor(seconds / 86400)) === 1)) {
    return { ok: false, problem: "is not a real date and time" };
  }
  return { ok: true, time: { seconds, fraction } };
}

/** The first whole second at or after `t`. */
export function ceilSeconds(t: Rfc3339Time): number {
  return t.seconds + (t.fraction ? 1 : 0);
}

/** The last whole second at or before `t`. */
export function floorSeconds(t: Rfc3339Time): number {
  return t.seconds;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Day of the month of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilDay(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
