// parsePipeline (src/woodpecker/schemas.ts), the client's cheaper way to run PipelineSchema on a
// listed item, gives exactly what `v.safeParse(PipelineSchema, item)` gives: success, output,
// and every issue (message and path), for valid 3.x and 2.x items, items with unknown keys, and
// items with missing, null or wrongly typed fields. No timing here: see `bun run bench`.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as v from "valibot";
import { PipelineSchema, describeIssues, parsePipeline } from "../../src/woodpecker/schemas.ts";
import { fcParams } from "../core/property-params.ts";

const KEYS = [
  "id", "number", "parent", "event", "status", "created", "created_at", "updated", "updated_at", "started", "started_at",
  "finished", "finished_at", "branch", "commit", "ref", "deploy_to", "author", "message", "forge_url", "__proto__", "toString",
];
const value = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.integer({ min: -3, max: 2_000_000_000 }), fc.double(), fc.string({ maxLength: 3 }),
  fc.boolean(), fc.constant({}), fc.constant([]),
);
const anyObject = fc.dictionary(fc.constantFrom(...KEYS), value);
const valid3 = fc.record({
  id: fc.integer({ min: 1, max: 1e6 }), number: fc.integer({ min: 1, max: 1e6 }), event: fc.string(), status: fc.string(),
  created: fc.integer({ min: 1, max: 2e9 }), updated: fc.integer({ min: 0, max: 2e9 }), deploy_to: fc.string(), commit: fc.string(),
});
const valid2 = valid3.map(({ created, updated, ...rest }) => ({ ...rest, created_at: created, updated_at: updated }));
const item = fc.oneof(
  anyObject,
  valid3,
  valid2,
  fc.tuple(fc.oneof(valid3, valid2), anyObject).map(([a, b]) => ({ ...a, ...b })),
  fc.tuple(fc.oneof(valid3, valid2), fc.constantFrom("id", "number", "event", "status", "created")).map(([a, k]) => {
    const o: Record<string, unknown> = { ...a };
    delete o[k];
    return o;
  }),
  value,
  fc.jsonValue(),
);

function result(r: v.SafeParseResult<typeof PipelineSchema>) {
  return {
    success: r.success,
    typed: r.typed,
    output: r.success ? r.output : null,
    issues: (r.issues ?? []).map((i) => describeIssues([i])),
    reason: r.issues ? describeIssues(r.issues) : null,
  };
}

describe("parsePipeline", () => {
  test("equals v.safeParse(PipelineSchema, item) for any item", () => {
    fc.assert(
      fc.property(item, (x) => {
        // Through JSON when possible: what the client validates is always JSON.parse output.
        const parsed = (() => {
          try {
            const text = JSON.stringify(x);
            return text === undefined ? x : JSON.parse(text);
          } catch {
            return x;
          }
        })();
        for (const input of [x, parsed]) {
          const got = result(parsePipeline(input));
          const want = result(v.safeParse(PipelineSchema, input));
          expect(got).toEqual(want);
          expect(Bun.deepEquals(got, want, true)).toBe(true);
        }
      }),
      fcParams(3000),
    );
  });
});
