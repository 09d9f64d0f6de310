// The compiled binary with ArgoCD and DORA_STATE_FILE, against the simulated Woodpecker and the
// simulated ArgoCD over HTTP: killed with SIGKILL during ArgoCD activity and restarted on the same
// file, no counter is below what was scraped before, nothing ArgoCD forgot is lost, nothing is
// counted twice; restarted without the file, it counts only what ArgoCD still shows.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateGitOps, gitOpsReposFrom } from "../../src/simulator/argocd/index.ts";
import { serveArgoCD } from "../../src/simulator/argocd/serve.ts";
import { ArgoCDState } from "../../src/simulator/argocd/state.ts";
import { samples, startExporterProcess, waitFor, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { END, startSim } from "../api/sim.ts";

setDefaultTimeout(180_000);

const WP_TOKEN = "wp-token-binary-argocd";
const ARGO_TOKEN = 'argo"bin\\tok-91';
const processes: ExporterProcess[] = [];
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const p of processes) if (p.proc.exitCode === null && !p.proc.killed) await p.stop("SIGKILL");
  for (const c of cleanups.reverse()) await c();
  for (const p of processes) {
    const out = p.logs.join("\n") + p.stdout();
    expect(out).not.toContain(ARGO_TOKEN);
    expect(out).not.toContain(JSON.stringify(ARGO_TOKEN).slice(1, -1));
  }
});

const KEYS = [
  "dora_deployments_total",
  "dora_deployment_failures_total",
  "dora_lead_time_source_missing_total",
] as const;
const LABELS = '{repo="acme/web",deploy_to="web"}';

type Counters = Record<(typeof KEYS)[number], number>;

async function counters(p: ExporterProcess): Promise<Counters> {
  const s = samples(await (await fetch(`${p.url}/metrics`)).text());
  return Object.fromEntries(KEYS.map((k) => [k, s.get(k + LABELS) ?? -1])) as Counters;
}

test("kill -9 during ArgoCD activity, restart with the state file, then without", async () => {
  const wp = startSim({ token: WP_TOKEN, seed: 7, days: 21 });
  cleanups.push(() => wp.served.stop());
  const clock = { t: END };
  const argo = new ArgoCDState({ token: ARGO_TOKEN, now: () => clock.t });
  generateGitOps(argo, gitOpsReposFrom(wp.sim, ["acme/web"]), { seed: 3, end: END });
  argo.setRevisionHistoryLimit("web", 3);
  const served = serveArgoCD(argo);
  cleanups.push(() => served.stop());
  const dir = mkdtempSync(join(tmpdir(), "dora-argocd-state-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    WOODPECKER_URL: wp.served.url,
    WOODPECKER_TOKEN: WP_TOKEN,
    ARGOCD_URL: served.url,
    ARGOCD_TOKEN: ARGO_TOKEN,
    DORA_POLL_INTERVAL: "1",
    DORA_STATE_FILE: join(dir, "dora.db"),
  };
  const built = gitOpsReposFrom(wp.sim, ["acme/web"])[0]!.commits.at(-1)!.sha;
  const image = `registry.example.com/acme/web:${built.slice(0, 7)}`;

  const first = await startExporterProcess(env);
  processes.push(first);
  await waitReady(first.url, 90_000);
  const start = await counters(first);
  expect(start.dora_deployments_total).toBeGreaterThan(0);

  // Activity: a failed sync, then new deployments that push it (and old entries) out of ArgoCD.
  clock.t = END + 100;
  argo.sync("web", { revision: "k1", images: [image], outcome: "Failed" });
  for (let i = 0; i < 4; i++) {
    clock.t = END + 200 + i * 100;
    argo.sync("web", { revision: `k${i + 2}`, images: [image] });
  }
  const seen = await waitFor("the activity on /metrics", async () => {
    const c = await counters(first);
    return (
      c.dora_deployments_total >= start.dora_deployments_total + 4 &&
      c.dora_deployment_failures_total >= start.dora_deployment_failures_total + 1 &&
      c
    );
  });
  expect(seen.dora_deployments_total).toBe(start.dora_deployments_total + 4);
  expect(seen.dora_deployment_failures_total).toBe(start.dora_deployment_failures_total + 1);
  // More activity, then kill -9 at once.
  clock.t = END + 900;
  argo.sync("web", { revision: "k9", images: [image] });
  await first.stop("SIGKILL");

  const second = await startExporterProcess(env);
  processes.push(second);
  await waitReady(second.url, 90_000);
  const after = await waitFor("the restarted exporter's counters", async () => {
    const c = await counters(second);
    return c.dora_deployments_total >= seen.dora_deployments_total + 1 && c;
  });
  // Nothing lower, nothing lost (the failure ArgoCD no longer shows), nothing counted twice.
  expect(after.dora_deployments_total).toBe(seen.dora_deployments_total + 1);
  expect(after.dora_deployment_failures_total).toBe(seen.dora_deployment_failures_total);
  expect(after.dora_lead_time_source_missing_total).toBe(seen.dora_lead_time_source_missing_total);
  await second.stop("SIGKILL");

  // Without the file: first contact again, only what ArgoCD still shows (3 entries, no failure).
  const third = await startExporterProcess({ ...env, DORA_STATE_FILE: join(dir, "other.db") });
  processes.push(third);
  await waitReady(third.url, 90_000);
  const fresh = await counters(third);
  expect(fresh.dora_deployments_total).toBe(3);
  expect(fresh.dora_deployment_failures_total).toBeLessThan(after.dora_deployment_failures_total);
  await third.stop();
});
