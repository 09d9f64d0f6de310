// mergePipeline: which snapshot wins, and that the choice is order-free.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mergePipeline } from "../../src/core/merge.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { pl } from "./helpers.ts";
import { fcParams } from "./property-params.ts";

describe("mergePipeline", () => {
  test("terminal beats non-terminal even with a lower updated", () => {
    const running = pl({ id: 1, status: "running", updated: 900, finished: 0 });
    const done = pl({ id: 1, status: "failure", updated: 800 });
    expect(mergePipeline(running, done)).toBe(done);
    expect(mergePipeline(done, running)).toBe(done);
  });

  test("otherwise the higher updated wins", () => {
    const pending = pl({ id: 1, status: "pending", updated: 100, finished: 0 });
    const running = pl({ id: 1, status: "running", updated: 200, finished: 0 });
    expect(mergePipeline(pending, running)).toBe(running);
    expect(mergePipeline(running, pending)).toBe(running);
    const early = pl({ id: 1, status: "success", updated: 300 });
    const late = pl({ id: 1, status: "failure", updated: 301 });
    expect(mergePipeline(late, early)).toBe(late);
  });

  test("ties are broken the same way in both argument orders", () => {
    const a = pl({ id: 1, status: "running", updated: 100, finished: 0, branch: "a" });
    const b = pl({ id: 1, status: "running", updated: 100, finished: 0, branch: "b" });
    expect(mergePipeline(a, b)).toBe(mergePipeline(b, a));
    expect(mergePipeline(a, b).branch).toBe("b");
  });

  test("idempotent, and different ids are a caller bug", () => {
    const a = pl({ id: 1 });
    expect(mergePipeline(a, a)).toBe(a);
    expect(() => mergePipeline(a, pl({ id: 2 }))).toThrow(RangeError);
  });

  test("property: commutative, associative, idempotent", () => {
    const statuses = [
      "created",
      "pending",
      "running",
      "blocked",
      "success",
      "failure",
      "error",
      "killed",
      "canceled",
      "declined",
      "skipped",
    ];
    const snap: fc.Arbitrary<Pipeline> = fc.record({
      id: fc.constant(1),
      number: fc.integer({ min: 1, max: 3 }),
      parent: fc.integer({ min: 0, max: 2 }),
      event: fc.constantFrom("push", "deployment"),
      status: fc.constantFrom(...statuses),
      created: fc.integer({ min: 0, max: 3 }),
      updated: fc.integer({ min: 0, max: 3 }),
      started: fc.integer({ min: 0, max: 3 }),
      finished: fc.integer({ min: 0, max: 3 }),
      branch: fc.constantFrom("main", "dev"),
      commit: fc.constantFrom("a", "b"),
      ref: fc.constantFrom("r", "s"),
      deployTo: fc.constantFrom("", "prod"),
      message: fc.constantFrom("", "fix\n"),
    });
    fc.assert(
      fc.property(snap, snap, snap, (a, b, c) => {
        expect(mergePipeline(a, b)).toEqual(mergePipeline(b, a));
        expect(mergePipeline(mergePipeline(a, b), c)).toEqual(mergePipeline(a, mergePipeline(b, c)));
        expect(mergePipeline(a, a)).toEqual(a);
        const m = mergePipeline(a, b);
        expect(m === a || m === b).toBe(true);
      }),
      fcParams(2000),
    );
  });
});
