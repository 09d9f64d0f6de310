// Behaviour of the simulated ArgoCD that clients rely on, each fact as ArgoCD 3.5.1 has it.
import { describe, expect, test } from "bun:test";
import { createArgoCDHandler } from "../../src/simulator/argocd/handle.ts";
import type { Json } from "../../src/simulator/argocd/state.ts";
import { formatTime } from "../../src/simulator/argocd/time.ts";
import { makeArgo, readFor, sseMessages, TOKEN, T0 } from "./helpers.ts";

const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SSE = { ...AUTH, Accept: "text/event-stream" };

function setup(opts: Parameters<typeof makeArgo>[0] = {}) {
  const { state, clock } = makeArgo(opts);
  const handle = createArgoCDHandler(state);
  const get = (path: string, headers: Record<string, string> = AUTH) =>
    Promise.resolve(handle(new Request(`http://argocd.test${path}`, { headers })));
  return { state, clock, handle, get };
}

type App = { metadata: { name: string; uid?: string }; status?: { history?: { id: number; revision: string }[] } };

describe("history and operations", () => {
  test("history ids count up from 0; the list keeps the last revisionHistoryLimit entries (default 10)", () => {
    const { state, clock } = setup();
    state.addApp({ name: "a" });
    state.addApp({ name: "b", revisionHistoryLimit: 3 });
    for (let i = 0; i < 12; i++) {
      clock.t += 100;
      state.sync("a", { revision: `r${i}` });
      state.sync("b", { revision: `r${i}` });
    }
    const ids = (n: string) => ((state.json(state.get(n)!) as App).status?.history ?? []).map((h) => h.id);
    expect(ids("a")).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ids("b")).toEqual([9, 10, 11]);
  });

  test("only the latest operation is kept; failed, dry-run and partial syncs add no history", () => {
    const { state, clock } = setup();
    state.addApp({ name: "a" });
    state.sync("a", { revision: "r1", outcome: "Failed" });
    clock.t += 100;
    state.sync("a", { revision: "r1", dryRun: true });
    clock.t += 100;
    state.sync("a", { revision: "r1", resources: [{ kind: "Deployment", name: "a" }] });
    const s = state.json(state.get("a")!).status as Record<string, unknown>;
    expect(s.history).toBeUndefined();
    expect(s.operationState).toMatchObject({
      phase: "Succeeded",
      startedAt: formatTime(T0 + 200),
      operation: { sync: { resources: [{ kind: "Deployment" }] } },
    });
  });

  test("retries keep the operation Running with a growing retryCount; finishedAt only at the end", () => {
    const { state } = setup();
    state.addApp({ name: "a" });
    state.startSync("a", { revision: "r1" });
    state.retrySync("a");
    state.retrySync("a");
    let op = (state.json(state.get("a")!).status as { operationState: Record<string, unknown> }).operationState;
    expect(op).toMatchObject({ phase: "Running", retryCount: 2 });
    expect(op.finishedAt).toBeUndefined();
    state.finishSync("a", "Failed");
    op = (state.json(state.get("a")!).status as { operationState: Record<string, unknown> }).operationState;
    expect(op).toMatchObject({ phase: "Failed", retryCount: 2, finishedAt: expect.any(String) });
  });

  test("one operation at a time; terminate goes through Terminating to Failed", () => {
    const { state } = setup();
    state.addApp({ name: "a" });
    const phases: string[] = [];
    state.subscribe((_t, app) => phases.push(String(((state.json(app).status as Json).operationState as Json).phase)));
    state.startSync("a", { revision: "r1" });
    expect(() => state.startSync("a", { revision: "r2" })).toThrow("another operation is already in progress");
    state.terminateSync("a");
    expect(phases).toEqual(["Running", "Terminating", "Failed"]);
    expect((state.json(state.get("a")!).status as Json).operationState).toMatchObject({
      message: "Operation terminated",
    });
  });

  test("health lastTransitionTime moves only when the status changes", () => {
    const { state, clock } = setup();
    state.addApp({ name: "a" });
    clock.t += 60;
    state.setHealth("a", "Degraded");
    clock.t += 60;
    state.setHealth("a", "Degraded");
    const h = (state.json(state.get("a")!).status as { health: Record<string, string> }).health;
    expect(h).toEqual({
      status: "Degraded",
      lastTransitionTime: new Date((T0 + 60) * 1000).toISOString().replace(".000", ""),
    });
  });
});

