// One poll of Woodpecker (and, with ARGOCD_URL, of ArgoCD after it, as the exporter's cycle does)
// with the exporter's own clients and poller, for the one-shot commands. Shows a progress bar on
// stderr only when stderr is a terminal; never prints a token.
import { ArgoCDClient, type InvalidApp } from "../argocd/client.ts";
import { ArgoSource } from "../collector/argocd-source.ts";
import { ArgoStep } from "../collector/argocd-step.ts";
import { type Config, coreOptions } from "../config/config.ts";
import { settingSource } from "../config/load.ts";
import { Poller } from "../collector/poller.ts";
import { secretsOf } from "../config/settings.ts";
import { createLogger, setSecrets } from "../log.ts";
import { WoodpeckerClient } from "../woodpecker/client.ts";

export interface Collected {
  readonly poller: Poller;
  readonly client: WoodpeckerClient;
  readonly ok: boolean;
  /** The first problem of an incomplete poll (already one line, token-free). */
  readonly problem: string | null;
  readonly requests: number;
  /** ArgoCD (ARGOCD_URL set), else null. */
  readonly argo: CollectedArgo | null;
}

export interface CollectedArgo {
  readonly step: ArgoStep;
  readonly client: ArgoCDClient;
  /** Apps the list skipped as malformed. */
  readonly invalid: readonly InvalidApp[];
  /** Why the list failed (one line, token-free); null when it was answered. */
  readonly problem: string | null;
}

export interface CollectOptions {
  /** Where progress goes; a progress bar is drawn only when `isTTY`. */
  readonly progress?: { isTTY?: boolean; write(s: string): unknown };
  /** Unix ms. */
  readonly now?: () => number;
}

export function makeClient(config: Config, onAttempt?: (code: string) => void): WoodpeckerClient {
  setSecrets(secretsOf(config));
  return new WoodpeckerClient({
    baseUrl: config.woodpeckerUrl,
    token: config.token,
    tokenSetting: settingSource(config, "token"),
    timeoutMs: config.httpTimeout * 1000,
    onAttempt,
  });
}

export async function collectOnce(config: Config, opts: CollectOptions = {}): Promise<Collected> {
  let requests = 0;
  const client = makeClient(config, () => requests++);
  const problems: string[] = [];
  const argoInvalid: InvalidApp[] = [];
  let argoProblem: string | null = null;
  // Poller logs go nowhere but the problem of a failed cycle is kept for the one-line error, and
  // ArgoCD's own problems (they never fail the cycle) for `check`.
  const log = createLogger({
    level: "warn",
    write: (line) => {
      try {
        const rec = JSON.parse(line) as { level?: string; problem?: string; msg?: string; app?: string; reason?: string };
        if (rec.msg === "skipped invalid ArgoCD application") argoInvalid.push({ ...(rec.app && rec.app !== "(unnamed)" ? { name: rec.app } : {}), reason: rec.reason ?? "" });
        else if (rec.msg?.startsWith("ArgoCD")) argoProblem = rec.problem ?? rec.msg;
        else if (rec.level === "error") problems.push(rec.problem ?? rec.msg ?? "poll failed");
      } catch {
        /* not JSON */
      }
    },
  });
  let argoClient: ArgoCDClient | null = null;
  let step: ArgoStep | null = null;
  if (config.argocdUrl !== null && config.argocdToken !== null) {
    argoClient = new ArgoCDClient({ baseUrl: config.argocdUrl.replace(/\/+$/, ""), token: config.argocdToken, timeoutMs: config.httpTimeout * 1000, onAttempt: () => requests++ });
    const source = new ArgoSource({
      client: argoClient,
      apps: config.argocdApps,
      selector: config.argocdSelector,
      degradedWindow: config.argocdDegradedWindow,
      blocks: config.argocdAppBlocks,
      log,
      watch: false, // one list is the whole read of a one-shot command
    });
    step = new ArgoStep(source, null); // like the Woodpecker side here: every repo, no shard
  }
  const poller = new Poller({
    client,
    core: coreOptions(config),
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    log,
    now: opts.now ?? (() => Date.now()),
    onRepoState: () => {},
    argo: step,
  });
  const out = opts.progress;
  const tty = out?.isTTY === true;
  const draw = () => {
    const total = poller.status.trackedRepos;
    let done = 0;
    for (const r of poller.repos.values()) if (r.history.backfilled) done++;
    const width = 24;
    const filled = total === 0 ? 0 : Math.round((Math.min(done, total) / total) * width);
    out!.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.min(done, total)}/${total || "?"} repos · ${requests} requests`);
  };
  if (tty) draw();
  const timer = tty ? setInterval(draw, 100) : null;
  let ok: boolean;
  try {
    ok = await poller.poll();
  } finally {
    if (timer) {
      clearInterval(timer);
      draw();
      out!.write("\r\x1b[K");
    }
  }
  const argo = step === null || argoClient === null ? null : { step, client: argoClient, invalid: argoInvalid, problem: step.source.status.lastOk === false ? (argoProblem ?? "ArgoCD list failed") : null };
  return { poller, client, ok, problem: ok ? null : (problems[0] ?? "poll cycle incomplete"), requests, argo };
}
