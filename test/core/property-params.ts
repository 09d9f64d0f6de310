// fast-check settings shared by the property tests: a fixed number of runs, and a reproducible
// seed when FC_SEED is set (a failing run prints its seed and path).
import type fc from "fast-check";

export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const raw = process.env.FC_SEED;
  if (raw === undefined || raw === "") return { numRuns };
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got "${raw}"`);
  return { numRuns, seed };
}