describe("list", () => {
  test("fields= selects only ArgoCD's selectable paths: no status.history, no metadata.uid", async () => {
    const { state, get } = setup();
    state.addApp({ name: "a" });
    state.sync("a", { revision: "r1" });
    const body = (await (
      await get(
        "/api/v1/applications?fields=items.metadata.name,items.metadata.uid,items.status.history,items.status.health",
      )
    ).json()) as { items: App[] };
    expect(body.items).toEqual([
      { metadata: { name: "a" }, status: { health: { status: "Healthy", lastTransitionTime: expect.any(String) } } },
    ] as never);
    const whole = (await (await get("/api/v1/applications")).json()) as { items: App[] };
    expect(whole.items[0]?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(whole.items[0]?.status?.history).toHaveLength(1);
  });

  test("apps the token may not read are left out silently; selector, projects and name filter", async () => {
    const { state, get } = setup({ canRead: (project) => project !== "secret" });
    state.addApp({ name: "a", labels: { team: "shop" } });
    state.addApp({ name: "b", project: "secret", labels: { team: "shop" } });
    state.addApp({ name: "c", project: "web" });
    const names = async (q: string) =>
      ((await (await get(`/api/v1/applications${q}`)).json()) as { items: App[] }).items.map((i) => i.metadata.name);
    expect(await names("")).toEqual(["a", "c"]);
    expect(await names("?selector=team%3Dshop")).toEqual(["a"]);
    expect(await names("?selector=team")).toEqual(["a"]);
    expect(await names("?selector=team!%3Dshop")).toEqual(["c"]);
    expect(await names("?projects=web")).toEqual(["c"]);
    expect(await names("?name=a")).toEqual(["a"]);
    expect((await get("/api/v1/applications/b")).status).toBe(403);
    expect((await get("/api/v1/applications?selector=%3D%3D")).status).toBe(400);
  });
});

describe("errors and unknown paths, as grpc-gateway and the UI handler answer them", () => {
  test("401 JSON without or with a wrong token; version answers anyway, reduced", async () => {
    const { state, get } = setup();
    state.addApp({ name: "a" });
    const none = await get("/api/v1/applications", {});
    expect([none.status, none.headers.get("Content-Type"), await none.json()]).toEqual([
      401,
      "application/json",
      { error: "no session information", code: 16, message: "no session information" },
    ]);
    const wrong = await get("/api/v1/applications", { Authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toStartWith("invalid session: ");
    expect(await (await get("/api/version", {})).json()).toEqual({ Version: state.version });
    expect(Object.keys((await (await get("/api/version")).json()) as object).length).toBeGreaterThan(5);
  });

  test("403 for a missing app without project, 404 with it", async () => {
    const { get } = setup();
    expect(await (await get("/api/v1/applications/ghost")).json()).toEqual({
      error: "permission denied",
      code: 7,
      message: "permission denied",
    });
    const r = await get("/api/v1/applications/ghost?project=default");
    expect([r.status, ((await r.json()) as { code: number }).code]).toEqual([404, 5]);
  });

  test(
    "unknown API path: grpc-gateway's text 404; other " + "paths: index.html for browsers, else the file server's 404",
    async () => {
      const { get } = setup();
      const api = await get("/api/v1/nope");
      expect([api.status, api.headers.get("Content-Type"), await api.text()]).toEqual([
        404,
        "text/plain; charset=utf-8",
        "Not Found\n",
      ]);
      const browser = await get("/applications", { Accept: "text/html,application/xhtml+xml" });
      expect([browser.status, browser.headers.get("Content-Type")]).toEqual([200, "text/html; charset=utf-8"]);
      expect(await browser.text()).toContain("<title>Argo CD</title>");
      const client = await get("/applications", { Accept: "application/json" });
      expect([client.status, await client.text()]).toEqual([404, "404 page not found\n"]);
    },
  );

  test("a --rootpath server answers only under its root", async () => {
    const { state, get } = setup({ rootPath: "/argocd" });
    state.addApp({ name: "a" });
    expect((await get("/argocd/api/v1/applications")).status).toBe(200);
    expect((await get("/api/v1/applications")).status).toBe(404);
  });
});

describe("watch stream", () => {
  test("SSE framing: every app as ADDED, then changes; keepalives; identical messages dropped", async () => {
    const { state, get, clock } = setup({ keepaliveMs: 20 });
    state.addApp({ name: "a" });
    state.addApp({ name: "b" });
    const res = await get("/api/v1/stream/applications", SSE);
    expect(res.headers.get("Content-Type")).toBe("text/event-stream");
    clock.t += 10;
    state.setHealth("a", "Degraded");
    // Every app sent again unchanged: a's message is identical to its last one (dropped); b's
    // differs from its ADDED one only by its type, which is enough to be sent.
    state.resync();
    clock.t += 10;
    state.reconcile("b"); // reconciledAt changes: a different message
    state.resync(); // both identical to their last message now: dropped
    const text = await readFor(res, 150);
    expect(text).toMatch(/^data: \{"result":\{"type":"ADDED",/);
    expect(text).toContain(" \n\n\n");
    expect(text).toContain(":\n");
    const msgs = sseMessages(text) as { result: { type: string; application: App } }[];
    expect(msgs.map((m) => `${m.result.type} ${m.result.application.metadata.name}`)).toEqual([
      "ADDED a",
      "ADDED b",
      "MODIFIED a",
      "MODIFIED b",
      "MODIFIED b",
    ]);
  });

  test("with fields=, de-duplication compares the trimmed messages", async () => {
    const { state, get, clock } = setup();
    state.addApp({ name: "a" });
    const q = "?fields=result.type,result.application.metadata.name,result.application.status.history";
    const res = await get(`/api/v1/stream/applications${q}`, SSE);
    clock.t += 10;
    state.reconcile("a"); // sent: its type differs from the ADDED message before it
    state.reconcile("a", T0 + 20); // same trimmed message: dropped
    state.setHealth("a", "Degraded"); // dropped
    state.sync("a", { revision: "r1" }); // start: same history, dropped; finish: history grows
    const msgs = sseMessages(await readFor(res, 100)) as { result: { type: string; application: App } }[];
    expect(msgs).toEqual([
      // `status` is kept (a prefix of a requested path), emptied of everything else.
      { result: { type: "ADDED", application: { metadata: { name: "a" }, status: {} } } },
      { result: { type: "MODIFIED", application: { metadata: { name: "a" }, status: {} } } },
      expect.anything(),
    ]);
    expect(msgs[2]?.result.application.status?.history?.map((h) => h.revision)).toEqual(["r1"]);
  });

  test("without Accept: text/event-stream, newline-delimited JSON without keepalives", async () => {
    const { state, get } = setup({ keepaliveMs: 10 });
    state.addApp({ name: "a" });
    const res = await get("/api/v1/stream/applications", { ...AUTH, Accept: "text/event-stream, */*" });
    expect(res.headers.get("Content-Type")).toBe("application/json");
    const text = await readFor(res, 60);
    expect(
      text
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => (JSON.parse(l) as { result: { type: string } }).result.type),
    ).toEqual(["ADDED"]);
  });

  test("apps the token may not read never appear on the stream", async () => {
    const { state, get } = setup({ canRead: (_p, name) => name !== "hidden" });
    state.addApp({ name: "a" });
    state.addApp({ name: "hidden" });
    const res = await get("/api/v1/stream/applications", SSE);
    state.setHealth("hidden", "Degraded");
    const msgs = sseMessages(await readFor(res, 60)) as { result: { application: App } }[];
    expect(msgs.map((m) => m.result.application.metadata.name)).toEqual(["a"]);
  });

  test("closeStreams ends open streams from the server side", async () => {
    const { state, handle, get } = setup();
    state.addApp({ name: "a" });
    const res = await get("/api/v1/stream/applications", SSE);
    expect(handle.openStreams()).toBe(1);
    handle.closeStreams();
    expect(handle.openStreams()).toBe(0);
    expect(sseMessages(await readFor(res, 1000))).toHaveLength(1); // ends, does not hang
  });
});
