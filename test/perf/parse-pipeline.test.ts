// parsePipelinePage (src/woodpecker/schemas.ts): whatever the page, it keeps exactly the items a
// hand-written reading of the contract accepts (ids and numbers 1..2^32-1, times 0..2^32-1 with a
// created time, strings where strings are due; 3.x or 2.x keys; absent or null as zero values),
// as the Pipeline that reading gives, skips and counts the others, names the first one's problem
// in one line, and keeps the number of each skipped item that has a usable one. No timing here:
// see `bun run bench`.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Pipeline } from "../../src/core/model.ts";
import { UINT32_MAX, parsePipeline, parsePipelinePage } from "../../src/woodpecker/schemas.ts";
import { fcParams } from "../core/property-params.ts";

const KEYS = [
  "id",
  "number",
  "parent",
  "event",
  "status",
  "created",
  "created_at",
  "updated",
  "updated_at",
  "started",
  "started_at",
  "finished",
  "finished_at",
  "branch",
  "commit",
  "ref",
  "deploy_to",
  "author",
  "message",
  "forge_url",
  "__proto__",
  "toString",
];
const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -3, max: 2_000_000_000 }),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.constantFrom(-0, UINT32_MAX, UINT32_MAX + 1, 2 ** 53, 1.5),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);
const anyObject = fc.dictionary(fc.constantFrom(...KEYS), value);
const valid3 = fc.record({
  id: fc.integer({ min: 1, max: 1e6 }),
  number: fc.integer({ min: 1, max: 1e6 }),
  event: fc.string(),
  status: fc.string(),
  created: fc.integer({ min: 1, max: 2e9 }),
  updated: fc.integer({ min: 0, max: 2e9 }),
  deploy_to: fc.string(),
  commit: fc.string(),
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

/** Through JSON when possible: what the client validates is always JSON.parse output. */
function viaJson(x: unknown): unknown {
  try {
    const text = JSON.stringify(x);
    return text === undefined ? x : JSON.parse(text);
  } catch {
    return x;
  }
}

/** The reference, written from the contract rather than from the schema. */
function reference(x: unknown): Pipeline | null {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  const u32 = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;
  const time = (a: unknown, b: unknown) => a || b || 0;
  const p = {
    id: o.id,
    number: o.number,
    parent: o.parent ?? 0,
    event: o.event,
    status: o.status,
    created: o.created ?? o.created_at ?? 0,
    updated: time(o.updated, o.updated_at),
    started: time(o.started, o.started_at),
    finished: time(o.finished, o.finished_at),
    branch: o.branch ?? "",
    commit: o.commit ?? "",
    ref: o.ref ?? "",
    deployTo: o.deploy_to ?? "",
    message: o.message ?? "",
  };
  const numbersOk = [p.id, p.number, p.parent, p.created, p.updated, p.started, p.finished].every(u32);
  const positive = (p.id as number) > 0 && (p.number as number) > 0 && (p.created as number) > 0;
  const stringsOk = [p.event, p.status, p.branch, p.commit, p.ref, p.deployTo, p.message].every(
    (s) => typeof s === "string",
  );
  return numbersOk && positive && stringsOk ? (p as Pipeline) : null;
}

function itemByItem(items: readonly unknown[]) {
  const pipelines: Pipeline[] = [];
  const invalidNumbers: number[] = [];
  let firstInvalid: number | undefined;
  for (const [i, x] of items.entries()) {
    const p = reference(x);
    if (p) pipelines.push(p);
    else {
      firstInvalid ??= i;
      const n = (x as { number?: unknown } | null)?.number;
      if (typeof n === "number" && Number.isInteger(n) && n > 0 && n <= UINT32_MAX) invalidNumbers.push(n);
    }
  }
  return { pipelines, invalid: items.length - pipelines.length, firstInvalid, invalidNumbers };
}

describe("parsePipelinePage", () => {
  test("keeps exactly the items that pass on their own, skips and counts the others", () => {
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 8 }),
        fc.array(fc.oneof(valid3, valid2), { maxLength: 8 }),
        (bad, good) => {
          for (const items of [good, [...good, ...bad], bad]) {
            for (const page of [items, items.map(viaJson)]) {
              const got = parsePipelinePage(page);
              const want = itemByItem(page);
              expect(got.pipelines).toEqual(want.pipelines);
              expect(Bun.deepEquals(got.pipelines, want.pipelines, true)).toBe(true);
              expect(got.invalid).toBe(want.invalid);
              if (want.firstInvalid === undefined) expect(got.firstInvalidReason).toBeUndefined();
              else {
                expect(got.firstInvalidReason).toStartWith(`item [${want.firstInvalid}]: `);
                expect(got.firstInvalidReason).not.toContain("\n");
              }
              expect(got.invalidNumbers).toEqual(want.invalidNumbers);
            }
          }
        },
      ),
      fcParams(1000),
    );
  });

  test("a value the store cannot hold is a bad object with a one-line reason", () => {
    const ok = { id: 7, number: 3, event: "push", status: "success", created: 1_700_000_000 };
    for (const [key, value] of [
      ["created", UINT32_MAX + 1],
      ["id", 2 ** 53],
      ["id", 0],
      ["number", -1],
      ["number", 0],
      ["updated", 1.5],
      ["started", -1],
      ["finished", 2 ** 32],
      ["parent", 1e12],
      ["parent", "1"],
    ] as const) {
      const page = parsePipelinePage([ok, { ...ok, id: 8, [key]: value }]);
      expect(page.pipelines.map((p) => p.id)).toEqual([7]);
      expect(page.invalid).toBe(1);
      expect(page.firstInvalidReason).toStartWith(`item [1]: ${key}: Invalid `);
      expect(page.firstInvalidReason).not.toContain("\n");
      const one = parsePipeline({ ...ok, [key]: value });
      expect(one.ok).toBe(false);
    }
    expect(parsePipelinePage([{ ...ok, created: UINT32_MAX }]).pipelines[0]!.created).toBe(UINT32_MAX);
    // The reasons are valibot's own messages for the field's checks, as one line.
    expect(parsePipeline({ ...ok, created: 0 })).toEqual({
      ok: false,
      reason: "created: pipeline has no created time",
    });
    expect(parsePipeline({ ...ok, id: 0 })).toEqual({
      ok: false,
      reason: "id: Invalid value: Expected >=1 but received 0",
    });
    expect(parsePipeline({ ...ok, updated: 1.5 })).toEqual({
      ok: false,
      reason: "updated: Invalid integer: Received 1.5",
    });
    expect(parsePipeline({ ...ok, parent: "1" })).toEqual({
      ok: false,
      reason: 'parent: Invalid type: Expected number but received "1"',
    });
    expect(parsePipeline({ ...ok, finished: UINT32_MAX + 1 })).toEqual({
      ok: false,
      reason: "finished: Invalid value: Expected <=4294967295 but received 4294967296",
    });
  });
});
