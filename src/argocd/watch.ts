// The held-open watch of ArgoCD's apps (`GET /api/v1/stream/applications`): reads the stream,
// hands every valid app event to the caller, and reconnects with jittered exponential backoff
// whenever the stream ends, fails, or goes silent (ArgoCD sends a keepalive every 15 s). The
// stream has no replay, so after every (re)connection the caller must list again: `onConnected`
// says so, and `takeRelist()` is the same signal as a flag for a poller. Anything malformed
// (garbage, an invalid app, an `{"error": …}` message) is a counted problem, never a crash.
import * as v from "valibot";
import { describeIssues } from "../util/valibot-issues.ts";
import { ArgoCDError, type ArgoCDClient } from "./client.ts";
import { parseApplication, StreamMessageSchema, type ArgoApp } from "./schemas.ts";
import { StreamParser, type Frame } from "./sse.ts";

/**
 * The stream's `fields=` (the generic field filter: any dotted path works there): exactly what
 * the exporter reads, so the server's de-duplication also drops the changes it does not care
 * about (`reconciledAt`, resource trees, …).
 */
export const STREAM_FIELDS: readonly string[] = [
  "result.type",
  "result.application.metadata.name",
  "result.application.metadata.namespace",
  "result.application.metadata.uid",
  "result.application.metadata.annotations",
  "result.application.metadata.labels",
  "result.application.spec.project",
  "result.application.spec.source.repoURL",
  "result.application.spec.sources.repoURL",
  "result.application.status.history",
  "result.application.status.operationState",
  "result.application.status.health",
  "result.application.status.summary.images",
];

export interface WatchEvent {
  /** `ADDED` (every app, first thing after connecting), `MODIFIED`, `DELETED`. */
  readonly type: string;
  readonly app: ArgoApp;
}

/** `handler`: the caller's own `onEvent` threw (reported, the stream goes on). */
export type ProblemKind = "connect" | "disconnect" | "garbage" | "invalid-app" | "stream-error" | "handler";

export interface StreamProblem {
  readonly kind: ProblemKind;
  /** One line, token scrubbed. */
  readonly message: string;
}

export interface WatchOptions {
  /** Label selector, passed through as on the list. */
  readonly selector?: string;
  /** `fields=` of the stream; default STREAM_FIELDS; [] for whole apps. */
  readonly fields?: readonly string[];
  /** No byte for this long (keepalives included) means the connection is dead. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Backoff between reconnections: initial delay, doubling, capped; default 1 s to 60 s. */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** Uniform [0, 1) for the jitter; default Math.random. */
  readonly random?: () => number;
  readonly onEvent: (event: WatchEvent) => void;
  /** After each successful (re)connection: list again, the stream does not replay. */
  readonly onConnected?: (connection: number) => void;
  readonly onProblem?: (problem: StreamProblem) => void;
  /** The delay chosen before each reconnection (for logs; tests check the backoff with it). */
  readonly onBackoff?: (delayMs: number) => void;
}

export interface Watch {
  /** True while a stream is open (`dora_argocd_stream_connected`). */
  readonly connected: boolean;
  /** Successful connections so far. */
  readonly connections: number;
  /** Problems so far, by kind. */
  readonly problems: Readonly<Record<ProblemKind, number>>;
  /** True once after each (re)connection: the poller's cue to list again. */
  takeRelist(): boolean;
  /** Close the stream and stop reconnecting; resolves when the loop has ended. */
  stop(): Promise<void>;
}

