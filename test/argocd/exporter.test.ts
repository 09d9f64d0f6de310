// The exporter with ArgoCD, in process, against the simulated Woodpecker and the simulated ArgoCD
// served over HTTP: backfill, the automatic join by image tags, live operations, an operation
// replaced between two polls (seen only through the stream), bad answers; and the ArgoCD token,
// with `"` and `\` in it, in no log line and no exposition.
import { afterEach, describe, expect, test } from "bun:test";
import { parseApplication } from "../../src/argocd/schemas.ts";
import { deriveObservations, snapshotFacts } from "../../src/argocd/observe.ts";
import { summaryRepos } from "../../src/collector/summary-repos.ts";
import { loadConfig } from "../../src/config/load.ts";
import { startExporter, type RunningExporter } from "../../src/exporter.ts";
import { createLogger, setSecrets } from "../../src/log.ts";
import { secretsOf } from "../../src/config/settings.ts";
import { generateGitOps, gitOpsReposFrom } from "../../src/simulator/argocd/index.ts";
import { serveArgoCD } from "../../src/simulator/argocd/serve.ts";
import { ArgoCDState } from "../../src/simulator/argocd/state.ts";
import { END, startSim } from "../api/sim.ts";

const WP_TOKEN = "wp-token-for-argocd-tests";
const ARGO_TOKEN = 'argo"tok\\en-7f3c';
const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await Bun.sleep(20);
  }
}

async function setup(opts: { extraEnv?: Record<string, string>; gitops?: boolean } = {}) {
  const wp = startSim({ token: WP_TOKEN, seed: 7, days: 21 });
  stops.push(() => wp.served.stop());
  const clock = { t: END };
  const argo = new ArgoCDState({ token: ARGO_TOKEN, now: () => clock.t });
  if (opts.gitops !== false) generateGitOps(argo, gitOpsReposFrom(wp.sim, ["acme/web"]), { seed: 3, end: END });
  const served = serveArgoCD(argo);
  stops.push(() => served.stop());
  const lines: string[] = [];
  const config = loadConfig({
    ...wp.env,
    ARGOCD_URL: served.url,
    ARGOCD_TOKEN: ARGO_TOKEN,
    DORA_LISTEN: "127.0.0.1:0",
    DORA_POLL_INTERVAL: "3600",
    DORA_LOG_LEVEL: "debug",
    ...opts.extraEnv,
  });
  setSecrets(secretsOf(config));
  const exporter = await startExporter({ config, log: createLogger({ level: "debug", write: (l) => lines.push(l) }) });
  stops.push(() => exporter.stop());
  await until(async () => (await fetch(`${exporter.url}/ready`)).status === 200, 30_000);
  return { wp, argo, clock, served, exporter, lines };
}

async function metrics(e: RunningExporter): Promise<string> {
  return (await fetch(`${e.url}/metrics`)).text();
}

function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{")) continue;
    const [series, v] = [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
    if (want.every((w) => series.includes(w))) return Number(v);
  }
  return undefined;
}

/** What the observation model alone derives from one sighting of the app (a first contact). */
function expectedOf(argo: ArgoCDState, name: string) {
  const parsed = parseApplication(argo.json(argo.get(name)!));
  if (!parsed.ok) throw new Error(parsed.reason);
  const obs = deriveObservations(snapshotFacts(parsed.app, 1), 3600);
  return {
    deployments: obs.filter((o) => o.kind === "deployment").length,
    failures: obs.filter((o) => o.kind === "failure").length,
    // At first contact only the newest entry's images are known: the older ones fall back.
    imagesUnknown: obs.filter((o) => o.kind === "deployment" && o.images === null).length,
  };
}

