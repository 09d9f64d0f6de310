// The poll cycle: list repos (one request), then per tracked repo list only what is new and
// re-check only what was seen non-terminal, feed the pure core, and publish the new state.
// A failed cycle keeps everything already collected; the next cycle carries on from there.
import { NO_ARGO, type ArgoInput } from "../core/argocd.ts";
import { computeRepoDora } from "../core/dora.ts";
import { repoFilter, type GlobMatcher } from "../core/glob.ts";
import type { CoreOptions, Pipeline } from "../core/model.ts";
import { messageKeeper } from "../core/rework.ts";
import type { RepoState, RuleMode } from "../core/state.ts";
import type { Logger } from "../log.ts";
import { InvalidObjectError, PAGE_SIZE, type WoodpeckerClient } from "../woodpecker/client.ts";
import type { RepoListing } from "../woodpecker/schemas.ts";
import { packRepoState, unpackRepoState, type PackedRepoState } from "../core/packed-state.ts";
import type { PollStatus } from "./poll-status.ts";
import type { ArgoStep } from "./argocd-step.ts";
import { applyListing } from "./listing.ts";
import { RepoHistory } from "./repo-history.ts";
import { olderThan25, parentsAsNumbers, supportsFilters } from "./server-version.ts";
import { neededEvents } from "./events.ts";
import { inShard, type Shard } from "./shard.ts";

export interface PollerOptions {
  readonly client: WoodpeckerClient;
  readonly core: CoreOptions;
  readonly repos: readonly string[];
  readonly adminRepos: boolean;
  readonly concurrency: number;
  /** DORA_SHARD: track only this shard's repos (stable hash of the repo id); null/absent = all. */
  readonly shard?: Shard | null;
  readonly log: Logger;
  /** Unix ms. */
  readonly now: () => number;
  /** Called with each repo whose DORA state changed (or was renamed, or changed default branch). */
  readonly onRepoState: (repo: RepoListing, state: RepoState) => void;
  /** Called with each published repo that is no longer tracked: all its series go. */
  readonly onRepoRemoved?: (repoId: number) => void;
  /** ArgoCD (ARGOCD_URL set): read after Woodpecker in each cycle; absent = Woodpecker only. */
  readonly argo?: ArgoStep | null;
  /**
   * Called when a repo's sync completed, before its state is published (DORA_STATE_FILE writes
   * what the poll learned here). If it throws, nothing of this sync is published; the repo's
   * sync counts as failed and the next poll tries again.
   */
  readonly commitRepo?: (tracked: TrackedRepo) => void;
  /**
   * The history DORA_STATE_FILE kept of a repo this process meets for the first time (its next
   * sync is then incremental), or undefined for a fresh one. Asked only for listed repos, so a repo
   * that vanished while the exporter was down is never shown from the file.
   */
  readonly restoreRepo?: (listing: RepoListing) => RepoHistory | undefined;
}

export class TrackedRepo {
  stateRevision = -1;
  stateLabel = "";
  /** The default branch the published state was derived with. */
  stateBranch = "";
  /** What ArgoCD's apps mapped to this repo contribute (replaced, never mutated, when it changes). */
  argo: ArgoInput = NO_ARGO;
  /** The ArgoCD input the published state was derived with. */
  stateArgo: ArgoInput | null = null;
  /**
   * The last published state, packed (packed-state.ts): the page, the API and `report` read it
   * rarely, while it is held all the time; unpacked it was ~60 MB at 1M pipelines (issue 6).
   */
  private packed: PackedRepoState | null = null;

  constructor(
    readonly listing: RepoListing,
    readonly history: RepoHistory,
  ) {}

  /** The last published RepoState (a fresh object equal to it on each read), null before the first. */
  get state(): RepoState | null {
    return this.packed === null ? null : unpackRepoState(this.packed);
  }

  set state(s: RepoState | null) {
    this.packed = s === null ? null : packRepoState(s);
  }

  /** The last published state as kept (packed), null before the first: for readers of its columns. */
  get packedState(): PackedRepoState | null {
    return this.packed;
  }

  /** `state.mode` without unpacking the state. */
  get mode(): RuleMode | null {
    return this.packed === null ? null : this.packed.rest.mode;
  }
}

