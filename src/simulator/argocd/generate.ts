// Deterministic GitOps activity for the simulated ArgoCD: one app per given repo, whose images are
// tagged with that repo's commits (`registry.example.com/acme/shop-api:3f2a9c1`), synced from a
// config repo some minutes after each commit was built. Most syncs succeed; some fail and are
// fixed by the next commit, some roll out an image that turns the app Degraded until it recovers
// or is rolled back; self-heal re-syncs, dry runs and partial syncs appear too. Same seed and
// commits, same history (the demo and tests compare whole answers).
import { hashHex, Rng } from "../prng.ts";
import type { ArgoCDState } from "./state.ts";

export interface GitOpsCommit {
  readonly sha: string;
  /** When the image of this commit was pushed (Unix seconds). */
  readonly time: number;
}

export interface GitOpsRepo {
  /** `owner/name` of the app's repo; the app is named `name`. */
  readonly fullName: string;
  readonly commits: readonly GitOpsCommit[];
}

export interface GitOpsOptions {
  readonly seed: number;
  /** Default "registry.example.com". */
  readonly registry?: string;
  /** The config repo every app syncs from; default `https://git.example.com/acme/gitops.git`. */
  readonly configRepo?: string;
  /** Nothing happens after this time; default the state's clock. */
  readonly end?: number;
  /** Fractions of syncs that fail, and of successful ones that turn the app Degraded. */
  readonly failureRate?: number;
  readonly degradeRate?: number;
}

/** The image a build of `sha` pushed: `registry.example.com/acme/shop-api:3f2a9c1`. */
export function gitOpsImage(registry: string, fullName: string, sha: string): string {
  return `${registry}/${fullName}:${sha.slice(0, 7)}`;
}

type Step = { readonly at: number; readonly run: () => void };

export function generateGitOps(
  state: ArgoCDState,
  repos: readonly GitOpsRepo[],
  opts: GitOpsOptions,
): { apps: string[] } {
  const rng = new Rng(opts.seed);
  const registry = opts.registry ?? "registry.example.com";
  const configRepo = opts.configRepo ?? "https://git.example.com/acme/gitops.git";
  const end = opts.end ?? state.now();
  const failureRate = opts.failureRate ?? 0.08;
  const degradeRate = opts.degradeRate ?? 0.06;
  const steps: Step[] = [];
  const apps: string[] = [];

  for (const repo of repos) {
    const name = repo.fullName.split("/").pop() ?? repo.fullName;
    const commits = [...repo.commits].sort((a, b) => a.time - b.time);
    const first = commits[0];
    if (!first) continue;
    const image = (sha: string) => gitOpsImage(registry, repo.fullName, sha);
    const created = first.time - 86_400;
    state.addApp({ name, repoURL: configRepo, path: `apps/${name}`, images: [], health: "Missing", at: created });
    apps.push(name);
    let cursor = created;
    let configCommits = 0;
    let live: string | null = null; // the image of the last successful sync
    const at = (t: number, run: () => void) => {
      cursor = Math.max(cursor + 1, Math.floor(t));
      if (cursor <= end) steps.push({ at: cursor, run });
      return cursor;
    };
    const sync = (
      t: number,
      sha: string,
      outcome: "Succeeded" | "Failed" | "Error",
      extra: { dryRun?: boolean; partial?: boolean } = {},
    ) => {
      const revision = hashHex(`${repo.fullName}/config/${++configCommits}`, 40);
      const images = [image(sha)];
      const start = at(t, () =>
        state.startSync(name, {
          revision,
          images,
          at: start,
          ...(extra.dryRun ? { dryRun: true } : {}),
          ...(extra.partial ? { resources: [{ kind: "Deployment", name }] } : {}),
        }),
      );
      if (outcome !== "Succeeded" && rng.chance(0.5)) {
        const retry = at(start + rng.int(20, 120), () => state.retrySync(name));
        void retry;
      }
      const done = at(cursor + rng.int(15, 240), () => state.finishSync(name, outcome, { at: done }));
      return { revision, done };
    };

    for (const c of commits) {
      const t = c.time + rng.int(60, 900);
      if (rng.chance(0.05)) sync(t - 30, c.sha, rng.chance(0.5) ? "Succeeded" : "Failed", { dryRun: true });
      const roll = rng.float();
      if (roll < failureRate) {
        sync(t, c.sha, rng.chance(0.7) ? "Failed" : "Error");
        continue; // the next commit fixes it
      }
      const { revision, done } = sync(t, c.sha, "Succeeded");
      const progressing = at(done + 1, () => state.setHealth(name, "Progressing", { at: progressing }));
      if (roll < failureRate + degradeRate) {
        const bad = at(done + rng.int(120, 1800), () =>
          state.setHealth(name, "Degraded", { at: bad, message: "Deployment exceeded its progress deadline" }),
        );
        if (live && rng.chance(0.5)) {
          // Rolled back to the previous image, then healthy again.
          const previous = live;
          const { done: back } = sync(cursor + rng.int(300, 1800), previous.split(":").pop() ?? previous, "Succeeded");
          const ok = at(back + rng.int(30, 300), () => state.setHealth(name, "Healthy", { at: ok }));
          continue;
        }
        const ok = at(cursor + rng.int(600, 5400), () => state.setHealth(name, "Healthy", { at: ok }));
      } else {
        const ok = at(done + rng.int(30, 300), () => state.setHealth(name, "Healthy", { at: ok }));
      }
      live = image(c.sha);
      if (rng.chance(0.1)) {
        // A self-heal: the same revision synced again (no deployment).
        const again = at(cursor + rng.int(600, 7200), () =>
          state.startSync(name, { revision, images: [image(c.sha)], at: again }),
        );
        const fin = at(cursor + rng.int(10, 60), () => state.finishSync(name, "Succeeded", { at: fin }));
      }
      if (rng.chance(0.04))
        sync(cursor + rng.int(600, 3600), c.sha, rng.chance(0.5) ? "Succeeded" : "Failed", { partial: true });
    }
  }
  // One app's steps are in order already; across apps by time, then by the order they were made.
  steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.at - b.s.at || a.i - b.i)
    .forEach(({ s }) => s.run());
  return { apps };
}