describe("the exporter with ArgoCD", () => {
  test("backfill: the app joins acme/web by its images; its pushes stop counting; token never shown", async () => {
    const { argo, exporter, lines } = await setup();
    const text = await metrics(exporter);
    const want = expectedOf(argo, "web");
    expect(want.deployments).toBeGreaterThan(0);
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" })).toBe(want.deployments);
    expect(value(text, "dora_deployment_failures_total", { repo: "acme/web", deploy_to: "web" })).toBe(want.failures);
    // Rule 2 withdrawn: no production series from the pushes any more.
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "production" })).toBeUndefined();
    expect(text).toContain('dora_target_info{repo="acme/web",deploy_to="web",source="argocd",app="default/web"} 1');
    expect(text).toContain(
      'dora_target_info{repo="acme/shop-api",deploy_to="production",source="woodpecker",app=""} 1',
    );
    expect(value(text, "dora_argocd_up", {})).toBeUndefined(); // no labels: check the plain line
    expect(text).toMatch(/^dora_argocd_up 1$/m);
    expect(text).toMatch(/^dora_argocd_apps 1$/m);
    expect(text).toMatch(/^dora_invalid_objects_total\{kind="argocd_application"\} 0$/m);
    // Lead time: the deployment whose images are known has its source; the older ones fall back.
    expect(want.imagesUnknown).toBe(want.deployments - 1);
    expect(value(text, "dora_lead_time_source_missing_total", { repo: "acme/web", deploy_to: "web" })).toBe(
      want.imagesUnknown,
    );
    await until(() => exporter.argo!.step.source.streamConnected);
    expect(await metrics(exporter)).toMatch(/^dora_argocd_stream_connected 1$/m);
    for (const out of [text, lines.join("\n")]) {
      expect(out).not.toContain(ARGO_TOKEN);
      expect(out).not.toContain(JSON.stringify(ARGO_TOKEN).slice(1, -1));
    }
  }, 60_000);

  test("live: a failed sync replaced before the next poll is " +
    "counted through the stream; the next deployment closes " +
    "it", async () => {
    const { wp, argo, clock, served, exporter } = await setup();
    const built = gitOpsReposFrom(wp.sim, ["acme/web"])[0]!.commits.at(-1)!.sha;
    const image = `registry.example.com/acme/web:${built.slice(0, 7)}`;
    await until(() => exporter.argo!.step.source.streamConnected);
    const before = await metrics(exporter);
    const deps = value(before, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" })!;
    const fails = value(before, "dora_deployment_failures_total", { repo: "acme/web", deploy_to: "web" })!;
    const streamed = () => served.requests.filter((r) => r.path === "/api/v1/stream/applications").length;
    expect(streamed()).toBeGreaterThan(0);
    clock.t = END + 100;
    argo.sync("web", { revision: "cfg-new-1", images: [image], outcome: "Failed" });
    clock.t = END + 200;
    argo.sync("web", { revision: "cfg-new-2", images: [image] });
    // Both syncs happen in one synchronous step: no list can show the failed operation, only the
    // stream's messages between them do.
    await Bun.sleep(300);
    await exporter.poller.poll();
    const after = await metrics(exporter);
    expect(value(after, "dora_deployment_failures_total", { repo: "acme/web", deploy_to: "web" })).toBe(fails + 1);
    expect(value(after, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" })).toBe(deps + 1);
    expect(value(after, "dora_deployment_failing", { repo: "acme/web", deploy_to: "web" })).toBe(0);
  }, 60_000);

  test("stream drops and reconnects: a re-list follows, nothing is lost", async () => {
    const { argo, clock, served, exporter } = await setup();
    await until(() => exporter.argo!.step.source.streamConnected);
    served.down();
    await until(() => !exporter.argo!.step.source.streamConnected);
    clock.t = END + 100;
    argo.sync("web", { revision: "while-down", images: ["registry.example.com/acme/web:abcdef1"], outcome: "Error" });
    served.up();
    await until(() => exporter.argo!.step.source.streamConnected, 20_000);
    await exporter.poller.poll();
    const text = await metrics(exporter);
    expect(text).toMatch(/^dora_argocd_up 1$/m);
    expect(value(text, "dora_deployment_failing", { repo: "acme/web", deploy_to: "web" })).toBe(1);
  }, 60_000);

  test("an app mapping to no repo counts under its repoURL path, lead time source missing", async () => {
    const { argo, clock, exporter } = await setup({ gitops: false });
    clock.t = END - 1000;
    argo.addApp({ name: "infra", repoURL: "git@git.example.com:platform/infra.git", health: "Missing" });
    argo.sync("infra", { revision: "i1", images: ["docker.io/library/nginx:1.27"] });
    await exporter.poller.poll();
    const text = await metrics(exporter);
    expect(value(text, "dora_deployments_total", { repo: "platform/infra", deploy_to: "infra" })).toBe(1);
    expect(value(text, "dora_lead_time_source_missing_total", { repo: "platform/infra", deploy_to: "infra" })).toBe(1);
    expect(text).toContain(
      'dora_target_info{repo="platform/infra",deploy_to="infra",source="argocd",app="default/infra"} 1',
    );
    // The window summary (window gauges, page, API, report) reads it as it reads every repo.
    const infra = summaryRepos(exporter.poller).find((r) => r.fullName === "platform/infra");
    expect(infra?.state?.targets.map((t) => [t.target, t.deployments])).toEqual([["infra", 1]]);
  }, 60_000);

  test("bad answers: 401, HTML and a malformed app; " +
    "Woodpecker's series stay, the rest of the apps served", async () => {
    const { argo, clock, served, exporter, lines } = await setup();
    const base = await metrics(exporter);
    const webDeps = value(base, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" });
    served.faults.add({
      match: /\/api\/v1\/applications$/,
      fault: { kind: "grpc-error", status: 401, code: 16, message: "invalid session" },
      times: 1,
    });
    await exporter.poller.poll();
    let text = await metrics(exporter);
    expect(text).toMatch(/^dora_argocd_up 0$/m);
    expect(text).toMatch(/^dora_woodpecker_up 1$/m);
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" })).toBe(webDeps);
    expect(text).toMatch(/^dora_argocd_requests_total\{code="401"\} [1-9]/m);
    served.faults.add({ match: /\/api\/v1\/applications$/, fault: { kind: "html" }, times: 1 });
    await exporter.poller.poll();
    expect(await metrics(exporter)).toMatch(/^dora_argocd_up 0$/m);
    clock.t = END - 500;
    argo.addApp({ name: "broken", repoURL: "https://git.example.com/acme/broken.git", health: "Missing" });
    served.faults.add({
      match: /\/api\/v1\/applications$/,
      fault: {
        kind: "malformed-app",
        item: 0,
        mutate: (app) => ((app.status as Record<string, unknown>).history = "nope"),
      },
    });
    await exporter.poller.poll();
    text = await metrics(exporter);
    expect(text).toMatch(/^dora_argocd_up 1$/m);
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "web" })).toBe(webDeps);
    expect(lines.some((l) => l.includes("skipped invalid ArgoCD application"))).toBe(true);
    expect(text).toMatch(/^dora_invalid_objects_total\{kind="argocd_application"\} 1$/m);
    expect(text).toMatch(/^dora_argocd_apps 1$/m); // "web" still served; "broken" skipped
    for (const out of [text, lines.join("\n")]) expect(out).not.toContain(ARGO_TOKEN);
  }, 60_000);

  test("a stream that sends garbage: counted, the stream goes on, the lists keep the numbers right", async () => {
    const { wp, argo, clock, served, exporter } = await setup();
    await until(() => exporter.argo!.step.source.streamConnected);
    served.faults.add({
      match: /\/api\/v1\/stream\/applications$/,
      fault: { kind: "stream-prefix", text: "data: {not json\n\n<html>oops</html>\n\n" },
    });
    served.down(); // the next connection begins with the garbage
    await until(() => !exporter.argo!.step.source.streamConnected);
    served.up();
    await until(() => exporter.argo!.step.source.streamConnected, 20_000);
    await until(() => served.faults.injected.some((f) => f.fault === "stream-prefix"));
    const built = gitOpsReposFrom(wp.sim, ["acme/web"])[0]!.commits.at(-1)!.sha;
    const before = value(await metrics(exporter), "dora_deployment_failures_total", {
      repo: "acme/web",
      deploy_to: "web",
    })!;
    clock.t = END + 100;
    argo.sync("web", {
      revision: "g1",
      images: [`registry.example.com/acme/web:${built.slice(0, 7)}`],
      outcome: "Failed",
    });
    await exporter.poller.poll();
    const text = await metrics(exporter);
    expect(text).toMatch(/^dora_argocd_up 1$/m);
    expect(value(text, "dora_deployment_failures_total", { repo: "acme/web", deploy_to: "web" })).toBe(before + 1);
  }, 60_000);

  test("an unknown ArgoCD URL: dora_argocd_up 0, Woodpecker's series served, ready, token never shown", async () => {
    const dead = Bun.serve({ port: 0, fetch: () => new Response("x") });
    const url = `http://127.0.0.1:${dead.port}`;
    void dead.stop(true);
    const { exporter, lines } = await setup({ extraEnv: { ARGOCD_URL: url }, gitops: false });
    const text = await metrics(exporter);
    expect(text).toMatch(/^dora_argocd_up 0$/m);
    expect(text).toMatch(/^dora_argocd_requests_total\{code="error"\} [1-9]/m);
    expect(value(text, "dora_deployments_total", { repo: "acme/shop-api", deploy_to: "production" })).toBeGreaterThan(
      0,
    );
    expect(lines.some((l) => l.includes("ArgoCD list failed"))).toBe(true);
    for (const out of [text, lines.join("\n")]) expect(out).not.toContain(ARGO_TOKEN);
  }, 60_000);

  test("an app that maps later (its image's commit pushed): its series move, with one log line", async () => {
    const { wp, argo, clock, exporter, lines } = await setup({ gitops: false });
    const sha = "f00dfeed".padEnd(40, "7");
    clock.t = END - 1000;
    argo.addApp({ name: "web-next", repoURL: "https://git.example.com/acme/gitops.git", health: "Missing" });
    argo.sync("web-next", { revision: "n1", images: [`registry.example.com/acme/web:${sha.slice(0, 8)}`] });
    await exporter.poller.poll();
    let text = await metrics(exporter);
    expect(value(text, "dora_deployments_total", { repo: "acme/gitops", deploy_to: "web-next" })).toBe(1);
    const web = wp.sim.findRepo("acme/web")!;
    const p = wp.sim.addPipeline(web.id, { event: "push", branch: web.default_branch, commit: sha, status: "running" });
    wp.sim.finishPipeline(web.id, p.number, "success");
    await exporter.poller.poll();
    text = await metrics(exporter);
    expect(value(text, "dora_deployments_total", { repo: "acme/gitops", deploy_to: "web-next" })).toBeUndefined();
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "web-next" })).toBe(1);
    expect(value(text, "dora_deployments_total", { repo: "acme/web", deploy_to: "production" })).toBeUndefined();
    expect(lines.filter((l) => l.includes("ArgoCD app mapping changed"))).toHaveLength(1);
  }, 60_000);

  test("ARGOCD_SELECTOR is passed to the list and the stream; ARGOCD_APPS selects by <project>/<name>", async () => {
    const { argo, clock, served, exporter } = await setup({
      extraEnv: { ARGOCD_SELECTOR: "team=shop", ARGOCD_APPS: "default/*,!default/skip-*" },
    });
    await until(() => served.requests.some((r) => r.path === "/api/v1/stream/applications"));
    const lists = served.requests.filter((r) => r.path === "/api/v1/applications");
    const streams = served.requests.filter((r) => r.path === "/api/v1/stream/applications");
    expect(lists.length).toBeGreaterThan(0);
    for (const r of [...lists, ...streams]) expect(r.query.selector).toBe("team=shop");
    clock.t = END - 100;
    argo.addApp({ name: "skip-me", labels: { team: "shop" }, health: "Missing" });
    argo.sync("skip-me", { revision: "s1" });
    await exporter.poller.poll();
    expect(await metrics(exporter)).not.toContain('app="default/skip-me"');
  }, 60_000);
});
