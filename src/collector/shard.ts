// Sharding (DORA_SHARD=k/n): n exporters split one Woodpecker server's repos between them, each
// tracking the repos whose id hashes to its index. The hash is of the numeric repo id, which
// Woodpecker never changes (a rename keeps it), so a repo stays on one shard for its whole life
// and every shard's counters stay a pure function of history. The union of the n shards' DORA
// series equals one unsharded exporter's (test/perf/shard.test.ts, shard-binary.test.ts).

/** Shard `index` of `count` (0 <= index < count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

import { show } from "../config/format.ts";

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** `k/n`: shard k (counted from 0) of n, 1 <= n <= 1024. */
export function parseShard(raw: string): Parsed<Shard> {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(raw.replace(/\s+/g, ""));
  if (!m) return { ok: false, problem: `${show(raw)} is not k/n (shard k of n, counted from 0, e.g. 0/2 and 1/2)` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1024) return { ok: false, problem: `${show(raw)}: n must be from 1 to 1024` };
  if (index >= count) {
    return { ok: false, problem: `${show(raw)}: k must be from 0 to ${count - 1} (shards are counted from 0)` };
  }
  return { ok: true, value: { index, count } };
}

/**
 * The shard a repo belongs to among `count`: FNV-1a (32 bit) of the decimal repo id, mod count.
 * Stable across versions, processes and platforms; easy to reproduce elsewhere.
 */
export function shardOf(repoId: number, count: number): number {
  const text = String(repoId);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/** Whether this exporter (shard `shard`, or all repos when null) tracks the repo. */
export function inShard(repoId: number, shard: Shard | null): boolean {
  return shard === null || shardOf(repoId, shard.count) === shard.index;
}
