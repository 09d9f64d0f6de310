// How numbers are written for humans: on the page and in `report`'s table and markdown. One set of
// functions, so the page, the table and the browser test that compares them with the API agree.
import type { Level } from "../core/levels.ts";

export const NONE = "—";

/** 0 s, 45 s, 12 min, 3.4 h, 2.1 d (one decimal from hours on, under 10). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return NONE;
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${oneDecimal(s / 3600)} h`;
  return `${oneDecimal(s / 86_400)} d`;
}

/** Deployments per day, scaled so the number stays readable: /day, /week or /month. */
export function formatFrequency(perDay: number, deployments: number): string {
  if (deployments === 0) return "0";
  if (perDay >= 1) return `${oneDecimal(perDay)}/day`;
  if (perDay * 7 >= 1) return `${oneDecimal(perDay * 7)}/week`;
  return `${oneDecimal(perDay * 30)}/month`;
}

export function formatRate(rate: number | null): string {
  if (rate === null) return NONE;
  const pct = rate * 100;
  let text = String(Math.round(pct * 10) / 10);
  // Never let rounding put a rate on a level boundary it is not on (10.04% is not "10%").
  if ((text === "5" || text === "10" || text === "15") && pct !== Number(text)) text = pct.toFixed(2);
  return `${text}%`;
}

/** 2026-09-01 14:05 UTC */
export function formatTime(unix: number | null): string {
  if (unix === null || unix <= 0) return "never";
  return new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** "3.4 h ago", relative to `now`. */
export function formatAgo(unix: number, now: number): string {
  if (unix <= 0) return "never";
  const d = now - unix;
  return d < 0 ? `in ${formatDuration(-d)}` : `${formatDuration(d)} ago`;
}

export const LEVEL_TEXT: Record<Level, string> = {
  elite: "elite",
  high: "high",
  medium: "medium",
  low: "low",
  none: "no data",
};

function oneDecimal(x: number): string {
  return x >= 10 ? String(Math.round(x)) : (Math.round(x * 10) / 10).toFixed(1).replace(/\.0$/, "");
}
