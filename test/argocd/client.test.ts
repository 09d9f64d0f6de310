// The ArgoCD client against the simulated ArgoCD served over real HTTP (port 0): list, version,
// the watch stream (framing, keepalives, reconnects, garbage, the re-list cue) and every kind of
// bad answer, each one clear line; and the token, whatever characters it has, in none of them.
import { afterEach, describe, expect, test } from "bun:test";
import { ArgoCDClient, ArgoCDError, type ArgoCDClientOptions } from "../../src/argocd/client.ts";
import { watchApplications, type StreamProblem, type Watch, type WatchEvent } from "../../src/argocd/watch.ts";
import { createLogger } from "../../src/log.ts";
import { serveArgoCD, type ServedArgoCD } from "../../src/simulator/argocd/serve.ts";
import type { ArgoCDState } from "../../src/simulator/argocd/state.ts";
import { makeArgo, TOKEN } from "./helpers.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function serve(opts: Parameters<typeof makeArgo>[0] = {}) {
  const { state, clock } = makeArgo(opts);
  const served = serveArgoCD(state);
  cleanups.push(() => served.stop());
  return { state, clock, served };
}

function client(served: ServedArgoCD, opts: Partial<ArgoCDClientOptions> = {}) {
  const attempts: string[] = [];
  const c = new ArgoCDClient({
    baseUrl: served.url,
    token: TOKEN,
    timeoutMs: 2000,
    retries: 2,
    backoffLimitMs: 20,
    onAttempt: (code) => attempts.push(code),
    ...opts,
  });
  return { c, attempts };
}

async function failure(p: Promise<unknown>): Promise<ArgoCDError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArgoCDError) return e;
    throw e;
  }
  throw new Error("expected an ArgoCDError");
}

