// DORA_SHARD with ArgoCD (DEFINITIONS "Shards"): an app that maps to no tracked repo belongs to the
// shard its `repo` label hashes to, so the shards' ArgoCD-only repos partition one exporter's.
import { expect, test } from "bun:test";
import type { ArgoCDClient } from "../../src/argocd/client.ts";
import type { ArgoApp } from "../../src/argocd/schemas.ts";
import { ArgoSource } from "../../src/collector/argocd-source.ts";
import { ArgoStep } from "../../src/collector/argocd-step.ts";
import { shardOfText } from "../../src/collector/shard.ts";
import { silentLogger } from "../../src/log.ts";

function app(i: number): ArgoApp {
  return {
    name: `app${i}`,
    namespace: "argocd",
    uid: `uid-${i}`,
    project: "default",
    annotations: {},
    labels: {},
    repoURLs: [`https://git.example.com/team${i % 7}/deploy${i}.git`],
    history: [{ id: 0, revisions: [`r${i}`], deployedAt: 1000 + i, deployStartedAt: 990 + i }],
    operation: null,
    health: null,
    images: [],
  };
}

const apps = Array.from({ length: 40 }, (_, i) => app(i));
const client = {
  listApplications: async () => ({ apps, invalid: [], resourceVersion: "1" }),
} as unknown as ArgoCDClient;

async function labels(shard: { index: number; count: number } | null): Promise<string[]> {
  const source = new ArgoSource({
    client,
    apps: [],
    selector: null,
    degradedWindow: 3600,
    blocks: [],
    log: silentLogger,
    watch: false,
  });
  const step = new ArgoStep(source, shard);
  await step.run([], new Map());
  return [...step.argoOnly.keys()].sort();
}

test("unmapped apps are split between shards by a stable hash of their repo label", async () => {
  const all = await labels(null);
  expect(all).toHaveLength(40);
  const parts = await Promise.all([0, 1, 2].map((index) => labels({ index, count: 3 })));
  expect(parts.flat().sort()).toEqual(all);
  for (const [index, part] of parts.entries()) {
    expect(part.length).toBeGreaterThan(0);
    for (const label of part) expect(shardOfText(label, 3)).toBe(index);
  }
});
