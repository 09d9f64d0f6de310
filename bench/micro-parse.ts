// Where the exporter's per-page CPU goes (BENCHMARKS.md, "backfill"): one realistic page of 50
// pipelines, as the simulator serializes it, through JSON.parse, the client's valibot schema, and
// a hand-written check producing the same Pipeline objects. `bun bench/micro-parse.ts`.
import { parsePipelinePage } from "../src/woodpecker/schemas.ts";
import type { Pipeline } from "../src/core/model.ts";
import { samplePageText } from "./bulk.ts";

const text = samplePageText();
const N = 2000;

function time(label: string, fn: () => unknown): void {
  for (let i = 0; i < 200; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  const perPage = ((performance.now() - t0) * 1000) / N;
  console.log(
    `${label.padEnd(34)} ${perPage.toFixed(1).padStart(7)} µs/page  ${(perPage / 50).toFixed(2).padStart(6)} \
µs/pipeline`,
  );
}

const int = (x: unknown) => (typeof x === "number" && Number.isInteger(x) ? x : undefined);
const str = (x: unknown) => (typeof x === "string" ? x : x == null ? "" : undefined);
function hand(o: any): Pipeline | null {
  if (typeof o !== "object" || o === null) return null;
  const id = int(o.id),
    number = int(o.number),
    created = int(o.created ?? o.created_at);
  if (!id || !number || !created || typeof o.event !== "string" || typeof o.status !== "string") return null;
  return {
    id,
    number,
    parent: int(o.parent) ?? 0,
    event: o.event,
    status: o.status,
    created,
    updated: int(o.updated) || int(o.updated_at) || 0,
    started: int(o.started) || int(o.started_at) || 0,
    finished: int(o.finished) || int(o.finished_at) || 0,
    branch: str(o.branch) ?? "",
    commit: str(o.commit) ?? "",
    ref: str(o.ref) ?? "",
    deployTo: str(o.deploy_to) ?? "",
    message: str(o.message) ?? "",
  };
}

console.log(`page: ${text.length} bytes, 50 pipelines`);
time("JSON.parse", () => JSON.parse(text));
const parsed = JSON.parse(text) as unknown[];
time("valibot parsePipelinePage (client)", () => parsePipelinePage(parsed));
time("hand-written check, same output", () => parsed.map(hand));
time("JSON.parse + parsePipelinePage", () => parsePipelinePage(JSON.parse(text) as unknown[]));
time("JSON.parse + hand-written", () => (JSON.parse(text) as unknown[]).map(hand));
const a = parsePipelinePage(parsed).pipelines;
const b = parsed.map(hand);
console.log("same output:", Bun.deepEquals(a, b));

// Per request, against a local Bun.serve answering that page: bare fetch vs ky vs the client.
const { WoodpeckerClient } = await import("../src/woodpecker/client.ts");
const ky = (await import("ky")).default;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => new Response(text, { headers: { "content-type": "application/json" } }),
});
const base = `http://127.0.0.1:${server.port}`;
async function timeAsync(label: string, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n = 1000;
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(
    `${label.padEnd(34)} ${(((performance.now() - t0) * 1000) / n).toFixed(0).padStart(5)} µs/request wall, ` +
      `${((c.user + c.system) / n).toFixed(0).padStart(5)} µs CPU (both processes share it)`,
  );
}
const client = new WoodpeckerClient({ baseUrl: base, token: "t", timeoutMs: 5000 });
const k = ky.create({ baseUrl: base + "/", timeout: 5000, retry: { limit: 3 } });
await timeAsync("fetch + arrayBuffer (the floor)", async () => (await fetch(`${base}/x`)).arrayBuffer());
await timeAsync("fetch + json", async () => (await fetch(`${base}/x`)).json());
await timeAsync("ky + json", async () => (await k.get("x")).json());
await timeAsync("client.pipelinePage (ky+valibot)", () =>
  client.pipelinePage(1, { page: 1, events: ["deployment", "push"] }),
);
server.stop(true);
