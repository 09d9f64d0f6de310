// dora_repo_info (DEFINITIONS "Groups"): one series per tracked repo, its first matching
// repo_labels block's labels, just {repo} without one; read at scrape time.
import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { registerRepoInfo } from "../../src/metrics/repo-info.ts";

test("one series per tracked repo, first matching block's labels, sorted, read at every scrape", async () => {
  const registry = new Registry();
  let repos = ["acme/web", "acme/payments-api", "tools/cli", "acme/web"];
  registerRepoInfo(
    registry,
    [
      { repos: "acme/payments-*", labels: { team: "payments", system: "checkout" } },
      { repos: "acme/*", labels: { team: "shop" } },
    ],
    () => repos,
  );
  const lines = async () => (await registry.metrics()).split("\n").filter((l) => l.startsWith("dora_repo_info{"));
  expect(await lines()).toEqual([
    'dora_repo_info{repo="acme/payments-api",team="payments",system="checkout"} 1',
    'dora_repo_info{repo="acme/web",team="shop"} 1',
    'dora_repo_info{repo="tools/cli"} 1',
  ]);
  // A repo that left (or was renamed) is gone at the next scrape.
  repos = ["tools/cli"];
  expect(await lines()).toEqual(['dora_repo_info{repo="tools/cli"} 1']);
});
