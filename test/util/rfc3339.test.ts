// The one strict RFC 3339 parser (issue 9, defect 7). That DORA_SINCE and `?at=` agree through it:
// test/config/time-agreement.test.ts.
import { describe, expect, test } from "bun:test";
import { ceilSeconds, floorSeconds, parseRfc3339Time } from "../../src/util/rfc3339.ts";

describe("parseRfc3339Time", () => {
  test("valid times, offsets and the leap second", () => {
    const at = (s: string) => {
      const r = parseRfc3339Time(s);
      if (!r.ok) throw new Error(`${s}: ${r.problem}`);
      return r.time;
    };
    expect(at("1970-01-01T00:00:00Z")).toEqual({ seconds: 0, fraction: false });
    expect(at("2026-01-01T00:00:00Z").seconds).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(at("2026-01-01t02:00:00+02:00").seconds).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(at("2025-12-31T19:30:00-04:30").seconds).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(at("2024-02-29T12:00:00Z").seconds).toBe(Date.UTC(2024, 1, 29, 12) / 1000);
    expect(at("2016-12-31T23:59:60Z").seconds).toBe(Date.UTC(2017, 0, 1) / 1000);
    expect(at("2015-07-01T01:59:60+02:00").seconds).toBe(Date.UTC(2015, 6, 1) / 1000);
    expect(at("0050-01-01T00:00:00Z").seconds).toBe(-60589296000);
    expect(at("2026-01-01T00:00:00.000Z")).toEqual({ seconds: Date.UTC(2026, 0, 1) / 1000, fraction: false });
    expect(at("2026-01-01T00:00:00.0001Z")).toEqual({ seconds: Date.UTC(2026, 0, 1) / 1000, fraction: true });
    expect(at("0001-01-01T00:00:00Z").seconds).toBe(Date.UTC(2001, 0, 1) / 1000 - 2000 * 365.2425 * 86400);
  });

  test("impossible or non-RFC 3339 forms are rejected", () => {
    for (const s of [
      "2026-02-30T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T23:59:61Z",
      "2026-01-01T00:00Z",
      "2026-01-01T00:00:00",
      "2026-01-01 00:00:00Z",
      "2026-01-01",
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00+0200",
      " 2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.Z",
      "2026-11-26T10:15:60Z",
      "2016-12-30T23:59:60Z",
      "2016-12-31T23:58:60Z",
    ]) {
      expect(parseRfc3339Time(s).ok, s).toBe(false);
    }
  });

  test("bounds: at or after / at or before a fractional instant", () => {
    const r = parseRfc3339Time("2026-01-01T00:00:00.25Z");
    if (!r.ok) throw new Error(r.problem);
    expect(ceilSeconds(r.time)).toBe(Date.UTC(2026, 0, 1) / 1000 + 1);
    expect(floorSeconds(r.time)).toBe(Date.UTC(2026, 0, 1) / 1000);
  });
});
