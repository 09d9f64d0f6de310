// DORA_SINCE and the API's `?at=` read RFC 3339 times through one strict parser (issue 9, defect 7):
// they accept exactly the same strings, reject impossible dates and hour 24, and a fractional
// second means one instant to both (DORA_SINCE admits from the next whole second, `?at=` ends at
// the whole second before it: each the exact bound for whole-second pipeline times).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseRfc3339 } from "../../src/config/parsers.ts";
import { parseAt } from "../../src/view/params.ts";
import { reliabilityParams } from "../reliability/params.ts";

// Strings that are near-misses as often as valid times, with what RFC 3339 says of each (an
// independent reference: validity from the grammar and the calendar, the instant from Date.UTC).
const timeLike = fc
  .tuple(
    fc.integer({ min: 1969, max: 2100 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 61 }),
    fc.integer({ min: 0, max: 61 }),
    fc.constantFrom("", ".0", ".000", ".5", ".999999999", ".000001"),
    fc.constantFrom("Z", "z", "+00:00", "-00:00", "+02:00", "-04:30", "+23:59", "+24:00", "", "+0200"),
    fc.constantFrom("T", "t", " "),
    fc.boolean(),
  )
  .map(([y, mo, d, h, mi, sec, frac, zone, sep, withSeconds]) => {
    const p = (n: number) => String(n).padStart(2, "0");
    const text = `${y}-${p(mo)}-${p(d)}${sep}${p(h)}:${p(mi)}${withSeconds ? `:${p(sec)}${frac}` : ""}${zone}`;
    const offsets: Record<string, number> = {
      Z: 0,
      z: 0,
      "+00:00": 0,
      "-00:00": 0,
      "+02:00": 7200,
      "-04:30": -16200,
      "+23:59": 86340,
    };
    const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    const valid =
      sep !== " " &&
      withSeconds &&
      zone in offsets &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= days &&
      h <= 23 &&
      mi <= 59 &&
      sec <= 60;
    const seconds = Date.UTC(y, mo - 1, d, h, mi, sec) / 1000 - (offsets[zone] ?? 0);
    // RFC 3339 5.7: a leap second only at 23:59:60 UTC on a month's last day (folded onto the 1st).
    const utc = new Date(seconds * 1000);
    const leap = sec !== 60 || (seconds % 86400 === 0 && utc.getUTCDate() === 1);
    return { text, valid: valid && leap, seconds, fraction: /[1-9]/.test(frac) };
  });

describe("DORA_SINCE and ?at= read times the same way", () => {
  test("the API's at rejects 2026-02-30, T24:00 and forms DORA_SINCE rejects", () => {
    expect(parseAt("2026-02-30T00:00:00Z")).toBeNull();
    expect(parseAt("2026-01-01T24:00:00Z")).toBeNull();
    expect(parseAt("2026-01-01T24:00Z")).toBeNull();
    expect(parseAt("2026-01-01T10:00Z")).toBeNull();
    expect(parseAt("2026-01-01T10:00:00Z")).toBe(Date.UTC(2026, 0, 1, 10) / 1000);
    expect(parseAt("1790000000")).toBe(1_790_000_000);
  });

  test("a fractional second: DORA_SINCE admits from the next whole second, ?at= ends at the one before", () => {
    const since = parseRfc3339("2026-01-01T00:00:00.5Z");
    const at = parseAt("2026-01-01T00:00:00.5Z");
    const t = Date.UTC(2026, 0, 1) / 1000;
    expect(since).toEqual({ ok: true, value: t + 1 });
    expect(at).toBe(t);
  });

  test("property: accepted by one iff by the other, and both bound the same instant exactly", () => {
    fc.assert(
      fc.property(timeLike, ({ text, valid, seconds, fraction }) => {
        const since = parseRfc3339(text);
        const at = parseAt(text);
        if (!valid) {
          expect(since.ok).toBe(false);
          expect(at).toBeNull();
          return;
        }
        // Before 1970 (at or before 0 for `at`) each refuses in its own words.
        if (seconds <= 0) return;
        expect(since).toEqual({ ok: true, value: seconds + (fraction ? 1 : 0) });
        expect(at).toBe(seconds);
      }),
      reliabilityParams(1000, "rfc3339-agreement"),
    );
  });
});
