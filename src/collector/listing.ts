// The repo listing's facts, applied before any history is read (DEFINITIONS "Deployment rules"):
// which repos are no longer tracked, which were renamed or changed default branch.
import type { Logger } from "../log.ts";
import { WoodpeckerError, type RepoList, type WoodpeckerClient } from "../woodpecker/client.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import type { TrackedRepo } from "./poller.ts";

export interface ListingDeps {
  /** The poller's tracked repos, by id: repos no longer tracked are deleted from it. */
  readonly repos: Map<number, TrackedRepo>;
  readonly adminRepos: boolean;
  readonly client: WoodpeckerClient;
  readonly log: Logger;
  readonly onRepoRemoved?: (repoId: number) => void;
  /** Re-derive and publish a repo's state when its label or default branch changed (no-op otherwise). */
  readonly publish: (t: TrackedRepo) => void;
}

/**
 * The repo listing's facts, applied as soon as it shows them, before any history is read
 * (DEFINITIONS "Deployment rules"): a repo no longer tracked loses all its series; a rename or a
 * default-branch change re-derives the repo's series from the history already held. Everything
 * changes in one synchronous step (after any question to Woodpecker), so no scrape sees an old
 * label next to a new one (a listing has one repo per full_name: never two series, one label set).
 */
export async function applyListing(
  deps: ListingDeps,
  listing: RepoList,
  tracked: readonly RepoListing[],
): Promise<void> {
  const trackedIds = new Set(tracked.map((r) => r.id));
  const gone: [TrackedRepo, string][] = [];
  for (const [id, t] of deps.repos) {
    if (trackedIds.has(id)) continue;
    const listed = listing.find((r) => r.id === id);
    if (listed) {
      gone.push([t, listed.active ? "excluded by DORA_REPOS" : "deactivated"]);
      continue;
    }
    // A listing that skipped an invalid object may have skipped this very repo: not gone.
    if (listing.skipped > 0) continue;
    // The admin listing pages by offset: a repo deleted while it pages can hide another one.
    // Ask for the missing repo itself (the token's own listing is one answer: no such doubt).
    if (deps.adminRepos) {
      const still = await stillThere(deps.client, id);
      if (still) continue;
    }
    gone.push([t, "not in the token's repo list (deleted, or access lost)"]);
  }
  for (const [t, reason] of gone) {
    deps.repos.delete(t.listing.id);
    if (t.mode === null) continue; // never published: nothing to take away
    deps.log.info("repo no longer tracked; all its series disappear by design", {
      repo: t.stateLabel,
      id: t.listing.id,
      reason,
    });
    deps.onRepoRemoved?.(t.listing.id);
  }
  for (const r of tracked) {
    const t = deps.repos.get(r.id);
    if (!t) continue;
    (t as { listing: RepoListing }).listing = r;
    if (t.mode !== null) deps.publish(t);
  }
}

/** Whether an admin-listed repo that a listing did not show still exists and is active. */
async function stillThere(client: WoodpeckerClient, id: number): Promise<boolean> {
  try {
    const r = await client.repo(id);
    return r.active;
  } catch (e) {
    if (e instanceof WoodpeckerError && (e.status === 404 || e.status === 403 || e.status === 401)) return false;
    throw e;
  }
}
