// A request that gets no answer names the host it tried (issue 13): "GET /api/user: Unable to
// connect" alone does not say that WOODPECKER_URL points at the wrong place.
import { expect, test } from "bun:test";
import { WoodpeckerClient } from "../../src/woodpecker/client.ts";

const TOKEN = "t0ken-never-shown";

async function failure(client: WoodpeckerClient): Promise<string> {
  try {
    await client.user();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the request to fail");
}

test("a refused connection names host and port", async () => {
  // A port that was just free: nothing listens there.
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port;
  await probe.stop(true);
  const client = new WoodpeckerClient({
    baseUrl: `http://127.0.0.1:${port}/ci`,
    token: TOKEN,
    timeoutMs: 2000,
    retries: 0,
  });
  const message = await failure(client);
  expect(message).toStartWith(`GET /api/user: cannot reach 127.0.0.1:${port}: `);
  expect(message).not.toContain(TOKEN);
});

test("a timeout names the host", async () => {
  const never = (() => new Promise<Response>(() => {})) as unknown as typeof fetch;
  const client = new WoodpeckerClient({
    baseUrl: "https://ci.example.com",
    token: TOKEN,
    timeoutMs: 50,
    retries: 0,
    fetch: never,
  });
  expect(await failure(client)).toBe("GET /api/user: no response from ci.example.com within 50 ms");
});

test("an unresolvable name names the host", async () => {
  const dnsFail = (async () => {
    throw new TypeError("getaddrinfo ENOTFOUND");
  }) as unknown as typeof fetch;
  const client = new WoodpeckerClient({
    baseUrl: "https://ci.invalid:8443",
    token: TOKEN,
    timeoutMs: 500,
    retries: 0,
    fetch: dnsFail,
  });
  expect(await failure(client)).toBe("GET /api/user: cannot reach ci.invalid:8443: getaddrinfo ENOTFOUND");
});
