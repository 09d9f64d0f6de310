// The simulated ArgoCD's answers must be what ArgoCD 3.5.1's own spec says, and nothing more:
// every JSON answer (list, one app, version, stream messages, errors) of a generated GitOps
// history is validated against swagger-v3.5.1.json by a validator that rejects undefined
// properties. The spec is vendored (vendored.test.ts keeps it equal to shared/argocd).
import { beforeAll, describe, expect, test } from "bun:test";
import { generateGitOps } from "../../src/simulator/argocd/generate.ts";
import { createArgoCDHandler, type ArgoCDHandler } from "../../src/simulator/argocd/handle.ts";
import { ArgoCDState } from "../../src/simulator/argocd/state.ts";
import { hashHex } from "../../src/simulator/prng.ts";
import { SwaggerValidator, type Schema, type SwaggerDoc } from "../simulator/swagger-validator.ts";
import { readFor, sseMessages, TOKEN } from "./helpers.ts";

const END = 1_787_400_000;

interface Spec extends SwaggerDoc {
  paths: Record<string, { get?: { responses: Record<string, { schema?: Schema }> } }>;
}

let spec: Spec;
let state: ArgoCDState;
let handle: ArgoCDHandler;
/** What the generated activity went through (seen by a listener while it was generated). */
const seen = new Set<string>();

function schemaOf(path: string, status = "200"): Schema {
  const schema = spec.paths[path]?.get?.responses[status]?.schema;
  if (!schema) throw new Error(`spec has no ${status} schema for GET ${path}`);
  return schema;
}

async function get(
  path: string,
  headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` },
): Promise<Response> {
  return handle(new Request(`http://argocd.test${path}`, { headers }));
}

function expectValid(value: unknown, schema: Schema | string, what: string): void {
  expect(new SwaggerValidator(spec).validate(value, schema, what).slice(0, 10)).toEqual([]);
}

beforeAll(async () => {
  spec = (await Bun.file(new URL("../testdata/argocd/swagger-v3.5.1.json", import.meta.url)).json()) as Spec;
  state = new ArgoCDState({ token: TOKEN, now: () => END, keepaliveMs: 20 });
  const repos = ["acme/shop-api", "acme/web", "acme/billing"].map((r, k) => ({
    fullName: r,
    commits: Array.from({ length: 60 }, (_, i) => ({
      sha: hashHex(`${r}#${i}`, 40),
      time: END - 30 * 86400 + i * 40_000 + k * 977,
    })),
  }));
  state.subscribe((_type, app) => {
    const j = state.json(app) as {
      status: {
        operationState?: {
          phase: string;
          retryCount?: number;
          operation: { sync: { dryRun?: boolean; resources?: unknown[] } };
        };
        health: { status: string };
      };
    };
    const op = j.status.operationState;
    if (op) seen.add(`phase:${op.phase}`);
    if (op?.retryCount) seen.add("retry");
    if (op?.operation.sync.dryRun) seen.add("dry-run");
    if (op?.operation.sync.resources) seen.add("partial");
    seen.add(`health:${j.status.health.status}`);
  });
  generateGitOps(state, repos, { seed: 11, end: END, failureRate: 0.15, degradeRate: 0.15 });
  state.addApp({
    name: "multi",
    sources: [{ repoURL: "https://git.example.com/a.git" }, { repoURL: "https://git.example.com/b.git" }],
    labels: { team: "x" },
    annotations: { "dora-exporter/repo": "acme/a" },
  });
  state.sync("multi", { revision: ["a1", "b1"], images: ["registry.example.com/acme/a:1234567"] });
  state.startSync("multi", { revision: ["a2", "b1"], images: [] });
  state.retrySync("multi");
  handle = createArgoCDHandler(state);
});

