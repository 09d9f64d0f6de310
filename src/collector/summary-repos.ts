// The tracked repos as the window summary reads them (core/summary.ts SummaryRepo), for the
// JSON API, the page and `dora-exporter report`.
import { packRepoState, type PackedRepoState } from "../core/packed-state.ts";
import type { SummaryRepo } from "../core/summary.ts";
import type { Poller } from "./poller.ts";

/**
 * Every repo the poller has tracked, labelled by its current name (as the metrics are), then the
 * repo labels fed only by ArgoCD apps that map to no tracked repo (negative ids).
 */
export function summaryRepos(poller: Poller): SummaryRepo[] {
  const out: SummaryRepo[] = [];
  for (const r of poller.repos.values()) {
    out.push({ id: r.listing.id, fullName: r.stateLabel || r.listing.fullName, state: r.state });
  }
  for (const [id, r] of poller.argoOnlyStates) out.push({ id, fullName: r.label, state: r.state });
  return out;
}

/** The same repos with their states as kept (packed, never unpacked), for the window gauges. */
export function* gaugeRepos(
  poller: Poller,
): Generator<{ readonly id: number; readonly fullName: string; readonly state: PackedRepoState | null }> {
  for (const r of poller.repos.values()) {
    yield { id: r.listing.id, fullName: r.stateLabel || r.listing.fullName, state: r.packedState };
  }
  // packRepoState caches per state object: the same state gives the same packed object.
  for (const [id, r] of poller.argoOnlyStates) yield { id, fullName: r.label, state: packRepoState(r.state) };
}
