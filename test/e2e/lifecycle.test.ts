// The compiled binary's life as a process: one exporter per port (a second one on a taken port
// exits 2 with one line instead of sharing the port), and a stop by signal is logged.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createDemoSimulator, serveSimulator, type ServedSimulator } from "../../src/simulator/index.ts";
import { BINARY, ensureBinary, startExporterProcess, type ExporterProcess } from "./exporter-process.ts";

setDefaultTimeout(60_000);

let served: ServedSimulator;
let env: Record<string, string>;
const running: ExporterProcess[] = [];

beforeAll(() => {
  const { sim, token } = createDemoSimulator({ seed: 3 });
  served = serveSimulator(sim, { hostname: "127.0.0.1", port: 0 });
  env = { WOODPECKER_URL: served.url, WOODPECKER_TOKEN: token };
});

afterAll(async () => {
  for (const p of running) if (p.proc.exitCode === null) await p.stop("SIGKILL");
  served?.stop();
});

describe("one exporter per port", () => {
  test("a second exporter on the port of a running one exits 2 with one line naming DORA_LISTEN", async () => {
    const first = await startExporterProcess(env);
    running.push(first);
    const port = new URL(first.url).port;
    ensureBinary();
    const second = Bun.spawn([BINARY], {
      env: { PATH: process.env.PATH ?? "", ...env, DORA_LISTEN: `127.0.0.1:${port}` },
      stdout: "pipe",
      stderr: "pipe",
    });
    // Before the fix, the second one also bound the port (SO_REUSEPORT) and kept running.
    const code = await Promise.race([second.exited, Bun.sleep(10_000).then(() => "still running" as const)]);
    if (code === "still running") second.kill("SIGKILL");
    expect(code).toBe(2);
    const lines = (await new Response(second.stderr).text()).trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("DORA_LISTEN");
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toMatch(/in use/);
    expect(await new Response(second.stdout).text()).toBe("");
    // The first one still answers, alone.
    expect((await fetch(first.url + "/healthz")).status).toBe(200);
  });
});

describe("stopping", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} is logged, then the exporter exits 0`, async () => {
      const p = await startExporterProcess(env);
      running.push(p);
      expect(await p.stop(signal)).toBe(0);
      await Bun.sleep(50); // the last stderr chunk
      const records = p.logs.flatMap((l) => {
        try {
          return [JSON.parse(l) as { msg: string; level: string; signal?: string }];
        } catch {
          return [];
        }
      });
      const stopping = records.find((r) => r.msg === "stopping");
      expect(stopping).toMatchObject({ level: "info", signal });
      expect(records.at(-1)?.msg).toBe("stopped");
    });
  }
});