export class Poller {
  readonly status: PollStatus = {
    lastCycleOk: null,
    cycleStartedAt: null,
    lastSuccessAt: 0,
    lastDurationSeconds: 0,
    trackedRepos: 0,
    listedRepos: 0,
    lastProblem: null,
    failingSince: null,
    backfillComplete: false,
  };
  /** Every tracked repo, by id (renames keep their history; a repo no longer tracked is dropped). */
  readonly repos = new Map<number, TrackedRepo>();
  private readonly filter: GlobMatcher;
  private readonly events: readonly string[] | null;
  private tokenChecked = false;
  private serverVersion: string | null | undefined = undefined;
  private running: Promise<boolean> | null = null;
  private wasFailing = false;
  private readonly argoOnlyPublished = new Map<number, ArgoInput>();
  /** States of the repo labels fed only by unmapped ArgoCD apps, by their (negative) id. */
  readonly argoOnlyStates = new Map<number, { readonly label: string; readonly state: RepoState }>();
  /** The server answered a `before` page with pipelines it should have left out (before 2.5): page by offset. */
  private beforeIgnored = false;
  /** States computed by this poller for repos that needed no listing (breathe()). */
  private computed = 0;
  /** Commit messages are stored only where a rework reason can match them (core/rework.ts). */
  private readonly keepMessage: (message: string) => string;

  constructor(private readonly opts: PollerOptions) {
    this.keepMessage = messageKeeper(opts.core.reworkRules);
    this.filter = repoFilter(opts.repos);
    this.events = neededEvents(opts.core.repoRules);
  }

