// fast-check settings of the reliability suite: a fixed number of runs that fits CI, scaled up by
// `bun run test:long` (FC_RUNS_SCALE), and a seed printed on every run and replayable with FC_SEED.
import type fc from "fast-check";

export function reliabilityParams(numRuns: number, label: string): fc.Parameters<unknown> {
  const scale = Number(process.env.FC_RUNS_SCALE ?? "1");
  const raw = process.env.FC_SEED;
  let seed: number;
  if (raw !== undefined && raw !== "") {
    seed = Number(raw);
    if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got "${raw}"`);
  } else {
    seed = (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  }
  // Printed up front too: a run killed by a timeout still leaves its seed behind.
  console.log(`[${label}] fast-check seed ${seed} (replay: FC_SEED=${seed} bun test test/reliability)`);
  return {
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
    seed,
    endOnFailure: false,
  };
}
