// The OpenAPI document drives a client generator (issue 13 item 7): every operation has response
// schemas (generated from the valibot schemas in src/server/plugins/responses.ts), the components
// are filled, path parameters are named; openapi-typescript turns the document into types and a
// call written against them typechecks, with the server's real answers as typed values.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { createApp } from "../../src/server/app.ts";
import {
  ErrorSchema,
  RepoDetailJsonSchema,
  StatusSchema,
  SummaryJsonSchema,
} from "../../src/server/plugins/responses.ts";
import type { ExporterView } from "../../src/server/view.ts";
import { ROOT } from "../e2e/exporter-process.ts";
import { pollOnce, startSim, type Sim } from "./sim.ts";

setDefaultTimeout(120_000);

const TOKEN = "openapi-test-token-4d2f";
let s: Sim;
let view: ExporterView;
let app: ReturnType<typeof createApp>;
const dir = mkdtempSync(join(tmpdir(), "dora-openapi-"));

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

beforeAll(async () => {
  s = startSim({ token: TOKEN, days: 14 });
  const polled = await pollOnce(s);
  view = polled.view;
  app = createApp({ registry: polled.core.registry, readiness: { ready: () => true }, view: () => view });
});
afterAll(() => {
  s?.served.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await app.handle(new Request(`http://localhost${path}`));
  return { status: res.status, body: await res.json() };
}

describe("the document", () => {
  test("every operation has named path parameters and JSON response schemas; components are filled", async () => {
    const doc = (await get("/openapi/json")).body as Document;
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/repos/{repo}", "/api/v1/status", "/api/v1/summary"]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(["Error", "RepoDetailResponse", "Status", "Summary"]);
    for (const [path, methods] of Object.entries(doc.paths)) {
      expect(path).not.toContain("*");
      for (const op of Object.values(methods)) {
        expect(op.operationId).toMatch(/^[A-Za-z]+$/);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name)).toEqual(inPath);
        const ok = op.responses?.["200"]?.content?.["application/json"]?.schema as { $ref?: string } | undefined;
        expect(ok?.$ref).toMatch(/^#\/components\/schemas\/\w+$/);
        expect(doc.components.schemas[ok!.$ref!.split("/").at(-1)!]).toBeDefined();
      }
    }
  });

  test("the served answers are what the schemas say", async () => {
    v.parse(SummaryJsonSchema, (await get("/api/v1/summary?window=7d")).body);
    v.parse(StatusSchema, (await get("/api/v1/status")).body);
    const repo = view.repos[0]!;
    v.parse(RepoDetailJsonSchema, (await get(`/api/v1/repos/${repo.id}`)).body);
    const byName = await get(`/api/v1/repos/${repo.fullName}`);
    expect(byName.status).toBe(200);
    v.parse(RepoDetailJsonSchema, byName.body);
    expect((await get(`/api/v1/repos/${encodeURIComponent(repo.fullName)}`)).body).toEqual(byName.body);
    const bad = await get("/api/v1/summary?window=abc");
    expect(bad.status).toBe(400);
    v.parse(ErrorSchema, bad.body);
    const missing = await get("/api/v1/repos/nobody/nothing");
    expect(missing.status).toBe(404);
    v.parse(ErrorSchema, missing.body);
  });
});

test("openapi-typescript generates a client whose typed calls typecheck against the real answers", async () => {
  const doc = (await get("/openapi/json")).body;
  writeFileSync(join(dir, "openapi.json"), JSON.stringify(doc));
  const gen = Bun.spawnSync(
    [
      "bun",
      join(ROOT, "node_modules/openapi-typescript/bin/cli.js"),
      join(dir, "openapi.json"),
      "-o",
      join(dir, "api.d.ts"),
    ],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  expect(gen.exitCode, gen.stderr.toString()).toBe(0);

  const summary = (await get("/api/v1/summary?window=30d&deploy_to=production")).body;
  const repo = view.repos[0]!;
  const detail = (await get(`/api/v1/repos/${repo.id}`)).body;
  const status = (await get("/api/v1/status")).body;
  writeFileSync(
    join(dir, "client.ts"),
    `import type { paths } from "./api.d.ts";
type Get<P extends keyof paths> = paths[P]["get"];
type Ok<P extends keyof paths> = Get<P>["responses"][200]["content"]["application/json"];

/** A tiny typed client over fetch, as one would write against the generated types. */
export async function summary(base: string, query: NonNullable<Get<"/api/v1/summary">["parameters"]["query"]>): \
Promise<Ok<"/api/v1/summary">> {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  return (await (await fetch(base + "/api/v1/summary?" + q)).json()) as Ok<"/api/v1/summary">;
}
export async function repo(base: string, path: Get<"/api/v1/repos/{repo}">["parameters"]["path"]): \
Promise<Ok<"/api/v1/repos/{repo}">> {
  return (await (await fetch(base + "/api/v1/repos/" + encodeURIComponent(path.repo))).json()) as \
Ok<"/api/v1/repos/{repo}">;
}

// The server's real answers are values of the generated types.
export const realSummary: Ok<"/api/v1/summary"> = ${JSON.stringify(summary)};
export const realDetail: Ok<"/api/v1/repos/{repo}"> = ${JSON.stringify(detail)};
export const realStatus: Ok<"/api/v1/status"> = ${JSON.stringify(status)};

export async function use(base: string): Promise<number> {
  const s = await summary(base, { window: "7d", repo: "acme/*", deploy_to: "production" });
  const perDay: number = s.overall.keys.deploymentFrequency.perDay;
  const level: "elite" | "high" | "medium" | "low" | "none" = s.overall.keys.leadTime.level;
  const r = await repo(base, { repo: "acme/web" });
  const since: number | null = r.repo.incidents[0]?.end ?? null;
  // @ts-expect-error the generated types are precise: a level is not any string
  const wrong: typeof level = "great";
  // @ts-expect-error the path parameter is named repo
  await repo(base, { name: "acme/web" });
  return perDay + (since ?? 0) + wrong.length;
}
`,
  );
  const tsc = Bun.spawnSync(
    [
      "bun",
      join(ROOT, "node_modules/typescript/bin/tsc"),
      "--noEmit",
      "--strict",
      "--target",
      "es2022",
      "--module",
      "esnext",
      "--moduleResolution",
      "bundler",
      "--lib",
      "es2022,dom",
      "--skipLibCheck",
      "--allowImportingTsExtensions",
      join(dir, "client.ts"),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(tsc.exitCode, tsc.stdout.toString() + tsc.stderr.toString()).toBe(0);
});
