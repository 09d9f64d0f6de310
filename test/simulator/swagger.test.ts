// The simulator's responses must be what Woodpecker 3.17's own spec says, and nothing more:
// every JSON response of a generated history is validated against swagger-v3.17.0.json with a
// validator that rejects undefined properties. shared/ is resolved as a sibling of the repo root
// (CI checks the repo out elsewhere with a copy of shared/ beside it).

import { beforeAll, describe, expect, test } from "bun:test";
import { generateHistory, SimulatedWoodpecker, simulatorFetch } from "../../src/simulator/index.ts";
import { SwaggerValidator, type Schema, type SwaggerDoc } from "./swagger-validator.ts";

// Woodpecker's own spec (v3.17.0) and a real-shaped list response, vendored from shared/woodpecker
// so a fresh clone can run this check; vendored.test.ts keeps the copies equal to shared/.
const SHARED = new URL("../testdata/woodpecker/", import.meta.url);
const END = 1_787_400_000;
const TOKEN = "swagger-test-token";

interface Spec extends SwaggerDoc {
  paths: Record<string, { get?: { responses: Record<string, { schema?: Schema }> } }>;
}

let spec: Spec;
let v: SwaggerValidator;
let example: Record<string, unknown>[];
let sim: SimulatedWoodpecker;

/** The schema the spec declares for a GET's 200 response (paths are relative to basePath /api). */
function responseSchema(path: string): Schema {
  const schema = spec.paths[path]?.get?.responses["200"]?.schema;
  if (!schema) throw new Error(`spec has no 200 schema for GET ${path}`);
  return schema;
}