/** Resolves once `cond()` holds (polling), or fails after `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await Bun.sleep(5);
  }
}

function watch(c: ArgoCDClient, extra: Partial<Parameters<typeof watchApplications>[1]> = {}) {
  const events: WatchEvent[] = [];
  const problems: StreamProblem[] = [];
  const connects: number[] = [];
  const w: Watch = watchApplications(c, {
    backoffInitialMs: 5,
    backoffMaxMs: 50,
    onEvent: (e) => events.push(e),
    onProblem: (p) => problems.push(p),
    onConnected: (n) => connects.push(n),
    ...extra,
  });
  cleanups.push(() => w.stop());
  return { w, events, problems, connects };
}

function shop(state: ArgoCDState) {
  state.addApp({ name: "shop", labels: { team: "shop" }, images: ["registry.example.com/acme/shop:1111111"] });
  state.sync("shop", { revision: "r1", images: ["registry.example.com/acme/shop:2222222"] });
}

describe("list and version", () => {
  test("lists every readable app, parsed; the selector is passed through, no fields=", async () => {
    const { state, served } = serve({ canRead: (project) => project !== "secret" });
    shop(state);
    state.addApp({ name: "web" });
    state.addApp({ name: "vault", project: "secret" });
    const { c } = client(served);
    const all = await c.listApplications();
    expect(all.apps.map((a) => a.name)).toEqual(["shop", "web"]);
    expect(all.invalid).toEqual([]);
    expect(all.apps[0]).toMatchObject({
      project: "default",
      labels: { team: "shop" },
      history: [{ id: 0, revisions: ["r1"] }],
      images: ["registry.example.com/acme/shop:2222222"],
      operation: { phase: "Succeeded", resultImages: ["registry.example.com/acme/shop:2222222"] },
    });
    expect((await c.listApplications({ selector: "team=shop" })).apps.map((a) => a.name)).toEqual(["shop"]);
    expect(served.requests.at(-1)).toMatchObject({ path: "/api/v1/applications", query: { selector: "team=shop" } });
    expect(served.requests.some((r) => "fields" in r.query)).toBe(false);
    expect(await c.version()).toBe("v3.5.1+d6b2f9a");
  });

  test("a malformed app is skipped and counted; the rest are still used", async () => {
    const { state, served } = serve();
    shop(state);
    state.addApp({ name: "web" });
    state.addApp({ name: "db" });
    served.faults.add({
      match: /applications$/,
      fault: {
        kind: "malformed-app",
        item: 1,
        mutate: (a) => ((a.metadata as Record<string, unknown>).uid = undefined),
      },
      times: 1,
    });
    served.faults.add({
      match: /applications$/,
      fault: {
        kind: "malformed-app",
        item: 2,
        mutate: (a) => ((a.status as { history: unknown }).history = [{ id: 0, deployedAt: "yesterday" }]),
      },
      times: 1,
    });
    const { c } = client(served);
    // Listed in order db, shop, web; one rule applies per request.
    const first = await c.listApplications();
    expect(first.apps.map((a) => a.name)).toEqual(["db", "web"]);
    expect(first.invalid).toEqual([
      { name: "shop", reason: 'items[1]: metadata.uid: Invalid key: Expected "uid" but received undefined' },
    ]);
    const second = await c.listApplications();
    expect(second.apps.map((a) => a.name)).toEqual(["db", "shop"]);
    expect(second.invalid).toEqual([
      { name: "web", reason: "items[2]: status.history[0].deployedAt: not an RFC 3339 time" },
    ]);
  });

  test("5xx answers are retried with backoff; each attempt is counted", async () => {
    const { state, served } = serve();
    shop(state);
    served.faults.add({ fault: { kind: "text", status: 502, body: "Bad Gateway" }, times: 2 });
    const { c, attempts } = client(served);
    expect((await c.listApplications()).apps).toHaveLength(1);
    expect(attempts).toEqual(["502", "502", "200"]);
  });
});

describe("errors are one clear line", () => {
  test("401: the server's reason and what to check", async () => {
    const { served } = serve();
    const e = await failure(client(served, { token: "wrong-token" }).c.listApplications());
    expect(e.status).toBe(401);
    expect(e.message).toBe(
      "GET /api/v1/applications: HTTP 401: invalid session: token is malformed: token contains an invalid " +
        "number of segments (token rejected: check ARGOCD_TOKEN)",
    );
  });

  test("403 and 404 grpc-gateway JSON errors", async () => {
    const { state, served } = serve();
    shop(state);
    served.faults.add({
      match: /applications$/,
      fault: { kind: "grpc-error", status: 403, code: 7, message: "permission denied" },
      times: 1,
    });
    const { c } = client(served);
    const e403 = await failure(c.listApplications());
    expect(e403.message).toBe(
      "GET /api/v1/applications: HTTP 403: permission denied (permission denied: the token's account needs " +
        "RBAC `applications, get`)",
    );
    const e404 = await failure(c.application("ghost", { project: "default" }));
    expect(e404.message).toBe(
      'GET /api/v1/applications/ghost?project=default: HTTP 404: applications.argoproj.io "ghost" not found ' +
        "(not found: is ARGOCD_URL the server's root URL, with its --rootpath?)",
    );
    expect((await failure(c.application("ghost"))).status).toBe(403);
    expect((await c.application("shop")).name).toBe("shop");
  });

  test("an unknown URL: the text 404 of the server, not a crash", async () => {
    const { served } = serve();
    const e = await failure(
      new ArgoCDClient({ baseUrl: `${served.url}/argocd`, token: TOKEN, timeoutMs: 2000 }).listApplications(),
    );
    expect(e.message).toBe(
      "GET /api/v1/applications: HTTP 404: 404 page not found (not found: is ARGOCD_URL the server's root URL, " +
        "with its --rootpath?)",
    );
  });

  test("an HTML answer (a login page in front of ArgoCD) is an error, never an empty list", async () => {
    const { state, served } = serve();
    shop(state);
    served.faults.add({ fault: { kind: "html" } });
    const { c } = client(served);
    expect((await failure(c.listApplications())).message).toBe(
      "GET /api/v1/applications: expected JSON, got text/html; charset=utf-8 (is ARGOCD_URL the server's root URL?)",
    );
    expect((await failure(c.version())).message).toStartWith("GET /api/version: expected JSON, got text/html");
  });

  test("a broken body, a timeout, a refused connection", async () => {
    const { served } = serve();
    const { c } = client(served, { retries: 0, timeoutMs: 150 });
    served.faults.add({ fault: { kind: "reset" }, times: 1 });
    expect((await failure(c.listApplications())).message).toStartWith("GET /api/v1/applications: ");
    served.faults.add({ fault: { kind: "hang" }, times: 1 });
    expect((await failure(c.listApplications())).message).toBe("GET /api/v1/applications: no response within 150 ms");
    served.stop();
    const refused = await failure(c.version());
    expect(refused.message).toStartWith("GET /api/version: ");
    expect(refused.status).toBeUndefined();
  });
});

describe("watch stream", () => {
  test("delivers every app, then changes; keepalives are no events; the re-list cue after connecting", async () => {
    const { state, served, clock } = serve({ keepaliveMs: 10 });
    shop(state);
    const { c } = client(served);
    const { w, events, connects, problems } = watch(c);
    await until(() => events.length === 1);
    expect(w.connected).toBe(true);
    expect(connects).toEqual([1]);
    expect(w.takeRelist()).toBe(true);
    expect(w.takeRelist()).toBe(false);
    clock.t += 60;
    state.sync("shop", { revision: "r2", images: ["registry.example.com/acme/shop:3333333"] });
    await until(() => events.some((e) => e.app.history.length === 2));
    await Bun.sleep(50); // a few keepalives
    expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "MODIFIED"]);
    expect(events.at(-1)?.app).toMatchObject({ name: "shop", images: ["registry.example.com/acme/shop:3333333"] });
    expect(problems).toEqual([]);
    const stream = served.requests.find((r) => r.path === "/api/v1/stream/applications");
    expect(stream?.query.fields?.split(",")).toContain("result.application.status.history");
    // Exactly this value: ArgoCD's forwarder switches to SSE (and keepalives) only on equality.
    expect(stream?.accept).toBe("text/event-stream");
  });

  test("reconnects with backoff when the server ends the stream, and cues a re-list each time", async () => {
    const { state, served } = serve();
    shop(state);
    const { c } = client(served);
    const { w, events, connects, problems } = watch(c);
    await until(() => events.length === 1);
    w.takeRelist();
    served.handler.closeStreams();
    await until(() => connects.length === 2 && events.length === 2);
    expect(w.takeRelist()).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED"]);
    expect(problems).toEqual([{ kind: "disconnect", message: "stream: closed by the server" }]);
    served.handler.closeStreams();
    await until(() => connects.length === 3);
    expect(w.connections).toBe(3);
  });

  test("an API server restart: refused while down, reconnected and re-listed when back", async () => {
    const { state, served } = serve();
    shop(state);
    const { c } = client(served, { retries: 0 });
    const { w, events, connects, problems } = watch(c);
    await until(() => events.length === 1);
    w.takeRelist();
    served.down();
    await until(() => problems.filter((p) => p.kind === "connect").length >= 2);
    expect(w.connected).toBe(false);
    expect(w.takeRelist()).toBe(false);
    served.up();
    await until(() => connects.length === 2 && events.length === 2);
    expect(w.takeRelist()).toBe(true);
    expect(problems[0]?.kind).toBe("disconnect");
    expect(problems[1]?.message).toStartWith("GET /api/v1/stream/applications?fields=");
  });

  test(
    "failed connections back off exponentially with " + "jitter, up to the cap; a lasting connection resets it",
    async () => {
      const { state, served } = serve();
      shop(state);
      const rule = served.faults.add({
        match: /stream/,
        fault: { kind: "text", status: 502, body: "Bad Gateway" },
        times: 7,
      });
      const { c } = client(served, { retries: 0 });
      const delays: number[] = [];
      const { events } = watch(c, {
        backoffInitialMs: 2,
        backoffMaxMs: 40,
        random: () => 0.5,
        onBackoff: (ms) => delays.push(ms),
      });
      await until(() => events.length === 1);
      expect(rule.applied()).toBe(7);
      // cap = min(40, 2·2^n); delay = cap/2 + random·cap/2
      expect(delays).toEqual([1.5, 3, 6, 12, 24, 30, 30]);
      await Bun.sleep(40); // longer than 10 × the initial delay
      served.handler.closeStreams();
      await until(() => delays.length === 8);
      expect(delays[7]).toBe(1.5);
    },
  );

  test("a server that hangs up right after the first events does not get a tight reconnect loop", async () => {
    const { state, served } = serve();
    shop(state);
    const { c } = client(served);
    const delays: number[] = [];
    const { connects } = watch(c, {
      backoffInitialMs: 20,
      backoffMaxMs: 10_000,
      random: () => 0.5,
      onBackoff: (ms) => delays.push(ms),
      onConnected: (n) => {
        connects.push(n);
        if (n <= 3) setTimeout(() => served.handler.closeStreams(), 1);
      },
    });
    await until(() => connects.length === 4);
    expect(delays).toEqual([15, 30, 60]);
  });

  test("a silent connection (no keepalive) is dropped after the idle timeout and reopened", async () => {
    const { state, served } = serve({ keepaliveMs: 60_000 });
    shop(state);
    const { c } = client(served);
    const { problems, connects } = watch(c, { idleTimeoutMs: 80 });
    await until(() => connects.length >= 2);
    expect(problems[0]).toEqual({ kind: "disconnect", message: "stream: connection lost: no data for 80 ms" });
  });

  test(
    "garbage, invalid JSON, invalid apps and error " + "messages are counted problems; valid events still arrive",
    async () => {
      const { state, served, clock } = serve();
      shop(state);
      const bad = JSON.stringify({
        result: { type: "MODIFIED", application: { metadata: { name: "evil" }, spec: {} } },
      });
      served.faults.add({
        match: /stream/,
        fault: {
          kind: "stream-prefix",
          text:
            `<html>\n\ndata: {"result": \n\ndata: [1,2]\n\ndata: ${bad} \n\ndata: ` +
            `{"error":{"grpc_code":14,"http_code":503,"message":"transport is closing","http_status":"Service ` +
            `Unavailable"}} \n\n:\n`,
        },
        times: 1,
      });
      const { c } = client(served);
      const { w, events, problems } = watch(c);
      await until(() => events.length === 1);
      clock.t += 60;
      state.setHealth("shop", "Degraded");
      await until(() => events.length === 2);
      expect(problems.map((p) => p.kind)).toEqual(["garbage", "garbage", "garbage", "invalid-app", "stream-error"]);
      expect(problems.map((p) => p.message)).toEqual([
        'stream: not an event-stream line: "<html>"',
        'stream: message is not JSON: "{\\"result\\": "',
        "stream: unexpected message: Invalid type: Expected Object but received Array",
        'stream: invalid application "evil": metadata.uid: Invalid key: Expected "uid" but received undefined',
        "stream: server error 503: transport is closing",
      ]);
      expect(w.problems).toMatchObject({ garbage: 3, "invalid-app": 1, "stream-error": 1 });
      expect(events.at(-1)?.app.health?.status).toBe("Degraded");
    },
  );

  test("a rejected token on the stream: a connect problem each attempt, never a crash; stop() ends it", async () => {
    const { served } = serve();
    const { c } = client(served, { token: "wrong-token" });
    const { w, problems } = watch(c);
    await until(() => problems.length >= 3);
    expect(problems[0]).toEqual({
      kind: "connect",
      message:
        "GET /api/v1/stream/applications?fields=" +
        encodeURIComponent(
          "result.type,result.application.metadata.name,result.application.metadata.namespace," +
            "result.application.metadata.uid,result.application.metadata.annotations," +
            "result.application.metadata.labels,result.application.spec.project," +
            "result.application.spec.source.repoURL,result.application.spec.sources.repoURL," +
            "result.application.status.history,result.application.status.operationState," +
            "result.application.status.health,result.application.status.summary.images",
        ) +
        ": HTTP 401: invalid session: token is malformed: token contains an invalid number of segments (token " +
        "rejected: check ARGOCD_TOKEN)",
    });
    expect(w.connected).toBe(false);
    await w.stop();
    const n = problems.length;
    await Bun.sleep(60);
    expect(problems.length).toBe(n);
  });

  test("a throwing onEvent or onProblem does not end the watch", async () => {
    const { state, served, clock } = serve();
    shop(state);
    const { c } = client(served);
    const seen: string[] = [];
    const w = watchApplications(c, {
      backoffInitialMs: 5,
      onEvent: (e) => {
        seen.push(e.app.health?.status ?? "");
        throw new Error("caller bug");
      },
      onProblem: () => {
        throw new Error("reporter bug");
      },
    });
    cleanups.push(() => w.stop());
    await until(() => seen.length === 1);
    clock.t += 60;
    state.setHealth("shop", "Degraded");
    await until(() => seen.length === 2);
    expect(w.problems.handler).toBe(2);
    expect(w.connections).toBe(1);
  });

  test("an HTML answer on the stream path is a connect problem", async () => {
    const { served } = serve();
    served.faults.add({ match: /stream/, fault: { kind: "html" } });
    const { c } = client(served);
    const { problems } = watch(c, { fields: [] });
    await until(() => problems.length >= 1);
    expect(problems[0]?.message).toBe(
      "GET /api/v1/stream/applications: expected an event stream, got text/html; charset=utf-8 (is ARGOCD_URL " +
        "the server's root URL?)",
    );
  });
});

test("the token never appears in errors, problems or logs, even with quotes and backslashes", async () => {
  const secret = 'sec"ret\\tok\\"en/+&=%';
  const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
  const { state, served } = serve({ token: secret });
  shop(state);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
  const texts: string[] = [];
  const { c } = client(served, { token: secret });
  // It works with the right token...
  expect((await c.listApplications()).apps).toHaveLength(1);
  // ...and every failure, including a server that echoes the Authorization header back:
  served.faults.add({ fault: { kind: "echo-token" }, times: 3 });
  // One request at a time: started together, a rejection that came before its turn to be awaited
  // was unhandled and failed the test now and then (seen once in CI).
  for (const call of [() => c.listApplications(), () => c.version(), () => c.application("shop")]) {
    const e = await failure(call());
    texts.push(e.message, String(e), e.stack ?? "");
    log.error("argocd request failed", { err: e, message: e.message });
  }
  expect(texts.join("\n")).toContain("<redacted>");
  served.faults.add({ match: /stream/, fault: { kind: "echo-token" }, times: 2 });
  served.faults.add({
    match: /stream/,
    fault: {
      kind: "stream-prefix",
      text: `data: {"error":{"message":${JSON.stringify(`bad token ${secret}`)}}} \n\nnot sse ${secret}\n`,
    },
    times: 1,
  });
  const { w, problems, events } = watch(c);
  await until(() => events.length >= 1);
  await w.stop();
  for (const p of problems) {
    texts.push(p.message);
    log.warn("argocd stream problem", { problem: p });
  }
  expect(problems.filter((p) => p.kind === "connect")).toHaveLength(2);
  const all = [...texts, ...lines, JSON.stringify(served.requests)].join("\n");
  for (const f of forms) expect(all.includes(f)).toBe(false);
  expect(all).toContain("<redacted>");
});
