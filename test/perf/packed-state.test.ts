// The packed RepoState the poller keeps for the API and page (src/core/packed-state.ts)
// unpacks to exactly what the core computed: deep-equal, same key order, for random Woodpecker
// histories and for every number the client admits (uint32, woodpecker/schemas.ts) in every column.
// No timing here: memory is measured by `bun run bench`.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { anyStoredNumber } from "./any-number.ts";
import { packRepoState, unpackRepoState } from "../../src/core/packed-state.ts";
import { computeRepoDora } from "../../src/core/dora.ts";
import type { RepoState } from "../../src/core/state.ts";
import { REPO, historyArb } from "../core/history-arb.ts";
import { fcParams } from "../core/property-params.ts";

/** Every key in order and every value with its type. */
function shape(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(shape).join(",")}]`;
  if (x !== null && typeof x === "object")
    return `{${Object.entries(x)
      .map(([k, v]) => `${k}:${shape(v)}`)
      .join(",")}}`;
  return `${Object.is(x, -0) ? "-0" : String(x)}:${typeof x}`;
}

/** Deep-equal with the same key order at every level. */
function expectSame(got: RepoState, want: RepoState): void {
  expect(got).toEqual(want);
  expect(shape(got)).toBe(shape(want));
}

describe("packed RepoState", () => {
  test("unpack(pack(state)) equals the core's state for random histories", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const state = computeRepoDora(REPO, h.finals, h.options);
        expectSame(unpackRepoState(packRepoState(state)), state);
      }),
      fcParams(500),
    );
  });

  test("any number survives, in attempts and lead times alike", () => {
    const num = anyStoredNumber;
    const attempt = fc.record({ pipelineId: num, number: num, time: num, success: fc.boolean() });
    const lead = fc.record({
      deploymentNumber: num,
      deployedAt: num,
      changeNumber: fc.option(num, { nil: null }),
      seconds: num,
    });
    const target = fc.record({
      target: fc.string(),
      attempts: fc.array(attempt, { maxLength: 20 }),
      deployments: num,
      failures: num,
      lastSuccessAt: num,
      lastFailureAt: num,
      incidents: fc.constant([]),
      failingSince: num,
      restoreSeconds: fc.array(num, { maxLength: 3 }),
      leadTimes: fc.array(lead, { maxLength: 20 }),
      leadTimeSourceMissing: num,
      rework: fc.array(
        fc.record({
          deploymentNumber: num,
          deployedAt: num,
          reason: fc.constantFrom("rollback" as const, "revert" as const, "hotfix" as const, "rule" as const),
        }),
        { maxLength: 4 },
      ),
    });
    const state = fc.record({
      repoId: num,
      mode: fc.constantFrom("deployment-events" as const, "default-branch-push" as const, "rules" as const),
      targets: fc.array(target, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(state, (s) => {
        expectSame(unpackRepoState(packRepoState(s)), s);
      }),
      fcParams(500),
    );
  });
});
