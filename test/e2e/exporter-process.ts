// Starts the compiled binary (dist/dora-exporter) as a child process, as an operator would, and
// reads its JSON log lines to learn its URL. Builds the binary first when it is missing.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BINARY = join(ROOT, "dist", "dora-exporter");

export function ensureBinary(): void {
  if (existsSync(BINARY)) return;
  const r = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error("bun run build failed");
}

export interface ExporterProcess {
  readonly url: string;
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Every stderr line so far. */
  readonly logs: string[];
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function startExporterProcess(
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 20_000,
): Promise<ExporterProcess> {
  ensureBinary();
  const proc = Bun.spawn([BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "", DORA_LISTEN: "127.0.0.1:0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: string[] = [];
  let out = "";
  void (async () => {
    for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
  })();
  let resolveUrl!: (u: string) => void;
  const urlPromise = new Promise<string>((r) => (resolveUrl = r));
  void (async () => {
    let buf = "";
    for await (const chunk of proc.stderr) {
      buf += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === "listening" && rec.url) resolveUrl(rec.url);
        } catch {
          /* not JSON: kept in logs for the assertion messages */
        }
      }
    }
  })();
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`exporter did not start:\n${logs.join("\n")}`)), timeoutMs),
  );
  const exited = proc.exited.then((code) => {
    throw new Error(`exporter exited with ${code}:\n${logs.join("\n")}`);
  });
  const url = await Promise.race([urlPromise, timer, exited]);
  return {
    url,
    proc,
    logs,
    stdout: () => out,
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return await proc.exited;
    },
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor("/ready", async () => (await fetch(url + "/ready")).status === 200, timeoutMs);
}

/** Debian's libfaketime, under the machine's multiarch directory (x86_64-linux-gnu, aarch64-linux-gnu, …). */
function libfaketime(): string | null {
  const lib = "/usr/lib";
  if (!existsSync(lib)) return null;
  for (const d of readdirSync(lib)) {
    const p = join(lib, d, "faketime", "libfaketime.so.1");
    if (d.endsWith("-linux-gnu") && existsSync(p)) return p;
  }
  return null;
}

/**
 * Environment that stops the binary's wall clock at `unix` (Debian's libfaketime): Date.now() is
 * `unix` for the whole run, so the window gauges (which end at the last completed poll) are
 * exactly as of `unix`. Only the first poll runs (the poll schedule waits on the wall clock), which
 * is the backfill; the monotonic clock (timeouts) runs normally.
 */
export function frozenClockEnv(unix: number): Record<string, string> {
  const so = libfaketime();
  if (so === null)
    throw new Error("libfaketime not found: run `sh scripts/install-test-deps.sh` (Debian package faketime)");
  const t = new Date(unix * 1000).toISOString().slice(0, 19).replace("T", " ");
  return { LD_PRELOAD: so, FAKETIME: t, FAKETIME_DONT_FAKE_MONOTONIC: "1", FAKETIME_NO_CACHE: "1", TZ: "UTC" };
}

/** The window gauges' families (DEFINITIONS "Window gauges"): a function of the poll's time. */
export const WINDOW_GAUGE = /^dora_(overall_)?window_/;

const HEALTH_ONLY =
  /^dora_(repos|backfill_complete|demo_mode|woodpecker_up|last_poll_success_timestamp_seconds|poll_duration_seconds|woodpecker_requests_total|invalid_objects_total|build_info)\b/;

/** The DORA series of a scrape (contract metrics, their HELP/TYPE lines), without health or process metrics. */
export function doraSeries(exposition: string, opts: { windows?: boolean } = {}): string {
  return (
    exposition
      .split("\n")
      .filter((l) => {
        const name = l.startsWith("# ") ? (l.split(" ")[2] ?? "") : l;
        return (
          name.startsWith("dora_") && !HEALTH_ONLY.test(name) && (opts.windows !== false || !WINDOW_GAUGE.test(name))
        );
      })
      .join("\n") + "\n"
  );
}

/** Parse `name{labels} value` lines into a map for value comparisons. */
export function samples(exposition: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
