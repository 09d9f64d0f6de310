// The window gauges of the metrics contract (DEFINITIONS "Window gauges"): the window summary's
// values for 1d, 7d, 30d and 90d, per target and overall, plus how much of each window the history
// read covers. The same pure summary (core/summary.ts) as the page, the API and `report`, so the
// three agree for the same `now`. The exporter keeps them between polls with window-tracker.ts
// (property-tested equal to this), never computing them per scrape.
import { DAY } from "../core/levels.ts";
import { summarize, type Keys, type SummaryRepo } from "../core/summary.ts";
import type { TargetWindowValues, WindowGauges, WindowValues } from "../core/window-values.ts";

export type { TargetWindowValues, WindowGauges, WindowValues };

/** The windows the gauges carry (label `window`), shortest first. */
export const GAUGE_WINDOWS: readonly { readonly label: string; readonly days: number }[] = [
  { label: "1d", days: 1 },
  { label: "7d", days: 7 },
  { label: "30d", days: 30 },
  { label: "90d", days: 90 },
];

/**
 * @param origin DORA_SINCE if set, else the lowest `created` of any pipeline read; null when
 *   neither exists (nothing read yet): then no coverage series.
 */
export function windowGauges(repos: readonly SummaryRepo[], now: number, origin: number | null): WindowGauges {
  return combine(
    GAUGE_WINDOWS.map((w) => oneWindow(repos, now, w)),
    now,
    origin,
  );
}

interface WindowPart {
  readonly overall: WindowValues;
  /** In summarize()'s order: repo name (then id), then target. */
  readonly targets: readonly (TargetWindowValues & { readonly key: string })[];
}

function oneWindow(repos: readonly SummaryRepo[], now: number, w: (typeof GAUGE_WINDOWS)[number]): WindowPart {
  const s = summarize(repos, { windowDays: w.days, now });
  return {
    overall: valuesOf(w.label, s.overall.keys),
    // Keyed by id too: two repos may briefly share a name (deleted and re-created).
    targets: s.targets.map((t) => ({
      key: `${t.repoId}\u0000${t.deployTo}`,
      repo: t.repo,
      deployTo: t.deployTo,
      ...valuesOf(w.label, t.keys),
    })),
  };
}

function combine(parts: readonly WindowPart[], now: number, origin: number | null): WindowGauges {
  // Every window lists the same targets (all with DORA series); group them per target.
  const perTarget = new Map<string, TargetWindowValues[]>();
  for (const part of parts) {
    for (const { key, ...row } of part.targets) {
      const rows = perTarget.get(key);
      if (rows) rows.push(row);
      else perTarget.set(key, [row]);
    }
  }
  return {
    now,
    targets: [...perTarget.values()].flat(),
    overall: parts.map((p) => p.overall),
    coverage:
      origin === null
        ? []
        : GAUGE_WINDOWS.map((w) => ({
            window: w.label,
            ratio: Math.max(0, Math.min(1, (now - origin) / (w.days * DAY))),
          })),
  };
}

function valuesOf(window: string, k: Keys): WindowValues {
  return {
    window,
    deploymentsPerDay: k.deploymentFrequency.perDay,
    changeFailureRatio: k.changeFailureRate.rate,
    leadTimeP50Seconds: k.leadTime.medianSeconds,
    leadTimeP90Seconds: k.leadTime.p90Seconds,
    recoveryTimeP50Seconds: k.timeToRestore.medianSeconds,
    reworkRatio: k.reworkRate.rate,
  };
}
