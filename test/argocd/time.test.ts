// Strict RFC 3339 for ArgoCD's times.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { formatRfc3339, parseRfc3339 } from "../../src/argocd/time.ts";
import { fcParams } from "../core/property-params.ts";

test("valid RFC 3339 times, offsets and fractions", () => {
  expect(parseRfc3339("2026-11-26T10:15:03Z")).toBe(Date.UTC(2026, 10, 26, 10, 15, 3) / 1000);
  expect(parseRfc3339("2026-11-26T11:15:03+01:00")).toBe(Date.UTC(2026, 10, 26, 10, 15, 3) / 1000);
  expect(parseRfc3339("2026-11-26T10:15:03.999Z")).toBe(Date.UTC(2026, 10, 26, 10, 15, 3) / 1000);
  expect(parseRfc3339("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29) / 1000);
  expect(parseRfc3339("0050-01-01T00:00:00Z")).toBe(-60589296000);
});

test("anything else is rejected", () => {
  for (const s of [
    "",
    "2026-11-26",
    "2026-11-26T10:15:03",
    "2026-11-26 10:15:03Z",
    "2026-11-26T24:00:00Z",
    "2026-11-26T10:60:00Z",
    "2026-11-26T10:15:60Z",
    "2026-02-30T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-00-01T00:00:00Z",
    "2026-11-00T00:00:00Z",
    "2026-11-26T10:15:03+0100",
    "2026-11-26T10:15:03+24:00",
    "1764152103",
    " 2026-11-26T10:15:03Z",
  ]) {
    expect([s, parseRfc3339(s)]).toEqual([s, undefined]);
  }
});

test("format and parse round-trip", () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_000_000_000, max: 250_000_000_000 }), (t) => {
      expect(parseRfc3339(formatRfc3339(t))).toBe(t);
    }),
    fcParams(500),
  );
});
