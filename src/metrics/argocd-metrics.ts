// ArgoCD's health series and `dora_target_info` (DEFINITIONS "Prometheus metrics": "With ArgoCD"),
// registered only when ARGOCD_URL is set, so that without it the exposition stays as it was.
import { Counter, Gauge, type Registry } from "prom-client";
import type { RepoState } from "../core/state.ts";

/** What the gauges read of the ArgoCD source (collector/argocd-source.ts has this shape). */
export interface ArgoHealth {
  readonly lastOk: boolean | null;
  readonly apps: number;
}

export class ArgoMetrics {
  readonly requests: Counter<"code">;
  /** Repo id -> its label and, per target, the sources feeding it. */
  private readonly targets = new Map<
    number,
    { label: string; rows: { target: string; source: string; app: string }[] }
  >();

  constructor(registry: Registry, status: () => ArgoHealth, streamConnected: () => boolean) {
    const registers = [registry];
    new Gauge({
      name: "dora_argocd_up",
      help: "1 when the last ArgoCD list was answered correctly with an accepted token, else 0.",
      registers,
      collect() {
        this.set(status().lastOk === true ? 1 : 0);
      },
    });
    this.requests = new Counter({
      name: "dora_argocd_requests_total",
      help: 'HTTP requests to ArgoCD by response code ("error": no response), retries and stream connections included.',
      labelNames: ["code"],
      registers,
    });
    new Gauge({
      name: "dora_argocd_apps",
      help: "ArgoCD Applications read (listed, selected by ARGOCD_APPS and ARGOCD_SELECTOR, valid).",
      registers,
      collect() {
        this.set(status().apps);
      },
    });
    new Gauge({
      name: "dora_argocd_stream_connected",
      help: "1 while the ArgoCD watch stream is open, else 0.",
      registers,
      collect() {
        this.set(streamConnected() ? 1 : 0);
      },
    });
    const targets = this.targets;
    new Gauge({
      name: "dora_target_info",
      help:
        'Where each target\'s deployment attempts come from: source="woodpecker" (app="") or source="argocd" ' +
        '(app="<project>/<name>"); always 1.',
      labelNames: ["repo", "deploy_to", "source", "app"],
      registers,
      collect() {
        this.reset();
        for (const { label, rows } of targets.values()) {
          for (const r of rows) this.set({ repo: label, deploy_to: r.target, source: r.source, app: r.app }, 1);
        }
      },
    });
  }

  /** The sources of a repo's targets, from its new state. */
  setRepo(repoId: number, label: string, state: RepoState): void {
    const rows: { target: string; source: string; app: string }[] = [];
    for (const t of state.targets) {
      if (t.attempts.some((a) => a.app === undefined)) rows.push({ target: t.target, source: "woodpecker", app: "" });
      const apps = [...new Set(t.attempts.flatMap((a) => (a.app === undefined ? [] : [a.app])))].sort();
      for (const app of apps) rows.push({ target: t.target, source: "argocd", app });
    }
    // One label per repo id, as for the DORA series: a label taken over drops the older holder.
    for (const [id, v] of this.targets) if (id !== repoId && v.label === label) this.targets.delete(id);
    this.targets.set(repoId, { label, rows });
  }

  removeRepo(repoId: number): void {
    this.targets.delete(repoId);
  }
}