test("the validator rejects undefined properties and wrong types in an Application", async () => {
  const app = (await (await get("/api/v1/applications/web")).json()) as {
    status: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
  const v = new SwaggerValidator(spec);
  expect(v.validate(app, "v1alpha1Application")).toEqual([]);
  expect(v.validate({ ...app, status: { ...app.status, lastDeploy: 1 } }, "v1alpha1Application")).toHaveLength(1);
  expect(v.validate({ ...app, metadata: { ...app.metadata, uid: 5 } }, "v1alpha1Application")).toHaveLength(1);
  expect(v.validate({ ...app, status: { ...app.status, history: [{ id: "1" }] } }, "v1alpha1Application")).toHaveLength(
    1,
  );
});

describe("simulator answers match ArgoCD 3.5.1's spec", () => {
  test("the generated history exercised the interesting states", () => {
    const phases = new Set<string>();
    const health = new Set<string>();
    for (const a of state.list()) {
      const s = state.json(a).status as {
        operationState?: { phase: string };
        health: { status: string };
        history?: unknown[];
      };
      phases.add(s.operationState?.phase ?? "none");
      health.add(s.health.status);
      expect(s.history?.length ?? 0).toBeLessThanOrEqual(10);
    }
    expect([...phases]).toContain("Running");
    for (const what of [
      "phase:Running",
      "phase:Succeeded",
      "phase:Failed",
      "phase:Error",
      "retry",
      "dry-run",
      "partial",
      "health:Healthy",
      "health:Degraded",
      "health:Progressing",
    ]) {
      expect([...seen]).toContain(what);
    }
    expect(
      state.list().some((a) => ((state.json(a).status as { history?: unknown[] }).history?.length ?? 0) === 10),
    ).toBe(true);
  });

  test("GET /api/v1/applications (whole, and trimmed by fields=) is an ApplicationList", async () => {
    for (const q of [
      "",
      "?fields=items.metadata.name,items.spec.project,items.status.health," +
        "items.status.operationState.phase,items.status.history,items.metadata.uid",
    ]) {
      const res = await get(`/api/v1/applications${q}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/json");
      const body = (await res.json()) as { items: unknown[] };
      expect(body.items.length).toBe(4);
      expectValid(body, schemaOf("/api/v1/applications"), `list${q}`);
    }
  });

  test("GET /api/v1/applications/{name} is an Application", async () => {
    for (const a of state.list()) {
      expectValid(
        await (await get(`/api/v1/applications/${a.name}`)).json(),
        schemaOf("/api/v1/applications/{name}"),
        a.name,
      );
    }
  });

  test("GET /api/version, with and without a session, is a VersionMessage", async () => {
    expectValid(await (await get("/api/version")).json(), schemaOf("/api/version"), "version");
    expectValid(await (await get("/api/version", {})).json(), schemaOf("/api/version"), "version(anonymous)");
  });

  test("every stream message (whole and trimmed) is the spec's stream result", async () => {
    for (const q of ["", "?fields=result.type,result.application.metadata.name,result.application.status.history"]) {
      const res = await get(`/api/v1/stream/applications${q}`, {
        Authorization: `Bearer ${TOKEN}`,
        Accept: "text/event-stream",
      });
      state.setHealth("web", "Degraded");
      state.setHealth("web", "Healthy");
      const msgs = sseMessages(await readFor(res, 300, (t) => sseMessages(t).length >= 6));
      expect(msgs.length).toBeGreaterThanOrEqual(4);
      for (const [i, m] of msgs.entries()) expectValid(m, schemaOf("/api/v1/stream/applications"), `stream${q}[${i}]`);
    }
  });

  test("errors are runtimeError bodies", async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ["/api/v1/applications", {}, 401],
      ["/api/v1/applications", { Authorization: "Bearer wrong" }, 401],
      ["/api/v1/applications/nope", { Authorization: `Bearer ${TOKEN}` }, 403],
      ["/api/v1/applications/nope?project=default", { Authorization: `Bearer ${TOKEN}` }, 404],
      ["/api/v1/stream/applications", {}, 401],
    ];
    for (const [path, headers, status] of cases) {
      const res = await get(path, headers);
      expect([path, res.status]).toEqual([path, status]);
      expectValid(await res.json(), schemaOf("/api/v1/applications", "default"), `${path} ${status}`);
    }
  });
});