  /** Run one cycle; a call while one is running waits for that one instead of starting another. */
  poll(): Promise<boolean> {
    this.running ??= this.cycle().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async cycle(): Promise<boolean> {
    const started = this.opts.now();
    this.status.cycleStartedAt = started;
    const problems: string[] = [];
    try {
      await this.checkServer();
      const listing = this.opts.adminRepos ? await this.opts.client.allRepos() : await this.opts.client.userRepos();
      const tracked = listing.filter((r) => this.tracks(r));
      await applyListing(
        {
          repos: this.repos,
          adminRepos: this.opts.adminRepos,
          client: this.opts.client,
          log: this.opts.log,
          onRepoRemoved: this.opts.onRepoRemoved,
          publish: (t) => {
            // What a rename or a default-branch change shows is in DORA_STATE_FILE first, as after a sync.
            this.opts.commitRepo?.(t);
            this.publish(t);
          },
        },
        listing,
        tracked,
      );
      this.status.trackedRepos = tracked.length;
      this.status.listedRepos = listing.filter((r) => r.active).length;
      await forEachLimit(tracked, this.opts.concurrency, async (r) => {
        try {
          await this.syncRepo(r);
        } catch (e) {
          problems.push(errorText(e));
        }
      });
      this.status.backfillComplete = tracked.every((r) => this.repos.get(r.id)?.history.backfilled);
      if (this.opts.argo)
        await this.argoStep(
          this.opts.argo,
          listing.filter((r) => r.active && this.filter(r.fullName)),
        );
    } catch (e) {
      problems.push(errorText(e));
    }
    const ok = problems.length === 0;
    const ended = this.opts.now();
    this.status.cycleStartedAt = null;
    this.status.lastCycleOk = ok;
    this.status.lastDurationSeconds = (ended - started) / 1000;
    if (ok) this.status.lastSuccessAt = Math.floor(ended / 1000);
    this.status.lastProblem = ok ? null : problems[0]!;
    this.status.failingSince = ok ? null : (this.status.failingSince ?? Math.floor(started / 1000));
    this.opts.log.debug("poll cycle", {
      ok,
      duration_s: this.status.lastDurationSeconds,
      tracked: this.status.trackedRepos,
      listed: this.status.listedRepos,
      problems: problems.length,
      ...(ok ? {} : { problem: problems[0] }),
    });
    this.reportStateChange(ok ? null : problems[0]!, problems.length);
    return ok;
  }

  /** Once per process until it succeeds: the token (only /api/user rejects a bad one) and version. */
  private async checkServer(): Promise<void> {
    if (!this.tokenChecked) {
      const user = await this.opts.client.user();
      this.tokenChecked = true;
      if (this.opts.adminRepos && !user.admin) {
        this.opts.log.warn("DORA_ADMIN_REPOS is set but the token's user is not an admin", { user: user.login });
      }
    }
    // Asked again while unknown: a transient error must not pin the exporter to "no filters".
    if (this.serverVersion === undefined || this.serverVersion === null) {
      const version = await this.opts.client.version();
      if (version !== this.serverVersion) this.opts.log.info("woodpecker server", { version: version ?? "unknown" });
      this.serverVersion = version;
    }
  }

  private tracks(r: RepoListing): boolean {
    return r.active && this.filter(r.fullName) && inShard(r.id, this.opts.shard ?? null);
  }

  private async syncRepo(listing: RepoListing): Promise<void> {
    let tracked = this.repos.get(listing.id);
    if (!tracked) {
      tracked = new TrackedRepo(listing, this.opts.restoreRepo?.(listing) ?? new RepoHistory(this.keepMessage));
      this.repos.set(listing.id, tracked);
    }
    (tracked as { listing: RepoListing }).listing = listing;
    const h = tracked.history;
    const unchanged =
      h.backfilled &&
      listing.lastPipeline !== undefined &&
      (listing.lastPipeline?.id ?? null) === h.listedLastPipelineId;
    // Pipelines listed in this cycle are fresh; re-check only those seen running in earlier ones.
    const fresh = new Set<number>();
    if (!unchanged) {
      await this.listNew(listing, h, fresh);
      h.listedLastPipelineId = listing.lastPipeline === undefined ? undefined : (listing.lastPipeline?.id ?? null);
    }
    // An unchanged repo with nothing to re-check (the idle poll of almost every repo) awaits nothing.
    if (h.pending.size > 0 || h.invalid.size > 0) await this.recheckPending(listing, h, fresh);
    this.opts.commitRepo?.(tracked);
    // With ArgoCD, repos publish after its step: a repo an app maps to must never show, even for
    // one scrape, the pushes it no longer counts.
    // A repo that needed no listing gave the event loop no turn (see breathe).
    if (!this.opts.argo && this.publish(tracked) && unchanged) await this.breathe();
    this.opts.log.debug("repo polled", {
      repo: listing.fullName,
      unchanged,
      listed: fresh.size,
      pending: h.pending.size,
      pipelines: h.pipelines.size,
    });
  }

  /**
   * ArgoCD after Woodpecker. Its problems are ArgoCD's (dora_argocd_up), not the cycle's; every
   * repo publishes with the last ArgoCD input it had, so a failed list changes no series.
   */
  private async argoStep(argo: ArgoStep, selected: readonly RepoListing[]): Promise<void> {
    const before = new Map([...argo.argoOnly.values()].map((r) => [r.id, r]));
    try {
      await argo.run(selected, this.repos);
    } catch (e) {
      // The durable write failed: nothing it did not keep may be exposed.
      argo.source.status.lastOk = false;
      this.opts.log.error("ArgoCD observations could not be kept; not exposing them", { problem: errorText(e) });
    }
    for (const t of this.repos.values()) this.publish(t);
    for (const [id, r] of before) if (argo.argoOnly.get(r.label)?.id !== id) this.opts.onRepoRemoved?.(id);
    for (const r of argo.argoOnly.values()) {
      if (before.get(r.id)?.input === r.input && this.argoOnlyPublished.get(r.id) === r.input) continue;
      const state = computeRepoDora({ id: r.id, fullName: r.label, defaultBranch: "" }, [], this.opts.core, r.input);
      this.argoOnlyPublished.set(r.id, r.input);
      this.argoOnlyStates.set(r.id, { label: r.label, state });
      this.opts.onRepoState(argoOnlyListing(r.id, r.label), state);
    }
    for (const id of [...this.argoOnlyPublished.keys()]) {
      if (![...argo.argoOnly.values()].some((r) => r.id === id)) {
        this.argoOnlyPublished.delete(id);
        this.argoOnlyStates.delete(id);
      }
    }
  }

  /** Pages from the newest down to what is already known (or DORA_SINCE, or the end). */
  private async listNew(listing: RepoListing, h: RepoHistory, fresh: Set<number>): Promise<void> {
    const since = this.opts.core.since;
    const knownUpTo = h.backfilled ? h.highWater : 0;
    let highest = h.highWater;
    const filters = supportsFilters(this.serverVersion);
    // Later pages start at a created-time cursor (`before`: the last item read, again) instead of
    // an offset: pages are LIMIT/OFFSET, so a pipeline deleted while we page would move an unread
    // item onto a page already read, and it would be missed. Servers before 2.5 ignore `before`;
    // that shows as items at or after the cursor, and the listing starts over by offset.
    let before: number | undefined;
    let page = 1;
    // Where the next page continues by offset, the lowest number of the page before it: every
    // number between that and the next page's highest is read one by one (see boundaryGap).
    let offsetFrom: number | null = null;
    const unfiltered = !(filters.events && this.events);
    for (;;) {
      const res = await this.opts.client.pipelinePage(listing.id, {
        page,
        events: filters.events && this.events ? this.events : undefined,
        after: filters.after && since > 0 ? since - 1 : undefined,
        before,
      });
      if (before !== undefined && res.pipelines.some((p) => p.created >= before!)) {
        this.beforeIgnored = true;
        [before, page, offsetFrom] = [undefined, 1, null];
        continue;
      }
      const numbers = [...res.pipelines.map((p) => p.number), ...res.invalidNumbers];
      // The listing may stop at a page holding a pipeline an earlier complete listing read: every
      // pipeline created since has a higher number than it (it existed all along), so all of them
      // are on this page or above. A number at or below highWater alone proves nothing: deleting
      // the highest pipelines lets new ones reuse those numbers (API-NOTES), and a page full of
      // new pipelines can then reach down to highWater with more of them on the next page.
      const reachedKnown =
        knownUpTo > 0 && res.pipelines.some((p) => p.number <= knownUpTo && !fresh.has(p.id) && h.pipelines.has(p.id));
      if (offsetFrom !== null && unfiltered && numbers.length > 0) {
        // Not bounded below by highWater: a number there may be reused by a new pipeline.
        await this.boundaryGap(listing, h, fresh, Math.max(...numbers), offsetFrom, (n) => {
          if (n > highest) highest = n;
        });
      }
      for (const n of res.invalidNumbers) h.invalid.add(n);
      if (res.invalid > 0) {
        this.opts.log.warn("skipped invalid pipelines", {
          repo: listing.fullName,
          page,
          count: res.invalid,
          reason: res.firstInvalidReason,
        });
      }
      for (const p of res.pipelines) {
        fresh.add(p.id);
        h.invalid.delete(p.number);
        if (p.number > highest) highest = p.number;
        if (this.wanted(p)) h.ingest(p);
      }
      if (res.size < PAGE_SIZE) break;
      if (reachedKnown) break;
      if (since > 0 && res.pipelines.some((p) => p.created < since)) break;
      const last = res.pipelines.at(-1);
      const cursor = !this.beforeIgnored && last ? last.created + 1 : before;
      // The cursor only moves down; when a whole page shares one created second, page within it.
      if (cursor !== undefined && cursor !== before) [before, page, offsetFrom] = [cursor, 1, null];
      else [page, offsetFrom] = [page + 1, numbers.length > 0 ? Math.min(...numbers) : null];
    }
    h.highWater = highest;
    h.backfilled = true;
  }

  /**
   * Offset paging (servers before 2.5, and within one created second): a pipeline deleted after
   * page k was read moves the first item of page k+1 onto page k, and it is never listed. Pages
   * are `number DESC` snapshots, so a pipeline that existed all along and is on no page read has
   * a number strictly between the lowest of page k and the highest of page k+1: each such number
   * is read on its own (one request per number; normally none, since without a server-side event
   * filter numbers are consecutive except where pipelines were deleted). Nothing is lost, whatever
   * is deleted while the listing pages.
   */
  private async boundaryGap(
    listing: RepoListing,
    h: RepoHistory,
    fresh: Set<number>,
    high: number,
    low: number,
    seen: (number: number) => void,
  ): Promise<void> {
    for (let n = low - 1; n > high; n--) {
      let p: Pipeline | null;
      try {
        p = await this.opts.client.pipeline(listing.id, n);
      } catch (e) {
        if (!(e instanceof InvalidObjectError)) throw e;
        h.invalid.add(n); // skipped and counted; fetched again on its own until valid
        continue;
      }
      if (p === null) continue; // deleted: a real gap
      fresh.add(p.id);
      h.invalid.delete(p.number);
      seen(p.number);
      if (this.wanted(p)) h.ingest(p);
    }
  }

  private async recheckPending(listing: RepoListing, h: RepoHistory, fresh: ReadonlySet<number>): Promise<void> {
    for (const [id, number] of [...h.pending]) {
      if (fresh.has(id)) continue;
      const p = await this.fetchOne(listing, number);
      if (p === undefined) continue; // invalid this time (counted): stays pending
      if (p === null || p.id !== id) h.forgetPending(id);
      if (p !== null && this.wanted(p)) h.ingest(p);
    }
    // List items that failed validation: skipped, not lost. Fetched alone until valid or deleted.
    for (const number of [...h.invalid]) {
      const p = await this.fetchOne(listing, number);
      if (p === undefined) continue;
      h.invalid.delete(number);
      if (p !== null && this.wanted(p)) h.ingest(p);
    }
  }

  /** One pipeline; null when deleted; undefined when Woodpecker sent an invalid object (skipped, counted). */
  private async fetchOne(listing: RepoListing, number: number): Promise<Pipeline | null | undefined> {
    let p: Pipeline | null;
    try {
      p = await this.opts.client.pipeline(listing.id, number);
    } catch (e) {
      if (e instanceof InvalidObjectError) return undefined;
      throw e;
    }
    // 404 is "deleted" only while the repo itself answers: a repo that is gone or not readable
    // right now (permissions being synced) answers 404 for every pipeline, and forgetting a
    // running one would lose it for good. Then this throws and the pipeline stays pending.
    if (p === null) await this.opts.client.repo(listing.id);
    return p;
  }

  private wanted(p: Pipeline): boolean {
    return p.created >= this.opts.core.since && (this.events === null || this.events.includes(p.event));
  }

  /**
   * After every 25 states computed for repos that needed no listing, a hint to collect and a turn
   * of the event loop. Such repos (restored from DORA_STATE_FILE, or whose state must be derived
   * again without a change in Woodpecker) are computed back to back without one: the garbage of
   * 1,000 computations then piled up (a restart's first poll peaked at ~350 MB, issue 14) and
   * scrapes waited for the whole run. A repo that was listed already gave the loop its turns.
   */
  private async breathe(): Promise<void> {
    if (++this.computed % 25 !== 0) return;
    Bun.gc(false);
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Publishes the repo's state if anything it is derived from changed; true when it did. */
  publish(tracked: TrackedRepo): boolean {
    const { listing, history } = tracked;
    if (
      tracked.stateRevision === history.revision &&
      tracked.stateLabel === listing.fullName &&
      tracked.stateBranch === listing.defaultBranch &&
      tracked.stateArgo === tracked.argo
    ) {
      return false;
    }
    const pipelines = olderThan25(this.serverVersion) ? parentsAsNumbers(history) : history.pipelines.values();
    const state = computeRepoDora(listing, pipelines, this.opts.core, tracked.argo);
    const oldMode = tracked.mode;
    if (oldMode !== null && oldMode !== state.mode) {
      this.opts.log.info("deployment rules changed mode; the old mode's series disappear by design", {
        repo: listing.fullName,
        from: oldMode,
        to: state.mode,
      });
    }
    const published = oldMode !== null;
    if (published && tracked.stateLabel !== listing.fullName) {
      this.opts.log.info("repo renamed; its series move to the new repo label by design", {
        id: listing.id,
        from: tracked.stateLabel,
        to: listing.fullName,
      });
    }
    if (published && tracked.stateBranch !== listing.defaultBranch) {
      this.opts.log.info(
        "default branch changed; the repo's series are derived afresh by design (counters may go down)",
        {
          repo: listing.fullName,
          from: tracked.stateBranch,
          to: listing.defaultBranch,
        },
      );
    }
    tracked.state = state;
    tracked.stateRevision = history.revision;
    tracked.stateLabel = listing.fullName;
    tracked.stateBranch = listing.defaultBranch;
    tracked.stateArgo = tracked.argo;
    this.opts.onRepoState(listing, state);
    return true;
  }

  /** One log line per change of health, not one per failing request or cycle. */
  private reportStateChange(problem: string | null, count: number): void {
    const failing = problem !== null;
    if (failing === this.wasFailing) return;
    this.wasFailing = failing;
    if (failing) this.opts.log.error("poll cycle incomplete; keeping what was collected", { problem, problems: count });
    else this.opts.log.info("woodpecker reachable again; poll cycle complete");
  }
}

/** The listing an ArgoCD-only repo label is published under. */
function argoOnlyListing(id: number, label: string): RepoListing {
  return { id, fullName: label, defaultBranch: "", active: true, forgeUrl: "", cloneUrls: [], lastPipeline: undefined };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
