// The exporter's own HTTP side, through the compiled binary: 200 concurrent scrapes of /metrics
// and / while polling runs (all answered, poll cycles go on), unknown paths 404, other
// methods 405, security headers on the page, and the token in no page, header or error body.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { generateHistory, serveSimulator, type ServedSimulator } from "../../src/simulator/index.ts";
import { samples, startExporterProcess, waitFor, waitReady, type ExporterProcess } from "../e2e/exporter-process.ts";
import { TOKEN, World } from "./harness.ts";

setDefaultTimeout(60_000);

let world: World;
let served: ServedSimulator;
let exp: ExporterProcess;
/** One entry per repo listing the simulator answered: one per poll cycle. */
const cycles: number[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  world = new World();
  generateHistory(world.sim, { seed: 3, days: 14, end: world.clock });
  world.faults.add({
    match: /^\/api\/user\/repos$/,
    fault: { kind: "none" },
    action: () => void cycles.push(performance.now()),
  });
  served = serveSimulator(world.sim, { faults: world.faults, requests: world.requests });
  exp = await startExporterProcess({ WOODPECKER_URL: served.url, WOODPECKER_TOKEN: TOKEN, DORA_POLL_INTERVAL: "1" });
  await waitReady(exp.url);
});

afterAll(async () => {
  if (exp.proc.exitCode === null) await exp.stop("SIGKILL");
  served.stop();
});

async function fetchAll(path: string, init?: RequestInit) {
  const res = await fetch(exp.url + path, init);
  const body = await res.text();
  bodies.push(body, JSON.stringify([...res.headers]));
  return { res, body };
}

describe("HTTP side of the compiled binary", () => {
  test("200 concurrent scrapes of /metrics and / while polling: all answered, and polling goes on", async () => {
    // Keep Woodpecker busy (slow answers) so scrapes overlap poll cycles.
    const slow = world.faults.add({ match: /\/pipelines/, fault: { kind: "slow", ms: 30 } });
    const repo = world.sim.listRepos().find((r) => r.allow_deploy)!;
    const src = world.sim.listPipelines(repo.id).find((p) => p.event === "push")!;
    const deployments = async () =>
      samples(await (await fetch(exp.url + "/metrics")).text()).get(
        `dora_deployments_total{repo="${repo.full_name}",deploy_to="production"}`,
      ) ?? 0;
    const before = await deployments();
    const results: Array<{ status: number; ok: boolean }> = [];
    for (let wave = 0; wave < 3; wave++) {
      world.clock += 60;
      world.drive(repo.id, world.sim.deploy(repo.id, src.number, "production"), "success", 30); // work for the poller
      const started = cycles.length;
      const batch = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          fetch(exp.url + (i % 2 === 0 ? "/metrics" : "/")).then(async (r) => {
            const text = await r.text();
            return {
              status: r.status,
              ok: i % 2 === 0 ? text.includes("dora_deployments_total") : text.includes("<html"),
            };
          }),
        ),
      );
      results.push(...batch);
      // Polling went on under the storm: a cycle began after this wave's scrapes were sent, so the
      // one running then has ended (cycles never overlap). Counted in cycles, not in wall-clock time.
      await waitFor(`a poll cycle after wave ${wave}`, async () => cycles.length >= started + 2);
    }
    slow.remove();
    expect(results).toHaveLength(600);
    expect(results.filter((r) => r.status !== 200 || !r.ok)).toEqual([]);
    // ...and read what happened during it: each wave's deployment is counted.
    await waitFor("the storm's three deployments", async () => (await deployments()) === before + 3);
  });

  test("unknown paths answer 404", async () => {
    for (const path of ["/nope", "/metrics/extra", "/api/v1/nope", "/.env", "/%2e%2e/etc/passwd"]) {
      const { res } = await fetchAll(path);
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  test("methods other than GET/HEAD answer 405 with Allow", async () => {
    for (const path of ["/metrics", "/", "/healthz", "/ready", "/nope"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const { res } = await fetchAll(path, {
          method,
          body: method === "POST" || method === "PUT" || method === "PATCH" ? "x" : undefined,
        });
        expect([method, path, res.status]).toEqual([method, path, 405]);
        expect(res.headers.get("allow")).toBe("GET, HEAD");
      }
    }
    const head = await fetch(exp.url + "/metrics", { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  test("the page sends security headers", async () => {
    const { res, body } = await fetchAll("/");
    expect(res.status).toBe(200);
    expect(body).toContain("<html");
    const h = res.headers;
    expect(h.get("content-type")).toContain("text/html");
    expect(h.get("content-security-policy")).toContain("default-src 'none'");
    expect(h.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(h.get("x-content-type-options")).toBe("nosniff");
    expect(h.get("x-frame-options")).toBe("DENY");
    expect(h.get("referrer-policy")).toBe("no-referrer");
    expect(h.get("cache-control")).toBe("no-store");
  });

  test("the token appears in no page, header, error body, log line or stdout, also after a revoked token", async () => {
    world.faults.add({ fault: { kind: "revoked" }, times: 5 });
    world.faults.add({ fault: { kind: "html" }, times: 3 });
    await Bun.sleep(2500);
    for (const path of [
      "/",
      "/metrics",
      "/healthz",
      "/ready",
      "/api/v1/summary",
      "/api/v1/summary?window=bogus",
      "/?window=bogus",
      "/openapi/json",
      "/nope",
    ]) {
      await fetchAll(path);
    }
    await fetchAll("/metrics", { method: "POST", body: TOKEN });
    expect(exp.logs.some((l) => l.includes("401"))).toBe(true); // the revoked token was noticed...
    const all = [...bodies, exp.logs.join("\n"), exp.stdout()].join("\n");
    expect(all).not.toContain(TOKEN); // ...and never printed
    expect(exp.proc.exitCode).toBeNull();
  });
});
