// One poll of Woodpecker with the exporter's own client and poller, for the one-shot commands.
// Shows a progress bar on stderr only when stderr is a terminal; never prints the token.
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
  // Poller logs go nowhere but the problem of a failed cycle is kept for the one-line error.
  const log = createLogger({
    level: "warn",
    write: (line) => {
      try {
        const rec = JSON.parse(line) as { level?: string; problem?: string; msg?: string };
        if (rec.level === "error") problems.push(rec.problem ?? rec.msg ?? "poll failed");
      } catch {
        /* not JSON */
      }
    },
  });
  const poller = new Poller({
    client,
    core: coreOptions(config),
    repos: config.repos,
    adminRepos: config.adminRepos,
    concurrency: config.concurrency,
    log,
    now: opts.now ?? (() => Date.now()),
    onRepoState: () => {},
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
  return { poller, client, ok, problem: ok ? null : (problems[0] ?? "poll cycle incomplete"), requests };
}
