// Reads the numbers the page shows: every element with `data-k` (what it is), `data-value` (the
// raw number, empty for none) and its text. Shared by the agreement and browser tests.
import type { SummaryJson } from "../../src/view/window.ts";
import { formatDuration, formatFrequency, formatRate } from "../../src/view/format.ts";
import { sourcesText } from "../../src/view/sources.ts";

export interface Shown {
  readonly value: string | null;
  readonly text: string;
}

/** data-k -> what the server-rendered HTML shows. */
export function shownValues(html: string): Map<string, Shown> {
  const out = new Map<string, Shown>();
  for (const m of html.matchAll(/data-k="([^"]*)"(?: data-value="([^"]*)")?>([^<]*)/g)) {
    out.set(decode(m[1]!), { value: m[2] === undefined ? null : decode(m[2]), text: decode(m[3]!) });
  }
  return out;
}

/** What the page must show for an API summary: data-k -> { raw value, text }. */
export function expectedValues(sum: SummaryJson): Map<string, Shown> {
  const out = new Map<string, Shown>();
  const raw = (n: number | null) => (n === null ? "" : String(n));
  const keys = (prefix: string, k: SummaryJson["overall"]["keys"]) => {
    out.set(`${prefix}:df`, {
      value: raw(k.deploymentFrequency.perDay),
      text: formatFrequency(k.deploymentFrequency.perDay, k.deploymentFrequency.deployments),
    });
    out.set(`${prefix}:lt`, { value: raw(k.leadTime.medianSeconds), text: formatDuration(k.leadTime.medianSeconds) });
    out.set(`${prefix}:cfr`, { value: raw(k.changeFailureRate.rate), text: formatRate(k.changeFailureRate.rate) });
    out.set(`${prefix}:ttr`, {
      value: raw(k.timeToRestore.medianSeconds),
      text: formatDuration(k.timeToRestore.medianSeconds),
    });
    out.set(`${prefix}:rw`, { value: raw(k.reworkRate.rate), text: formatRate(k.reworkRate.rate) });
  };
  const o = sum.overall.keys;
  keys("overall", o);
  out.set("overall:lt90", { value: raw(o.leadTime.p90Seconds), text: formatDuration(o.leadTime.p90Seconds) });
  out.set("overall:deployments", { value: null, text: String(o.deploymentFrequency.deployments) });
  out.set("overall:changes", { value: null, text: String(o.leadTime.observations) });
  out.set("overall:failed", { value: null, text: String(o.changeFailureRate.failed) });
  out.set("overall:attempts", { value: null, text: String(o.changeFailureRate.attempts) });
  out.set("overall:restored", { value: null, text: String(o.timeToRestore.restored) });
  out.set("overall:rework", { value: null, text: String(o.reworkRate.rework) });
  out.set("overall:rw-deployments", { value: null, text: String(o.reworkRate.deployments) });
  out.set("overall:rw-level", { value: null, text: `no level: ${o.reworkRate.levelReason}` });
  for (const g of sum.groups ?? []) keys(`group:${g.group ?? ""}`, g.keys);
  // Once ArgoCD feeds a target, each target shows its sources, and the apps table their mappings.
  const sources = sum.targets.some((t) => t.sources.some((x) => x.source !== "woodpecker"));
  for (const t of sum.targets) {
    const id = `${t.repo}|${t.deployTo}`;
    keys(id, t.keys);
    out.set(`${id}:failing`, { value: raw(t.failing.since), text: "" });
    if (sources) out.set(`${id}:source`, { value: null, text: sourcesText(t.sources) });
  }
  for (const a of sum.apps) {
    out.set(`app:${a.app}:repo`, { value: null, text: a.repo });
    out.set(`app:${a.app}:target`, { value: null, text: a.deployTo });
    out.set(`app:${a.app}:by`, { value: null, text: a.by });
    out.set(`app:${a.app}:why`, { value: null, text: a.why });
  }
  return out;
}

function decode(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"');
}
