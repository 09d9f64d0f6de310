// Numbers a lossless store must give back unchanged: small and large integers, negatives,
// fractions, -0, NaN and the edges of 32-bit and safe-integer ranges.
import fc from "fast-check";

export const anyNumber = fc.oneof(
  fc.nat(),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.maxSafeNat(),
  fc.double(),
  fc.constantFrom(0, -0, 0xffffffff, 2 ** 32, 2 ** 53 - 1, Number.NaN, 1.5),
);
