// Settings that are valid but almost surely not what the operator meant: said at start (log) and
// on the page for as long as they hold, instead of an empty exporter that calls itself ready.
import type { Shard } from "../config/config.ts";

export interface WarningInput {
  /** DORA_SINCE, Unix seconds (0: all history). */
  readonly since: number;
  /** DORA_REPOS. */
  readonly repos: readonly string[];
  readonly shard: Shard | null;
  /** Unix seconds. */
  readonly now: number;
  /** The last poll: whether it completed, and the repos it saw and kept. */
  readonly lastCycleOk: boolean | null;
  readonly listedRepos: number;
  readonly trackedRepos: number;
}

export function exporterWarnings(w: WarningInput): string[] {
  const out: string[] = [];
  if (w.since > w.now) {
    out.push(
      `DORA_SINCE ${new Date(w.since * 1000).toISOString().replace(".000Z", "Z")} is in the future: every ` +
        `pipeline is older, so nothing is counted until then`,
    );
  }
  // Only after a complete listing: an incomplete one proves nothing about the globs.
  if (w.lastCycleOk === true && w.trackedRepos === 0) {
    const seen = `${w.listedRepos} active repo${w.listedRepos === 1 ? "" : "s"} the token can see`;
    if (w.listedRepos === 0)
      out.push(
        "the token can see no active repo: nothing to track (activate repos in Woodpecker, or use a token of a " +
          "user with access)",
      );
    else if (w.repos.length > 0)
      out.push(
        `DORA_REPOS ${w.repos.join(",")} matches none of the ${seen}${
          w.shard
            ? ` (in \
shard ${w.shard.index}/${w.shard.count})`
            : ""
        }`,
      );
    else if (w.shard) out.push(`DORA_SHARD ${w.shard.index}/${w.shard.count} holds none of the ${seen}`);
  }
  return out;
}
