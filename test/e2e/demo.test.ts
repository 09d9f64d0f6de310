// `dora-exporter demo` as someone trying it: it prints the simulator's URL and token on stdout, and
// `report` and `check` run in a second terminal with exactly those two lines work against it.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BINARY, ensureBinary, startExporterProcess, waitFor, type ExporterProcess } from "./exporter-process.ts";

setDefaultTimeout(60_000);

const running: ExporterProcess[] = [];
afterAll(async () => {
  for (const p of running) if (p.proc.exitCode === null) await p.stop("SIGKILL");
});

/** Start the demo binary; resolves with the variables its stdout block tells a second terminal to export. */
async function startDemo(args: string[] = []): Promise<{ demo: ExporterProcess; vars: Record<string, string> }> {
  const demo = await startExporterProcess({}, ["demo", ...args]);
  running.push(demo);
  await waitFor("the demo's stdout block", async () => demo.stdout().includes("export WOODPECKER_TOKEN="));
  const vars = Object.fromEntries([...demo.stdout().matchAll(/^\s*export (WOODPECKER_URL|WOODPECKER_TOKEN)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { demo, vars };
}

function cli(args: string[], env: Record<string, string>) {
  ensureBinary();
  const r = Bun.spawnSync([BINARY, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

describe("dora-exporter demo for trying report and check", () => {
  test("prints the page, the simulator's URL and its token on stdout; report and check work with them", async () => {
    const { demo, vars } = await startDemo();
    expect(Object.keys(vars).sort()).toEqual(["WOODPECKER_TOKEN", "WOODPECKER_URL"]);
    expect(vars.WOODPECKER_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.stdout()).toContain(`${demo.url}/`);
    expect(demo.stdout()).toContain("dora-exporter report");
    expect(demo.stdout()).toContain("dora-exporter check");

    const report = cli(["report", "--window", "7d", "--format", "json"], vars);
    expect({ code: report.code, err: report.err }).toEqual({ code: 0, err: "" });
    const summary = JSON.parse(report.out) as { repos: { repo: string }[] };
    expect(summary.repos.map((r) => r.repo)).toContain("acme/shop-api");

    const check = cli(["check"], vars);
    expect(check.out).toContain("acme/shop-api");
    expect(check.out).not.toMatch(/token\s+FAIL/);
  });

  test("--sim-port N serves the simulator on that port", async () => {
    const port = await freePort();
    const { vars } = await startDemo(["--sim-port", String(port)]);
    expect(vars.WOODPECKER_URL).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${vars.WOODPECKER_URL}/healthz`)).status).toBe(204);
  });

  test("--sim-port on a taken port, or not a port: exit 2 with one line", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    try {
      for (const [value, problem] of [[String(taken.port), /127\.0\.0\.1:\d+: address already in use/], ["http", /"http" is not a port number/]] as const) {
        const r = cli(["demo", "--sim-port", value], { DORA_LISTEN: "127.0.0.1:0" });
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        const lines = r.err.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toStartWith("dora-exporter demo: --sim-port");
        expect(lines[0]).toMatch(problem);
      }
    } finally {
      taken.stop(true);
    }
  });

  test("demo --help documents --sim-port and the pace", () => {
    const r = cli(["demo", "--help"], {});
    expect(r.code).toBe(0);
    expect(r.out).toContain("--sim-port N");
    expect(r.out).toMatch(/\d+ times faster/);
    expect(cli(["--help"], {}).out).toContain("--sim-port");
  });
});
