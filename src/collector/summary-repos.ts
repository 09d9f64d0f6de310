// The tracked repos as the window summary reads them (core/summary.ts SummaryRepo), for the
// JSON API, the page and `dora-exporter report`.
import type { SummaryRepo } from "../core/summary.ts";
import type { ArgoStep } from "./argocd-step.ts";
import type { Poller } from "./poller.ts";

/**
 * Every repo the poller has tracked, labelled by its current name (as the metrics are), and with
 * ArgoCD the repo labels fed only by apps that map to no tracked repo (negative ids).
 */
export function summaryRepos(poller: Poller, argo: ArgoStep | null = null): SummaryRepo[] {
  const out: SummaryRepo[] = [];
  for (const r of poller.repos.values()) {
    out.push({ id: r.listing.id, fullName: r.stateLabel || r.listing.fullName, state: r.state });
  }
  for (const r of argo?.argoOnly.values() ?? []) {
    const state = poller.argoOnlyStates.get(r.id);
    if (state) out.push({ id: r.id, fullName: r.label, state });
  }
  return out;
}
