// What the client asks for, byte for byte: the queries are written by hand (issue 14: no
// URLSearchParams per page) and must be exactly what URLSearchParams writes, whatever the events,
// times and page; a list answer that is not an array is refused with valibot's array message.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { WoodpeckerClient } from "../../src/woodpecker/client.ts";
import { fcParams } from "../core/property-params.ts";

const BASE = "https://ci.example.com/woodpecker";

/** A client whose every request is recorded and answered with `body` as JSON. */
function recording(body: unknown = []) {
  const urls: string[] = [];
  const fetchStub = (async (input: string | URL | Request) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
  const client = new WoodpeckerClient({ baseUrl: BASE, token: "t", timeoutMs: 1000, retries: 0, fetch: fetchStub });
  return { client, urls };
}

/** The query as the client wrote it before issue 14, with URLSearchParams. */
function expectedQuery(q: { page: number; events?: string[]; after?: number; before?: number }): string {
  const params: Record<string, string> = { page: String(q.page), perPage: "50" };
  if (q.events && q.events.length > 0) params.event = q.events.join(",");
  if (q.after && q.after > 0) params.after = new Date(q.after * 1000).toISOString().replace(".000Z", "Z");
  if (q.before && q.before > 0) params.before = new Date(q.before * 1000).toISOString().replace(".000Z", "Z");
  return new URLSearchParams(params).toString();
}

test("a pipeline page asks exactly what URLSearchParams would write", async () => {
  const event = fc.oneof(
    fc.constantFrom("push", "deployment", "tag", "pull_request", "cron", "manual"),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: "grapheme", maxLength: 4 }),
  );
  const time = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff }));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 100_000 }),
      fc.option(fc.array(event, { maxLength: 4 }), { nil: undefined }),
      fc.option(time, { nil: undefined }),
      fc.option(time, { nil: undefined }),
      async (page, events, after, before) => {
        const { client, urls } = recording();
        const q = { page, events, after, before };
        // Twice with the same events array (the cached `event=`), then with a copy of it.
        await client.pipelinePage(12, q);
        await client.pipelinePage(12, q);
        await client.pipelinePage(12, { ...q, events: events && [...events] });
        const want = `${BASE}/api/repos/12/pipelines?${expectedQuery(q)}`;
        expect(urls).toEqual([want, want, want]);
      },
    ),
    fcParams(300),
  );
});

test("a new events list is asked for, not the cached one", async () => {
  const { client, urls } = recording();
  await client.pipelinePage(1, { page: 1, events: ["push"] });
  await client.pipelinePage(1, { page: 2, events: ["push", "deployment"] });
  expect(urls).toEqual([
    `${BASE}/api/repos/1/pipelines?page=1&perPage=50&event=push`,
    `${BASE}/api/repos/1/pipelines?page=2&perPage=50&event=push%2Cdeployment`,
  ]);
});

test("the admin listing pages are asked as before", async () => {
  const { client, urls } = recording();
  await client.allRepos();
  expect(urls).toEqual([`${BASE}/api/repos?active=true&page=1&perPage=50`]);
});

test("a list answer that is not an array is refused in one line", async () => {
  for (const [body, received] of [
    [{ items: [] }, "Object"],
    ["[]", '"[]"'],
    [null, "null"],
  ] as const) {
    const { client } = recording(body);
    const page = client.pipelinePage(3, { page: 1 });
    await expect(page).rejects.toThrow(
      `GET /api/repos/3/pipelines?page=1&perPage=50: unexpected response: Invalid type: Expected Array but received ${received}`,
    );
    await expect(client.userRepos()).rejects.toThrow(
      `GET /api/user/repos: unexpected response: Invalid type: Expected Array but received ${received}`,
    );
  }
});
