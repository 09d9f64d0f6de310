// What differs between Woodpecker server versions, as far as reading pipelines goes (API-NOTES
// "Version differences"): which list filters the server honours, and what `parent` holds.
import type { Pipeline } from "../core/model.ts";
import type { RepoHistory } from "./repo-history.ts";

/** Servers before 2.5 ignore `before` and put the parent's id, not its number, in `parent` (API-NOTES). */
export function olderThan25(version: string | null | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? "");
  return m !== null && (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 5));
}

/**
 * A history read from a server before 2.5, with each `parent` id turned into that pipeline's
 * number, as the core (and 2.5+) expect. A parent the exporter does not hold (deleted before it
 * was read, or created before DORA_SINCE) is no parent, as a missing parent number is on 2.5+.
 */
export function* parentsAsNumbers(history: RepoHistory): IterableIterator<Pipeline> {
  for (const p of history.pipelines.values()) {
    yield p.parent > 0 ? { ...p, parent: history.pipelines.get(p.parent)?.number ?? 0 } : p;
  }
}

/** Which list filters the server honours (API-NOTES: `after` since 2.5, the others since 3.0). */
export function supportsFilters(version: string | null | undefined): { events: boolean; after: boolean } {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? "");
  if (!m) return { events: false, after: false };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return { events: major >= 3, after: major >= 3 || (major === 2 && minor >= 5) };
}
