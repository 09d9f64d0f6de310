// A small inline-SVG chart of one repo's deployments (up, green) and failures (down, red) per day.
// No script, no external resource; each bar carries a <title> for hover and screen readers.
import type { DayPoint } from "../../core/summary.ts";
import { html, type Html } from "../html.ts";

const BAR = 6;
const GAP = 2;
const UP = 36; // px above the axis for the busiest day's deployments
const DOWN = 14; // px below it for failures

export function dailyChart(repo: string, daily: readonly DayPoint[]): Html {
  const max = Math.max(1, ...daily.map((d) => d.deployments));
  const maxFail = Math.max(1, ...daily.map((d) => d.failures));
  const width = daily.length * (BAR + GAP);
  const height = UP + DOWN + 2;
  const axis = UP + 1;
  const deployments = daily.reduce((n, d) => n + d.deployments, 0);
  const failures = daily.reduce((n, d) => n + d.failures, 0);
  const bars = daily.map((d, i) => {
    const x = i * (BAR + GAP);
    const day = new Date((d.start + 86_400) * 1000).toISOString().slice(0, 10);
    const up = d.deployments === 0 ? 0 : Math.max(2, Math.round((d.deployments / max) * UP));
    const down = d.failures === 0 ? 0 : Math.max(2, Math.round((d.failures / maxFail) * DOWN));
    return html`<g><title>${day}: ${d.deployments} deployment${d.deployments === 1 ? "" : "s"}, ${d.failures} \
failure${d.failures === 1 ? "" : "s"}</title><rect x="${x}" y="0" width="${BAR + GAP}" height="${height}" \
fill="transparent"/>${
      up > 0 ? html`<rect class="ok" x="${x}" y="${axis - up}" width="${BAR}" height="${up}" rx="1"/>` : ""
    }${down > 0 ? html`<rect class="fail" x="${x}" y="${axis + 1}" width="${BAR}" height="${down}" rx="1"/>` : ""}</g>`;
  });
  const svg = html`<svg class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" \
aria-label="${repo}: ${deployments} deployments and ${failures} failures over ${daily.length} days"><line x1="0" \
x2="${width}" y1="${axis + 0.5}" y2="${axis + 0.5}" class="axis"/>${bars}</svg>`;
  return html`${svg}${dateAxis(daily)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The day a bucket (start, start + 86400] ends on, as "2 Aug". */
function dayLabel(d: DayPoint): string {
  const date = new Date((d.start + 86_400) * 1000);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

/**
 * Dates under the chart: first, middle and last day (UTC). Plain HTML rather than SVG text, which
 * the chart's non-uniform scaling would stretch.
 */
function dateAxis(daily: readonly DayPoint[]): Html | string {
  if (daily.length === 0) return "";
  const picks = daily.length < 3 ? [...daily] : [daily[0]!, daily[Math.floor((daily.length - 1) / 2)]!, daily.at(-1)!];
  return html`<div class="dates" aria-hidden="true">${picks.map((d) => html`<span>${dayLabel(d)}</span>`)}</div>`;
}