export function watchApplications(client: ArgoCDClient, opts: WatchOptions): Watch {
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  const initial = opts.backoffInitialMs ?? 1_000;
  const max = opts.backoffMaxMs ?? 60_000;
  const random = opts.random ?? Math.random;
  const fields = opts.fields ?? STREAM_FIELDS;
  const params: Record<string, string> = {};
  if (opts.selector) params.selector = opts.selector;
  if (fields.length > 0) params.fields = fields.join(",");

  const stopper = new AbortController();
  const problems: Record<ProblemKind, number> = {
    connect: 0,
    disconnect: 0,
    garbage: 0,
    "invalid-app": 0,
    "stream-error": 0,
    handler: 0,
  };
  let connected = false;
  let connections = 0;
  let relist = false;

  const problem = (kind: ProblemKind, message: string) => {
    problems[kind]++;
    try {
      opts.onProblem?.({ kind, message: client.scrubText(message) });
    } catch {
      // A failing reporter must not end the watch: the count above still records the problem.
    }
  };

  const onFrame = (frame: Frame) => {
    if (frame.kind === "keepalive") return;
    if (frame.kind === "garbage")
      return problem("garbage", `stream: not an event-stream line: ${JSON.stringify(frame.line)}`);
    let json: unknown;
    try {
      json = JSON.parse(frame.data);
    } catch {
      const cut = frame.data.length > 80 ? `${frame.data.slice(0, 80)}…` : frame.data;
      return problem("garbage", `stream: message is not JSON: ${JSON.stringify(cut)}`);
    }
    const msg = v.safeParse(StreamMessageSchema, json);
    if (!msg.success) return problem("garbage", `stream: unexpected message: ${describeIssues(msg.issues)}`);
    if ("error" in msg.output) {
      const e = msg.output.error;
      return problem(
        "stream-error",
        `stream: server error${e.http_code ? ` ${e.http_code}` : ""}: ${e.message ?? "(no message)"}`,
      );
    }
    const parsed = parseApplication(msg.output.result.application);
    if (!parsed.ok) {
      return problem(
        "invalid-app",
        `stream: invalid application${parsed.name ? ` "${parsed.name}"` : ""}: ${parsed.reason}`,
      );
    }
    try {
      opts.onEvent({ type: msg.output.result.type, app: parsed.app });
    } catch (e) {
      problem("handler", `stream: event handler failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  /** Reads one open stream to its end; true when it delivered anything. */
  const read = async (res: Response, conn: AbortController): Promise<boolean> => {
    const mode = (res.headers.get("content-type") ?? "").includes("text/event-stream") ? "sse" : "ndjson";
    const parser = new StreamParser(mode, onFrame);
    const decoder = new TextDecoder();
    let delivered = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let silent = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        conn.abort();
      }, idleMs);
    };
    const reader = res.body?.getReader();
    if (!reader) {
      problem("disconnect", "stream: the server answered without a body");
      return false;
    }
    arm();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        delivered = true;
        parser.push(decoder.decode(value, { stream: true }));
      }
      parser.push(decoder.decode());
      parser.end();
      if (!stopper.signal.aborted) problem("disconnect", "stream: closed by the server");
    } catch (e) {
      if (stopper.signal.aborted) return delivered;
      const why = silent ? `no data for ${idleMs} ms` : e instanceof Error ? e.message : String(e);
      problem("disconnect", `stream: connection lost: ${why}`);
    } finally {
      clearTimeout(idle);
      reader.releaseLock();
      await res.body?.cancel().catch(() => {});
    }
    return delivered;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopper.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stopper.signal.removeEventListener("abort", done);
        resolve();
      }
      stopper.signal.addEventListener("abort", done, { once: true });
    });

  const loop = async () => {
    let failures = 0;
    while (!stopper.signal.aborted) {
      const conn = new AbortController();
      const unlink = () => conn.abort();
      stopper.signal.addEventListener("abort", unlink, { once: true });
      try {
        const res = await client.openStream(params, conn.signal);
        connected = true;
        connections++;
        relist = true;
        opts.onConnected?.(connections);
        const opened = Date.now();
        // Only a connection that delivered and lasted resets the backoff: a server that accepts and
        // hangs up at once must not be re-listed in a tight loop.
        if ((await read(res, conn)) && Date.now() - opened >= 10 * initial) failures = 0;
      } catch (e) {
        if (!stopper.signal.aborted) {
          problem(
            "connect",
            e instanceof ArgoCDError ? e.message : `stream: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      } finally {
        connected = false;
        stopper.signal.removeEventListener("abort", unlink);
      }
      if (stopper.signal.aborted) break;
      // Full jitter over the upper half: never a thundering herd, never a hot loop.
      const cap = Math.min(max, initial * 2 ** Math.min(failures, 30));
      failures++;
      const delay = cap / 2 + (random() * cap) / 2;
      opts.onBackoff?.(delay);
      await sleep(delay);
    }
  };

  const done = loop();
  return {
    get connected() {
      return connected;
    },
    get connections() {
      return connections;
    },
    problems,
    takeRelist() {
      const r = relist;
      relist = false;
      return r;
    },
    async stop() {
      stopper.abort();
      await done;
    },
  };
}
