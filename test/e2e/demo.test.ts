// `dora-exporter demo` as someone trying it: it prints the simulators' URLs and tokens on stdout, and
// `report` and `check` run in a second terminal with exactly those lines work against them.
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
  await waitFor("the demo's ArgoCD lines", async () => demo.stdout().includes("export ARGOCD_TOKEN="));
  const vars = Object.fromEntries(
    [...demo.stdout().matchAll(/^\s*export (WOODPECKER_URL|WOODPECKER_TOKEN|ARGOCD_URL|ARGOCD_TOKEN)=(\S+)$/gm)].map(
      (m) => [m[1]!, m[2]!],
    ),
  );
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
    expect(Object.keys(vars).sort()).toEqual(["ARGOCD_TOKEN", "ARGOCD_URL", "WOODPECKER_TOKEN", "WOODPECKER_URL"]);
    expect(vars.WOODPECKER_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(vars.ARGOCD_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
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
    // The GitOps repo: deployed by ArgoCD, its pushes builds, joined by the image tags alone.
    expect(check.out).toMatch(/^argocd {10}ok {3}http:\/\/127\.0\.0\.1:\d+ answers/m);
    expect(check.out).toMatch(/^ {2}argocd: app default\/search -> target search \(images: /m);
    const gitops = (
      summary as unknown as {
        targets: { repo: string; deployTo: string; sources: { source: string; app: string }[] }[];
      }
    ).targets.filter((t) => t.repo === "acme/search");
    expect(gitops.map((t) => [t.deployTo, t.sources.map((x) => `${x.source}:${x.app}`)])).toEqual([
      ["search", ["argocd:default/search"]],
    ]);
  });

  test(
    "the exporter reads the simulated ArgoCD: " +
      "dora_target_info names the app, the page shows it, " +
      "labelled demo",
    async () => {
      const { demo } = await startDemo();
      await waitFor("the first poll with ArgoCD", async () =>
        /^dora_target_info\{.*source="argocd"/m.test(await (await fetch(`${demo.url}/metrics`)).text()),
      );
      const metrics = await (await fetch(`${demo.url}/metrics`)).text();
      expect(metrics).toMatch(
        /^dora_target_info\{repo="acme\/search",deploy_to="search",source="argocd",app="default\/search"\} 1$/m,
      );
      expect(metrics).toMatch(/^dora_argocd_up 1$/m);
      expect(metrics).toMatch(/^dora_demo_mode 1$/m);
      expect(metrics).toMatch(/^dora_deployments_total\{repo="acme\/search",deploy_to="search"\} [1-9]\d*$/m);
      const page = await (await fetch(`${demo.url}/`)).text();
      expect(page).toContain("DEMO DATA: these numbers come from a built-in simulated Woodpecker and ArgoCD");
      expect(page).toContain("<h2>ArgoCD apps</h2>");
    },
  );

  test(
    "the simulated ArgoCD answers with the printed token and deploys acme/search with images tagged by its " +
      "pushes' commits",
    async () => {
      const { vars } = await startDemo();
      const denied = await fetch(`${vars.ARGOCD_URL}/api/v1/applications`);
      expect(denied.status).toBe(401);
      const res = await fetch(`${vars.ARGOCD_URL}/api/v1/applications`, {
        headers: { authorization: `Bearer ${vars.ARGOCD_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const apps = (
        (await res.json()) as { items: { metadata: { name: string }; status: { summary: { images?: string[] } } }[] }
      ).items;
      expect(apps.map((a) => a.metadata.name)).toEqual(["search"]);
      const [image] = apps[0]!.status.summary.images!;
      const tag = image!.slice(image!.lastIndexOf(":") + 1);
      const pipelines = (await (
        await fetch(`${vars.WOODPECKER_URL}/api/repos/lookup/acme/search`, {
          headers: { authorization: `Bearer ${vars.WOODPECKER_TOKEN}` },
        })
          .then((r) => r.json() as Promise<{ id: number }>)
          .then((r) =>
            fetch(`${vars.WOODPECKER_URL}/api/repos/${r.id}/pipelines?per_page=100`, {
              headers: { authorization: `Bearer ${vars.WOODPECKER_TOKEN}` },
            }),
          )
      ).json()) as { event: string; commit: string }[];
      expect(pipelines.filter((p) => p.event === "push").some((p) => p.commit.startsWith(tag))).toBe(true);
    },
  );

  test("--argocd-port N serves the simulated ArgoCD on that port; a taken one is exit 2 with one line", async () => {
    const port = await freePort();
    const { vars } = await startDemo(["--argocd-port", String(port)]);
    expect(vars.ARGOCD_URL).toBe(`http://127.0.0.1:${port}`);
    const r = cli(["demo", "--argocd-port", String(port)], { DORA_LISTEN: "127.0.0.1:0" });
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        /^dora-exporter demo: --argocd-port: cannot listen on 127\.0\.0\.1:\d+: address already in use/,
      ),
    ]);
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
      for (const [value, problem] of [
        [String(taken.port), /127\.0\.0\.1:\d+: address already in use/],
        ["http", /"http" is not a port number/],
      ] as const) {
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
    expect(r.out).toContain("--argocd-port N");
    expect(cli(["--help"], {}).out).toContain("--sim-port");
  });
});
