// The floors, each in a fresh process of its own, controlled over Bun IPC by bench/run.ts:
//   - fetch: the pages a backfill reads, fetched and parsed (`fetch` + `res.json()`), with the
//     exporter's concurrency, each repo's pages in order: exactly the requests the exporter made
//     (same page size, filter and cursors), so what is left between the two is the exporter's own work;
//   - serve: Bun.serve answering with the exporter's /metrics bytes, held in memory.
type Msg = { id: number; cmd: string; [k: string]: unknown };
let server: ReturnType<typeof Bun.serve> | null = null;

process.on("message", (raw: unknown) => {
  const msg = raw as Msg;
  handle(msg).then(
    (body) => process.send!({ id: msg.id, ...body }),
    (e) => process.send!({ id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});

async function handle(msg: Msg): Promise<Record<string, unknown>> {
  switch (msg.cmd) {
    case "fetch": {
      const pre = msg.pre as string[];
      const perRepo = msg.perRepo as string[][];
      const headers = { Authorization: `Bearer ${msg.token as string}`, Accept: "application/json" };
      let items = 0;
      const get = async (url: string) => {
        const res = await fetch(url, { headers });
        const body = (await res.json()) as unknown;
        if (Array.isArray(body)) items += body.length;
      };
      const t0 = performance.now();
      for (const u of pre) await get(u);
      let next = 0;
      let requests = pre.length;
      const worker = async () => {
        while (next < perRepo.length) {
          for (const u of perRepo[next++]!) {
            await get(u);
            requests++;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(msg.concurrency as number, perRepo.length) }, worker));
      return { wallMs: performance.now() - t0, requests, items };
    }
    case "serve": {
      const body = new Uint8Array(await (await fetch(msg.from as string)).arrayBuffer());
      server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () =>
          new Response(body, {
            headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
          }),
      });
      return { url: `http://127.0.0.1:${server.port}/metrics`, bytes: body.length };
    }
    case "stop":
      server?.stop(true);
      setTimeout(() => process.exit(0), 10);
      return {};
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}
