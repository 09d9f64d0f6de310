// The client and the observation model together, over real HTTP, the way the poller will use
// them: a list per poll plus the trimmed watch stream in between. An operation that a later one
// replaces between two polls is seen only through the stream, and still counted.
import { afterEach, expect, test } from "bun:test";
import { ArgoCDClient } from "../../src/argocd/client.ts";
import { addSighting, deriveObservations, emptyFacts, type Facts } from "../../src/argocd/observe.ts";
import { watchApplications } from "../../src/argocd/watch.ts";
import { serveArgoCD } from "../../src/simulator/argocd/serve.ts";
import { makeArgo, T0, TOKEN } from "./helpers.ts";

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await Bun.sleep(5);
  }
}

test("a failed sync replaced before the next poll: lost to lists alone, counted with the stream", async () => {
  const { state, clock } = makeArgo();
  const served = serveArgoCD(state);
  stops.push(() => served.stop());
  state.addApp({ name: "shop", health: "Missing" });
  const client = new ArgoCDClient({ baseUrl: served.url, token: TOKEN, timeoutMs: 2000 });

  let seq = 0;
  let listsOnly: Facts = emptyFacts();
  let withStream: Facts = emptyFacts();
  const poll = async () => {
    for (const app of (await client.listApplications()).apps) {
      seq++;
      listsOnly = addSighting(listsOnly, app, seq);
      withStream = addSighting(withStream, app, seq);
    }
  };
  let streamed = 0;
  const w = watchApplications(client, {
    onEvent: (e) => {
      streamed++;
      withStream = addSighting(withStream, e.app, ++seq);
    },
  });
  stops.push(() => w.stop());
  await until(() => streamed === 1);

  await poll();
  clock.t = T0 + 100;
  state.sync("shop", { revision: "r1", images: ["registry.example.com/acme/shop:1111111"], outcome: "Failed" });
  clock.t = T0 + 200;
  state.sync("shop", { revision: "r2", images: ["registry.example.com/acme/shop:2222222"] });
  await until(() => streamed >= 5); // added; running, failed; running, succeeded
  await poll();

  const brief = (f: Facts) => deriveObservations(f, 3600).map((o) => `${o.kind}@${o.time - T0}`);
  expect(brief(listsOnly)).toEqual(["deployment@230"]);
  expect(brief(withStream)).toEqual(["failure@130", "deployment@230"]);
  const [, deployment] = deriveObservations(withStream, 3600);
  expect(deployment).toMatchObject({ images: ["registry.example.com/acme/shop:2222222"], created: T0 + 200 });
});
