// The window gauges' exposition (DEFINITIONS "Window gauges"): set from the values computed once
// per completed poll (view/gauges.ts, wired by exporter.ts) and rendered to text right then, so a
// scrape only appends bytes. The values are a function of the state and of the poll's time, never
// of the scrape's time: two scrapes between polls, or two replicas at the same poll time, agree.
import { Gauge, Registry } from "prom-client";

/** One window's values; null: no data in the window, so no series. */
export interface WindowGaugeValues {
  readonly window: string;
  readonly deploymentsPerDay: number;
  readonly changeFailureRatio: number | null;
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
  readonly recoveryTimeP50Seconds: number | null;
  readonly reworkRatio: number | null;
}

export interface WindowGaugeInput {
  readonly targets: readonly (WindowGaugeValues & { readonly repo: string; readonly deployTo: string })[];
  readonly overall: readonly WindowGaugeValues[];
  readonly coverage: readonly { readonly window: string; readonly ratio: number }[];
}

type Key = Exclude<keyof WindowGaugeValues, "window">;

/** Metric name suffix (after `dora_` / `dora_overall_`) and help of each value. */
const FAMILIES: readonly { readonly key: Key; readonly name: string; readonly help: string }[] = [
  { key: "deploymentsPerDay", name: "window_deployments_per_day", help: "Successful deployments in the window / its length in days." },
  { key: "changeFailureRatio", name: "window_change_failure_ratio", help: "Failed / all deployment attempts in the window (no series without attempts)." },
  { key: "leadTimeP50Seconds", name: "window_lead_time_p50_seconds", help: "Median lead time of the changes delivered in the window." },
  { key: "leadTimeP90Seconds", name: "window_lead_time_p90_seconds", help: "90th percentile (nearest rank) lead time of the changes delivered in the window." },
  { key: "recoveryTimeP50Seconds", name: "window_recovery_time_p50_seconds", help: "Median time to restore of the incidents closed in the window." },
  { key: "reworkRatio", name: "window_rework_ratio", help: "Rework / successful deployments in the window (no series without successful deployments)." },
];

const encoder = new TextEncoder();

export class WindowGaugeMetrics {
  private readonly registry = new Registry();
  private readonly perTarget: Gauge<"repo" | "deploy_to" | "window">[];
  private readonly overall: Gauge<"window">[];
  private readonly coverage: Gauge<"window">;
  private text: Uint8Array = new Uint8Array(0);

  constructor() {
    const registers = [this.registry];
    this.perTarget = FAMILIES.map(
      (f) => new Gauge({ name: `dora_${f.name}`, help: `${f.help} Per target.`, labelNames: ["repo", "deploy_to", "window"], registers }),
    );
    this.overall = FAMILIES.map(
      (f) => new Gauge({ name: `dora_overall_${f.name}`, help: `${f.help} All targets pooled.`, labelNames: ["window"], registers }),
    );
    this.coverage = new Gauge({
      name: "dora_window_coverage_ratio",
      help: "min(1, (window end - origin) / window length): below 1 the window reaches back before the history read (origin: DORA_SINCE, else the oldest pipeline read).",
      labelNames: ["window"],
      registers,
    });
  }

  /** Replace every window series with `input`'s and render them. */
  async set(input: WindowGaugeInput): Promise<void> {
    this.registry.resetMetrics();
    FAMILIES.forEach((f, i) => {
      for (const t of input.targets) {
        const v = t[f.key];
        if (v !== null) this.perTarget[i]!.set({ repo: t.repo, deploy_to: t.deployTo, window: t.window }, v);
      }
      for (const o of input.overall) {
        const v = o[f.key];
        if (v !== null) this.overall[i]!.set({ window: o.window }, v);
      }
    });
    for (const c of input.coverage) this.coverage.set({ window: c.window }, c.ratio);
    this.text = encoder.encode(await this.registry.metrics());
  }

  /** The rendered families (`# HELP`/`# TYPE` and samples), empty before the first `set`. */
  encoded(): Uint8Array {
    return this.text;
  }
}
