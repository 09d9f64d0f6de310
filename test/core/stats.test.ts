// median() and percentile() sort a Float64Array (speed); they must give exactly what the
// definitions' arithmetic on a plainly sorted copy gives, for any finite values.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { median, percentile } from "../../src/core/stats.ts";

const plainSorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

test("median and percentile equal the plain definitions on any finite values", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true })), {
        maxLength: 200,
      }),
      fc.integer({ min: 1, max: 100 }),
      (xs, p) => {
        const s = plainSorted(xs);
        const m =
          s.length === 0
            ? null
            : s.length % 2 === 1
              ? s[s.length >> 1]!
              : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2;
        const q = s.length === 0 ? null : s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
        // Object.is would tell -0 from 0; the definitions' arithmetic does not.
        expect(median(xs) === m || (Number.isNaN(median(xs)!) && Number.isNaN(m!))).toBe(true);
        expect(percentile(xs, p) === q).toBe(true);
      },
    ),
    { numRuns: 500 },
  );
});

test("the input is not reordered", () => {
  const xs = [3, 1, 2];
  median(xs);
  percentile(xs, 90);
  expect(xs).toEqual([3, 1, 2]);
});
