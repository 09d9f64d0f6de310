// The DORA performance levels of the keys (DEFINITIONS "Windows and levels").

export const DAY = 86_400;

export type Level = "elite" | "high" | "medium" | "low" | "none";

/** >= 1/day elite, >= 1/week high, >= 1/month (30 days) medium, else low. Exact integer comparisons. */
export function deploymentFrequencyLevel(deployments: number, days: number): Level {
  if (deployments >= days) return "elite";
  if (deployments * 7 >= days) return "high";
  if (deployments * 30 >= days) return "medium";
  return "low";
}

/** Median lead time: < 1 day elite, < 1 week high, < 1 month (30 days) medium, else low. */
export function leadTimeLevel(medianSeconds: number | null): Level {
  if (medianSeconds === null) return "none";
  if (medianSeconds < DAY) return "elite";
  if (medianSeconds < 7 * DAY) return "high";
  if (medianSeconds < 30 * DAY) return "medium";
  return "low";
}

/** <= 5% elite, <= 10% high, <= 15% medium, else low (compared as failed·100 vs attempts·p). */
export function changeFailureRateLevel(failed: number, attempts: number): Level {
  if (attempts === 0) return "none";
  if (failed * 100 <= attempts * 5) return "elite";
  if (failed * 100 <= attempts * 10) return "high";
  if (failed * 100 <= attempts * 15) return "medium";
  return "low";
}

/** Why rework rate never has a level: shown wherever its level `none` is. */
export const REWORK_LEVEL_REASON = "DORA publishes no thresholds";

/** Rework rate has no level: DORA 2024 introduced it without performance clusters. */
export function reworkRateLevel(): Level {
  return "none";
}

/** Median time to restore: < 1 hour elite, < 1 day high, < 1 week medium, else low. */
export function timeToRestoreLevel(medianSeconds: number | null): Level {
  if (medianSeconds === null) return "none";
  if (medianSeconds < 3600) return "elite";
  if (medianSeconds < DAY) return "high";
  if (medianSeconds < 7 * DAY) return "medium";
  return "low";
}
