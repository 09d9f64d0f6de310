// The ArgoCD part of a poll cycle, after Woodpecker's (DEFINITIONS: "each poll reads Woodpecker
// before ArgoCD", so a freshly built image maps at once): index the tracked repos' push commits,
// let the ArgoCD source list, persist and map, and hand each repo its ArgoCD input. Apps that map
// to no tracked repo get a repo of their own, under their `repo` label; with DORA_SHARD they
// belong to the shard their label hashes to.
import { ArgoCDClient } from "../argocd/client.ts";
import { pushCommitIndex, type MappableRepo, type PushCommits } from "../argocd/mapping.ts";
import type { FactChange, Facts } from "../argocd/observe.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { NO_ARGO, type ArgoInput } from "../core/argocd.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import { ArgoSource, type ArgoPoll } from "./argocd-source.ts";
import type { TrackedRepo } from "./poller.ts";
import { shardOfText, type Shard } from "./shard.ts";

/** A repo label fed only by ArgoCD apps that map to no tracked repo. */
export interface ArgoOnlyRepo {
  /** A negative id, unique in this process (never a Woodpecker repo id). */
  readonly id: number;
  readonly label: string;
  input: ArgoInput;
}

export class ArgoStep {
  /** Label -> its ArgoCD-only repo, while some unmapped app carries that label. */
  readonly argoOnly = new Map<string, ArgoOnlyRepo>();
  /** The last poll's mappings (for `check`, the page and `dora_target_info`). */
  last: ArgoPoll | null = null;
  private nextId = -1;
  private commits: PushCommits = pushCommitIndex([]);
  private commitsKey = "";

  constructor(
    readonly source: ArgoSource,
    private readonly shard: Shard | null,
  ) {}

  /**
   * One ArgoCD step. `selected`: every repo DORA_REPOS selects (all shards), for mapping by name
   * and URL; `tracked`: this exporter's repos, whose histories it holds. Returns the ArgoCD-only
   * repos that appeared, changed or went, for the caller to publish or remove.
   */
  async run(selected: readonly RepoListing[], tracked: ReadonlyMap<number, TrackedRepo>): Promise<void> {
    const repos: MappableRepo[] = selected.map((r) => ({
      id: r.id,
      fullName: r.fullName,
      urls: [...r.cloneUrls, ...(r.forgeUrl ? [r.forgeUrl] : [])],
    }));
    const poll = await this.source.poll(repos, this.pushCommits(tracked));
    this.last = poll;
    for (const t of tracked.values()) setInput(t, poll.byRepo.get(t.listing.id) ?? NO_ARGO);
    // An unmapped app's label equal to a tracked repo's name: the same series (never two with one
    // label set), so its events join that repo's (lead time still "source missing": no commits).
    const byName = new Map([...tracked.values()].map((t) => [t.listing.fullName, t]));
    const labels = new Set<string>();
    for (const [label, input] of poll.unmapped) {
      const same = byName.get(label);
      if (same) {
        const own = poll.byRepo.get(same.listing.id) ?? NO_ARGO;
        setInput(same, { mapped: own.mapped, events: [...own.events, ...input.events] });
        continue;
      }
      if (this.shard !== null && shardOfText(label, this.shard.count) !== this.shard.index) continue;
      labels.add(label);
      const known = this.argoOnly.get(label);
      if (known) {
        if (signature(known.input) !== signature(input)) known.input = input;
      } else {
        this.argoOnly.set(label, { id: this.nextId--, label, input });
      }
    }
    for (const label of [...this.argoOnly.keys()]) if (!labels.has(label)) this.argoOnly.delete(label);
  }

  /** The tracked repos' push commits, rebuilt only when some history changed. */
  private pushCommits(tracked: ReadonlyMap<number, TrackedRepo>): PushCommits {
    const key = [...tracked.values()].map((t) => `${t.listing.id}:${t.history.revision}`).join(",");
    if (key === this.commitsKey) return this.commits;
    const pairs: [number, string][] = [];
    for (const t of tracked.values()) {
      for (const p of t.history.pipelines.values()) if (p.event === "push") pairs.push([t.listing.id, p.commit]);
    }
    this.commits = pushCommitIndex(pairs);
    this.commitsKey = key;
    return this.commits;
  }
}

/**
 * The ArgoCD step of a configuration with ARGOCD_URL set (the exporter, and the one-shot commands
 * that collect like it). `watch: false` for one-shot commands: one list is all they read.
 */
export function createArgoStep(
  config: Config,
  log: Logger,
  opts: {
    onAttempt?: (code: string) => void;
    onInvalid?: (count: number) => void;
    watch?: boolean;
    initialFacts?: Facts;
    persist?: (changes: readonly FactChange[]) => void;
  } = {},
): ArgoStep {
  if (config.argocdUrl === null || config.argocdToken === null)
    throw new Error("createArgoStep: ARGOCD_URL is not set");
  const client = new ArgoCDClient({
    baseUrl: config.argocdUrl.replace(/\/+$/, ""),
    token: config.argocdToken,
    timeoutMs: config.httpTimeout * 1000,
    onAttempt: opts.onAttempt,
  });
  const source = new ArgoSource({
    client,
    apps: config.argocdApps,
    selector: config.argocdSelector,
    degradedWindow: config.argocdDegradedWindow,
    blocks: config.argocdAppBlocks,
    log,
    watch: opts.watch,
    onInvalid: opts.onInvalid,
    initialFacts: opts.initialFacts,
    persist: opts.persist,
  });
  return new ArgoStep(source, config.shard);
}

/** Replaces a repo's input only when it differs, so an unchanged repo is not derived again. */
function setInput(t: TrackedRepo, input: ArgoInput): void {
  if (t.argo === input || signature(t.argo) === signature(input)) return;
  t.argo = input;
}

function signature(input: ArgoInput): string {
  return JSON.stringify(input);
}
