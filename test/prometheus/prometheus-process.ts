// A real Prometheus (Debian's package) for the end-to-end tests: started on a free loopback port,
// waited for until ready, its stderr kept for the failure message.
import { waitFor } from "../e2e/exporter-process.ts";

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port!;
  s.stop(true);
  return port;
}

export interface StartPrometheus {
  readonly configFile: string;
  readonly dataDir: string;
  readonly port: number;
  /** More flags, e.g. a longer retention for backfilled blocks. */
  readonly args?: readonly string[];
  readonly readyMs: number;
}

/** Spawns `binary` and resolves once `/-/ready` answers 200; a failure message carries its log. */
export async function startPrometheus(binary: string, o: StartPrometheus): Promise<Bun.Subprocess> {
  const proc = Bun.spawn(
    [
      binary,
      `--config.file=${o.configFile}`,
      `--storage.tsdb.path=${o.dataDir}`,
      ...(o.args ?? []),
      `--web.listen-address=127.0.0.1:${o.port}`,
      "--log.level=warn",
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let log = "";
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${o.port}`;
  await waitFor("prometheus /-/ready", async () => (await fetch(`${url}/-/ready`)).status === 200, o.readyMs).catch(
    (e) => {
      throw new Error(`${e}\n${log}`);
    },
  );
  return proc;
}
