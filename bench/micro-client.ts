// The client's own CPU per request (issue 14): variants interleaved in one process, round after
// round, each round timing K requests of every variant; the median and range over the rounds.
//   bun bench/micro-client.ts          canned fetch: a fresh Response of one page per call, no
//                                      socket, so what is measured is ky's and the client's own work
//   bun bench/micro-client.ts socket   the same over a real socket to a server in a child process;
//                                      the CPU counted is this process's only
// Keep it short: the machine is shared (ROUNDS, K from the environment).
import ky from "ky";
import { jsonHttp } from "../src/util/http.ts";
import { WoodpeckerClient } from "../src/woodpecker/client.ts";
import { parsePipelinePage } from "../src/woodpecker/schemas.ts";
import { samplePageText as pageText } from "./bulk.ts";

if (process.argv[2] === "serve") {
  const text = pageText();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response(text, { headers: { "content-type": "application/json" } }),
  });
  console.log(server.port);
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => process.exit(0));
} else {
  await main();
}

async function main(): Promise<void> {
  const socket = process.argv[2] === "socket";
  const ROUNDS = Number(process.env.ROUNDS ?? 7);
  const K = Number(process.env.K ?? (socket ? 300 : 1000));
  const text = pageText();
  const jsonHeaders = { "content-type": "application/json" };
  let base = "http://127.0.0.1:1";
  let stop = () => {};
  let f: typeof fetch;
  if (socket) {
    const child = Bun.spawn(["bun", import.meta.path, "serve"], { stdin: "pipe", stdout: "pipe" });
    const { value } = await child.stdout.getReader().read();
    base = `http://127.0.0.1:${new TextDecoder().decode(value).trim()}`;
    stop = () => void child.stdin.end();
    f = fetch;
  } else {
    f = (async () => new Response(text, { headers: jsonHeaders })) as unknown as typeof fetch;
  }
  const url = `${base}/api/repos/1/pipelines?page=1&perPage=50&event=push%2Cdeployment&before=2026-09-21T10%3A00%3A00Z`;
  const headers = { Authorization: "Bearer t", Accept: "application/json" };
  const opts = { baseUrl: base, token: "t", timeoutMs: 5000, fetch: f, onAttempt: () => {} };
  const http = jsonHttp(opts, { absoluteUrls: true });
  const client = new WoodpeckerClient(opts);
  const q = { page: 1, events: ["push", "deployment"], before: 1_790_000_000 };

  // What ky's options could save at most: the same ky with no retry (no Request clone, no retry
  // options normalised), no timeout (no timer) and no headers (no Headers merged): none of them
  // can go, so this is a bound, not a candidate.
  const kyBare = ky.create({ timeout: false, fetch: f, retry: 0 });
  const variants: Record<string, () => Promise<unknown>> = {
    "fetch + res.json() (the floor)": async () => (await f(url, { headers })).json(),
    "ky as configured + res.json()": async () => (await http.get(url)).json(),
    "ky as configured + ky's .json()": () => http.get(url).json(),
    "ky bare + res.json() (bound)": async () => (await kyBare.get(url)).json(),
    "fetch + res.json() + valibot page": async () =>
      parsePipelinePage((await (await f(url, { headers })).json()) as unknown[]),
    "client.pipelinePage (all of it)": () => client.pipelinePage(1, q),
  };
  const names = Object.keys(variants);
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < 100; i++) await variants[n]!();
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order so no variant always runs right after the same one.
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const n of order) {
      const fn = variants[n]!;
      const c0 = process.cpuUsage();
      for (let i = 0; i < K; i++) await fn();
      const c = process.cpuUsage(c0);
      cpu[n]!.push((c.user + c.system) / K);
    }
  }
  stop();
  const mode = socket ? "socket" : "canned fetch";
  console.log(`${mode}: ${ROUNDS} rounds x ${K} requests; CPU µs/request of this process, median (range)`);
  const median = (n: string) => [...cpu[n]!].sort((a, b) => a - b)[cpu[n]!.length >> 1]!;
  for (const n of names) {
    const xs = [...cpu[n]!].sort((a, b) => a - b);
    const line = `${median(n).toFixed(1).padStart(7)}  (${xs[0]!.toFixed(1)}-${xs[xs.length - 1]!.toFixed(1)})`;
    console.log(`${n.padEnd(36)} ${line}`);
  }
  const over = (i: number) => (median(names[i]!) - median(names[0]!)).toFixed(1);
  console.log(
    `over the floor (medians): ky ${over(1)}, valibot page ${over(4)}, the whole client ${over(5)} µs/request`,
  );
}
