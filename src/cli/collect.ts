// One poll of Woodpecker (and, with ARGOCD_URL, of ArgoCD after it, as the exporter's cycle does)
// with the exporter's own core (exporter-core.ts), for the one-shot commands. Shows a progress bar
// on stderr only when stderr is a terminal; never prints a token.
import type { ArgoCDClient, InvalidApp } from "../argocd/client.ts";
import type { ArgoStep } from "../collector/argocd-step.ts";
import type { Config } from "../config/config.ts";
import type { Poller } from "../collector/poller.ts";
import { secretsOf } from "../config/settings.ts";
import { createExporterCore } from "../exporter-core.ts";
import { redact, setSecrets, silentLogger } from "../log.ts";
import type { WoodpeckerClient } from "../woodpecker/client.ts";

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
  /** Requests to Woodpecker go through it; default global fetch. */
  readonly fetch?: typeof fetch;
}

/** The core's client, for the checks `check` makes before any history is read. */
export function makeClient(config: Config): WoodpeckerClient {
  setSecrets(secretsOf(config));
  return createExporterCore(config, { log: silentLogger, shard: null }).client;
}

export async function collectOnce(config: Config, opts: CollectOptions = {}): Promise<Collected> {
  setSecrets(secretsOf(config));
  let requests = 0;
  const baseFetch = opts.fetch ?? fetch;
  // The poller's log lines go nowhere: a failed cycle's problem is read from its status.
  const core = createExporterCore(config, {
    log: silentLogger,
    now: opts.now,
    // The one-shot commands read every repo the token sees, whatever DORA_SHARD says.
    shard: null,
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      requests++;
      return baseFetch(input, init);
    }) as typeof fetch,
  });
  const { poller, client } = core;
  const out = opts.progress;
  const tty = out?.isTTY === true;
  const draw = () => {
    const total = poller.status.trackedRepos;
    let done = 0;
    for (const r of poller.repos.values()) if (r.history.backfilled) done++;
    const width = 24;
    const filled = total === 0 ? 0 : Math.round((Math.min(done, total) / total) * width);
    out!.write(
      `\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.min(done, total)}/${total || "?"} ` +
        `repos · ${requests} requests`,
    );
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
  const problem = ok ? null : redact(poller.status.lastProblem ?? "poll cycle incomplete");
  const step = core.argo?.step ?? null;
  const argo: CollectedArgo | null =
    step === null
      ? null
      : {
          step,
          client: step.source.client,
          invalid: step.source.status.invalid,
          problem:
            step.source.status.lastOk === false ? redact(step.source.status.problem ?? "ArgoCD list failed") : null,
        };
  return { poller, client, ok, problem, requests, argo };
}
