// Memory safety for big servers (issue 14): what the exporter may use, a warning when its RSS
// nears that, and what a history of a given size is expected to need. The expectation comes from
// the bench (BENCHMARKS.md, 1,000 repos x 1,000 pipelines on the compiled binary): a fixed
// runtime plus a cost per stored (push or deployment) pipeline, settled and at the backfill's peak.
import { readFileSync } from "node:fs";
import type { Logger } from "./log.ts";

/** The binary tracking nothing: its peak RSS (VmHWM) and its RSS settled (BENCHMARKS.md). */
export const RUNTIME_PEAK_BYTES = 72 * 2 ** 20;
export const RUNTIME_SETTLED_BYTES = 68 * 2 ** 20;
/**
 * Per stored pipeline, above the runtime, at the backfill's peak (VmHWM) and settled 10 s after
 * it (BENCHMARKS.md, 2026-11-29 17:54 and 18:00 on a quiet machine: 238-251 and 197-200 bytes over
 * 636,857 stored pipelines), rounded up.
 */
export const PEAK_BYTES_PER_PIPELINE = 255;
export const SETTLED_BYTES_PER_PIPELINE = 200;

export interface MemoryLimit {
  readonly bytes: number;
  readonly from: "DORA_MEMORY_LIMIT" | "cgroup";
}

/** cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`; null when unlimited or unreadable. */
export function cgroupMemoryLimit(read: (path: string) => string = (p) => readFileSync(p, "utf8")): number | null {
  for (const path of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    let text: string;
    try {
      text = read(path).trim();
    } catch {
      continue;
    }
    const bytes = Number(text);
    // "max" (v2) or a page-rounded 2^63 (v1) mean no limit.
    if (text === "max" || !Number.isSafeInteger(bytes) || bytes <= 0) return null;
    return bytes;
  }
  return null;
}

/** DORA_MEMORY_LIMIT when set, else the cgroup's limit when there is one. */
export function memoryLimit(
  configured: number | null,
  cgroup: () => number | null = cgroupMemoryLimit,
): MemoryLimit | null {
  if (configured !== null) return { bytes: configured, from: "DORA_MEMORY_LIMIT" };
  const bytes = cgroup();
  return bytes === null ? null : { bytes, from: "cgroup" };
}

/** Expected RSS for `pipelines` stored push and deployment pipelines (one shard's, with DORA_SHARD). */
export function expectedMemory(pipelines: number): { settled: number; peak: number } {
  return {
    settled: RUNTIME_SETTLED_BYTES + SETTLED_BYTES_PER_PIPELINE * pipelines,
    peak: RUNTIME_PEAK_BYTES + PEAK_BYTES_PER_PIPELINE * pipelines,
  };
}

export const WARN_AT = 0.8;
const REARM_AT = 0.7;
const HINT = "set DORA_SINCE to keep less history, or split the repos with DORA_SHARD (docs/scaling.md)";

/**
 * Checks RSS every `everyMs` (and on `check()`): one warning when it passes 80 % of the limit,
 * then none until it has been below 70 % again, so a process that stays near its limit logs
 * once, not every few seconds. Returns a stop function.
 */
export function watchMemory(opts: {
  readonly limit: MemoryLimit;
  readonly log: Logger;
  readonly rss?: () => number;
  readonly everyMs?: number;
}): { check(): void; stop(): void } {
  const rss = opts.rss ?? (() => process.memoryUsage.rss());
  let armed = true;
  const check = () => {
    const used = rss();
    if (armed && used >= WARN_AT * opts.limit.bytes) {
      armed = false;
      opts.log.warn("memory use nears its limit", {
        rss_mb: mb(used),
        limit_mb: mb(opts.limit.bytes),
        limit_from: opts.limit.from,
        hint: HINT,
      });
    } else if (!armed && used < REARM_AT * opts.limit.bytes) armed = true;
  };
  const timer = setInterval(check, opts.everyMs ?? 10_000);
  timer.unref?.();
  return { check, stop: () => clearInterval(timer) };
}

export function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
