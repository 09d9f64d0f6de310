// Numbers a lossless store must give back unchanged: what the client's schema admits for pipeline
// ids, numbers and times (woodpecker/schemas.ts), i.e. every uint32, edges included.
import fc from "fast-check";

export const anyStoredNumber = fc.oneof(
  fc.nat({ max: 1000 }),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff),
);
