// Sharding (DORA_SHARD=k/n): n exporters split one Woodpecker server's repos between them, each
// tracking the repos whose id hashes to its index. The hash is of the numeric repo id, which
// Woodpecker never changes (a rename keeps it), so a repo stays on one shard for its whole life
// and every shard's counters stay a pure function of history. The union of the n shards' DORA
// series equals one unsharded exporter's (test/perf/shard.test.ts, shard-binary.test.ts).

import type { Shard } from "../config/config.ts";

export type { Shard };

/**
 * The shard a repo belongs to among `count`: FNV-1a (32 bit) of the decimal repo id, mod count.
 * Stable across versions, processes and platforms; easy to reproduce elsewhere.
 */
export function shardOf(repoId: number, count: number): number {
  return shardOfText(String(repoId), count);
}

/**
 * The shard of a text among `count`, by the same hash: an ArgoCD app that maps to no tracked repo
 * belongs to the shard of its `repo` label (DEFINITIONS "Shards").
 */
export function shardOfText(text: string, count: number): number {
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