async function getJson(path: string): Promise<unknown> {
  const res = await simulatorFetch(sim)(
    new Request(`http://sim${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } }),
  );
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  return res.json();
}

function expectValid(value: unknown, schema: Schema | string, what: string): void {
  const errors = new SwaggerValidator(spec).validate(value, schema, what);
  expect(errors.slice(0, 10)).toEqual([]);
}

beforeAll(async () => {
  spec = (await Bun.file(new URL("swagger-v3.17.0.json", SHARED)).json()) as Spec;
  example = (await Bun.file(new URL("pipelines-example.json", SHARED)).json()) as Record<string, unknown>[];
  v = new SwaggerValidator(spec);
  sim = new SimulatedWoodpecker({ token: TOKEN, admin: true, now: () => END });
  generateHistory(sim, { seed: 42, days: 28, end: END, repos: 6 });
});

describe("the validator itself", () => {
  test("accepts the real pipelines-example.json as Pipeline[]", () => {
    expect(v.validate(example, responseSchema("/repos/{repo_id}/pipelines"))).toEqual([]);
  });

  test("rejects undefined properties, wrong types, bad enums and wrong nulls", () => {
    const good = example[0] as Record<string, unknown>;
    expect(v.validate({ ...good, deploy_target: "prod" }, "Pipeline")).toEqual([
      '$: property "deploy_target" is not defined by the spec',
    ]);
    expect(v.validate({ ...good, number: "45" }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, number: 4.5 }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, status: "promoted" }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, event: "deploy" }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, commit: null }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, changed_files: [1] }, "Pipeline")).toHaveLength(1);
    // allOf ($ref wrapped) and nested objects are followed too.
    expect(v.validate({ ...good, release: { title: "x", bogus: 1 } }, "Pipeline")).toHaveLength(1);
    expect(v.validate({ ...good, release: { title: "x", is_prerelease: false } }, "Pipeline")).toEqual([]);
    expect(
      v.validate({ ...good, workflows: [{ id: 1, children: [{ id: 2, state: "nope" }] }] }, "Pipeline"),
    ).toHaveLength(1);
    expect(v.validate({ ...good, variables: { A: 1 } }, "Pipeline")).toHaveLength(1);
    expect(v.validate([good, "x"], { type: "array", items: { $ref: "#/definitions/Pipeline" } })).toHaveLength(1);
  });
});

describe("simulator responses match the 3.17 spec", () => {
  test("GET /api/user is a User", async () => {
    expectValid(await getJson("/api/user"), responseSchema("/user"), "user");
  });

  test("GET /api/user/repos (with and without all) is RepoLastPipeline[] with last_pipeline set", async () => {
    for (const q of ["", "?all=true"]) {
      const repos = (await getJson(`/api/user/repos${q}`)) as Array<Record<string, unknown>>;
      expect(repos.length).toBeGreaterThan(0);
      expectValid(repos, responseSchema("/user/repos"), `user/repos${q}`);
      for (const r of repos) expect(r.last_pipeline).toBeDefined();
    }
  });

  test("GET /api/repos (admin) and /api/repos/{id} are Repo", async () => {
    expectValid(await getJson("/api/repos?active=true&page=1&perPage=50"), responseSchema("/repos"), "repos");
    expectValid(await getJson("/api/repos"), responseSchema("/repos"), "repos(all)");
    expectValid(await getJson("/api/repos/1"), responseSchema("/repos/{repo_id}"), "repo");
  });

  test("GET /api/repos/lookup/{owner}/{name} is a Repo (also through a rename)", async () => {
    expectValid(
      await getJson("/api/repos/lookup/acme/shop-api"),
      responseSchema("/repos/lookup/{repo_full_name}"),
      "lookup",
    );
    expectValid(
      await getJson("/api/repos/lookup/acme/notify"),
      responseSchema("/repos/lookup/{repo_full_name}"),
      "lookup(renamed)",
    );
  });

  test("every page of every pipeline list is Pipeline[]", async () => {
    for (const repo of sim.listRepos()) {
      for (let page = 1; ; page++) {
        const items = (await getJson(`/api/repos/${repo.id}/pipelines?page=${page}`)) as unknown[];
        if (items.length === 0) break;
        expectValid(items, responseSchema("/repos/{repo_id}/pipelines"), `${repo.full_name} page ${page}`);
      }
    }
  });

  test("every single pipeline (with workflows and steps) and latest is a Pipeline", async () => {
    const schema = responseSchema("/repos/{repo_id}/pipelines/{pipeline_number}");
    const seen = new Set<string>();
    for (const repo of sim.listRepos()) {
      for (const p of sim.listPipelines(repo.id)) {
        const one = (await getJson(`/api/repos/${repo.id}/pipelines/${p.number}`)) as Record<string, unknown>;
        expectValid(one, schema, `${repo.full_name}#${p.number}`);
        expect(Array.isArray(one.workflows)).toBe(true);
        seen.add(`${p.event}/${p.status}`);
      }
      if (sim.listPipelines(repo.id).some((p) => p.event === "push" && p.branch === repo.default_branch)) {
        expectValid(await getJson(`/api/repos/${repo.id}/pipelines/latest`), schema, `${repo.full_name} latest`);
      }
    }
    // The history must have exercised the interesting states, or this test proves little.
    for (const s of [
      "push/success",
      "push/failure",
      "push/running",
      "push/pending",
      "deployment/success",
      "deployment/failure",
      "deployment/error",
      "deployment/killed",
      "deployment/canceled",
      "pull_request/blocked",
      "pull_request/declined",
      "cron/success",
      "tag/success",
      "manual/success",
    ]) {
      expect([...seen]).toContain(s);
    }
  });

  test("GET /api/user/feed is Feed[] and /version matches its schema", async () => {
    expectValid(await getJson("/api/user/feed"), responseSchema("/user/feed"), "feed");
    expectValid(await getJson("/version"), responseSchema("/version"), "version");
  });
});

describe("list items look like the real example", () => {
  test("same key set and order as pipelines-example.json (changed_files omitted only when empty)", async () => {
    const exampleKeys = Object.keys(example[0] as object);
    for (const e of example) expect(Object.keys(e)).toEqual(exampleKeys);
    for (const repo of sim.listRepos()) {
      const items = (await getJson(`/api/repos/${repo.id}/pipelines`)) as Array<Record<string, unknown>>;
      for (const item of items) {
        const expected = "changed_files" in item ? exampleKeys : exampleKeys.filter((k) => k !== "changed_files");
        expect(Object.keys(item)).toEqual(expected);
        expect(item.workflows).toBeUndefined();
      }
    }
  });

  test("single pipeline = list keys + workflows; value style like the example", async () => {
    const one = (await getJson("/api/repos/1/pipelines/2")) as Record<string, unknown>;
    expect(Object.keys(one).at(-1)).toBe("workflows");
    expect(one.version).toBe("3.17.0");
    expect(one.event_reason).toBeNull();
    expect(one.errors).toBeNull();
    expect(one.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(one.forge_url).toBe(`https://git.example.com/acme/shop-api/commit/${one.commit}`);
    expect(one.author_avatar).toMatch(/^https:\/\/git\.example\.com\/avatars\/[0-9a-f]{32}$/);
    expect(String(one.message).endsWith("\n")).toBe(true);
  });
});
