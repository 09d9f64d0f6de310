// What the state-file tests of the column store's loading and of the write order share: a
// temporary state file opened as the exporter opens it, synthetic pipelines and repo listings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableHistories } from "../../src/collector/durable.ts";
import type { Pipeline } from "../../src/core/model.ts";
import { createLogger } from "../../src/log.ts";
import { openStateDb } from "../../src/state/db.ts";
import { WoodpeckerCache, type CollectionKey } from "../../src/state/woodpecker-cache.ts";
import type { RepoListing } from "../../src/woodpecker/schemas.ts";

export const KEY: CollectionKey = { since: 0, events: null, messagePatterns: [] };

/**
 * A state file in a new temporary directory, and `open()` to open it (again) as the exporter
 * does. `remove()` deletes the directory (call it from afterAll).
 */
export function tempStateFile(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, "state.db");
  const log = createLogger({ write: () => {} });
  return {
    path,
    open() {
      const db = openStateDb({ path, woodpeckerUrl: "https://ci.example.com", log, now: () => 0 });
      return { db, durable: new DurableHistories(new WoodpeckerCache(db, log), (m) => m) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A successful push to main numbered like its id, created one second after the id's predecessor. */
export function pushPipeline(id: number, shape: Partial<Pipeline> = {}): Pipeline {
  return {
    id,
    number: id,
    parent: 0,
    event: "push",
    status: "success",
    created: 1_780_000_000 + id,
    updated: 1_780_000_000 + id,
    started: 1_780_000_000 + id,
    finished: 1_780_000_060 + id,
    branch: "main",
    commit: id.toString(16).padStart(40, "c"),
    ref: "refs/heads/main",
    deployTo: "",
    message: "",
    ...shape,
  };
}

export function repoListing(id: number): RepoListing {
  return {
    id,
    fullName: `acme/app-${id}`,
    defaultBranch: "main",
    active: true,
    forgeUrl: "",
    cloneUrls: [],
    lastPipeline: undefined,
  };
}
