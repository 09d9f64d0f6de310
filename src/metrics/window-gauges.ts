// The window gauges' exposition (DEFINITIONS "Window gauges"): set from the values computed once
// per completed poll (view/gauges.ts, wired by exporter.ts) and rendered to text right then, so a
// scrape only appends bytes. The values are a function of the state and of the poll's time, never
// of the scrape's time: two scrapes between polls, or two replicas at the same poll time, agree.

import type { WindowGauges, WindowValues } from "../core/window-values.ts";

/** What is written out: the gauges without their time (a scrape never reads a clock). */
export type WindowGaugeInput = Pick<WindowGauges, "targets" | "overall" | "coverage">;

type Key = Exclude<keyof WindowValues, "window">;

/** Metric name suffix (after `dora_` / `dora_overall_`) and help of each value. */
const FAMILIES: readonly { readonly key: Key; readonly name: string; readonly help: string }[] = [
  {
    key: "deploymentsPerDay",
    name: "window_deployments_per_day",
    help: "Successful deployments in the window / its length in days.",
  },
  {
    key: "changeFailureRatio",
    name: "window_change_failure_ratio",
    help: "Failed / all deployment attempts in the window (no series without attempts).",
  },
  {
    key: "leadTimeP50Seconds",
    name: "window_lead_time_p50_seconds",
    help: "Median lead time of the changes delivered in the window.",
  },
  {
    key: "leadTimeP90Seconds",
    name: "window_lead_time_p90_seconds",
    help: "90th percentile (nearest rank) lead time of the changes delivered in the window.",
  },
  {
    key: "recoveryTimeP50Seconds",
    name: "window_recovery_time_p50_seconds",
    help: "Median time to restore of the incidents closed in the window.",
  },
  {
    key: "reworkRatio",
    name: "window_rework_ratio",
    help: "Rework / successful deployments in the window (no series without successful deployments).",
  },
];

/**
 * Written here rather than through prom-client's Gauge: at 1,000 repos x 3 targets these are ~70k
 * samples rewritten on every poll, and prom-client's label hashing and rendering took ~0.5 s of
 * each poll for them. The text is what prom-client writes for the same values (HELP/TYPE, label
 * escaping, number format, families joined by a blank line): test/metrics/window-gauges.test.ts
 * compares the two byte for byte.
 */
export class WindowGaugeMetrics {
  /** The per-target and overall families of the last `set`, and what they were rendered from. */
  private main: { readonly targets: object; readonly overall: object; readonly text: Blob } | null = null;
  private coverage = "";
  /**
   * The per-target families as last rendered: each family's text (its header, then one "\n" +
   * line per row that has a series) and where each row's segment starts (one more entry: the end).
   * A poll in which a few rows changed (an event left a window) hands in the other rows as the
   * same objects (view/window-tracker.ts): their segments are sliced from here instead of
   * formatted again (~11 ms for 11,200 rows; issue 14, idle poll).
   */
  private rendered: {
    readonly targets: WindowGaugeInput["targets"];
    readonly texts: readonly string[];
    readonly starts: readonly Int32Array[];
  } | null = null;

  /** Replace every window series with `input`'s and render them. */
  set(input: WindowGaugeInput): void {
    if (this.main === null || this.main.targets !== input.targets || this.main.overall !== input.overall) {
      const families = this.renderTargets(input.targets);
      for (const f of FAMILIES) {
        const out = header(`dora_overall_${f.name}`, `${f.help} All targets pooled.`);
        for (const o of input.overall) {
          const v = o[f.key];
          if (v !== null) out.push(`dora_overall_${f.name}{window="${escapeLabel(o.window)}"} ${v}`);
        }
        families.push(out.join("\n"));
      }
      this.main = { targets: input.targets, overall: input.overall, text: new Blob([families.join("\n\n")]) };
    }
    const coverage = header("dora_window_coverage_ratio", COVERAGE_HELP);
    for (const c of input.coverage)
      coverage.push(`dora_window_coverage_ratio{window="${escapeLabel(c.window)}"} ${c.ratio}`);
    this.coverage = "\n\n" + coverage.join("\n") + "\n";
  }

  /** The per-target families' texts, reusing the segments of rows handed in again at the same place. */
  private renderTargets(targets: WindowGaugeInput["targets"]): string[] {
    const before = this.rendered;
    const reuse = before !== null && before.targets.length === targets.length;
    const texts: string[] = [];
    const starts: Int32Array[] = [];
    FAMILIES.forEach((f, k) => {
      const name = `dora_${f.name}`;
      const head = header(name, `${f.help} Per target.`).join("\n");
      const parts: string[] = [head];
      const at = new Int32Array(targets.length + 1);
      let length = head.length;
      // Runs of rows handed in again are sliced from the last text in one piece each.
      const bt = before?.texts[k] ?? "";
      const bs = before?.starts[k] ?? at;
      let run = -1;
      let runAt = 0;
      const endRun = (end: number) => {
        parts.push(bt.slice(bs[run]!, bs[end]!));
        length = runAt + (bs[end]! - bs[run]!);
        run = -1;
      };
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i]!;
        if (reuse && before.targets[i] === t) {
          if (run < 0) [run, runAt] = [i, length];
          at[i] = runAt + (bs[i]! - bs[run]!);
          continue;
        }
        if (run >= 0) endRun(i);
        at[i] = length;
        const v = t[f.key];
        const segment = v === null ? "" : `\n${name}${labelSet(t)} ${v}`;
        parts.push(segment);
        length += segment.length;
      }
      if (run >= 0) endRun(targets.length);
      at[targets.length] = length;
      texts.push(parts.join(""));
      starts.push(at);
    });
    this.rendered = { targets, texts, starts };
    return [...texts];
  }

  /**
   * The rendered families (`# HELP`/`# TYPE` and samples) as parts of a Blob, none before the
   * first `set`. Parts, not one Blob: joining them would copy the ~2 MB kept per poll once more.
   */
  parts(): (Blob | string)[] {
    return this.main === null ? [] : [this.main.text, this.coverage];
  }
}

/** A target row's label set, `{repo="…",deploy_to="…",window="…"}`. */
function labelSet(t: WindowGaugeInput["targets"][number]): string {
  return `{repo="${escapeLabel(t.repo)}",deploy_to="${escapeLabel(t.deployTo)}",window="${escapeLabel(t.window)}"}`;
}

export const COVERAGE_HELP =
  "min(1, (window end - origin) / window length): below 1 the window reaches back before the history read " +
  "(origin: DORA_SINCE, else the oldest pipeline read).";

/** Every family's name and help, for a reference rendering with prom-client in the tests. */
export const WINDOW_GAUGE_FAMILIES = FAMILIES;

function header(name: string, help: string): string[] {
  return [`# HELP ${name} ${escapeText(help)}`, `# TYPE ${name} gauge`];
}

function escapeText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** As prom-client escapes label values (values here are finite numbers: no NaN/Inf spelling). */
function escapeLabel(s: string): string {
  return escapeText(s).replace(/"/g, '\\"');
}
