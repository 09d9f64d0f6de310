// ArgoCD as the second source (DEFINITIONS "ArgoCD deployments", "Observation"): one list of
// Applications per poll, read after Woodpecker, plus the held-open watch stream between polls, so
// that an operation a later one replaces between two polls is still seen. Every sighting grows one
// fact set (argocd/observe.ts, order-free); the facts that are new are handed to `persist` (the
// durable state) before anything derived from them can be exposed. Each poll then maps every app
// again (argocd/mapping.ts) against the Woodpecker history read so far and turns its observations
// into the core's events, per repo.
import { ArgoCDError, type ArgoCDClient, type InvalidApp } from "../argocd/client.ts";
import {
  appName,
  argoEvents,
  mapApp,
  type AppMapping,
  type AppMappingBlock,
  type MappableRepo,
  type PushCommits,
} from "../argocd/mapping.ts";
import {
  deriveObservations,
  emptyMutableFacts,
  mergeInto,
  snapshotFacts,
  type ArgoObservation,
  type FactChange,
  type Facts,
  type MutableFacts,
} from "../argocd/observe.ts";
import { lastSeen } from "../argocd/durable.ts";
import type { ArgoApp } from "../argocd/schemas.ts";
import { watchApplications, type Watch } from "../argocd/watch.ts";
import type { ArgoEvent, ArgoInput } from "../core/argocd.ts";
import { repoFilter, type GlobMatcher } from "../core/glob.ts";
import type { Logger } from "../log.ts";

export interface ArgoSourceOptions {
  readonly client: ArgoCDClient;
  /** ARGOCD_APPS: globs on `<project>/<name>`, `!` excludes. */
  readonly apps: readonly string[];
  readonly selector: string | null;
  readonly degradedWindow: number;
  readonly blocks: readonly AppMappingBlock[];
  readonly log: Logger;
  /** Facts kept from before (the durable state); empty at first contact. */
  readonly initialFacts?: Facts;
  /** Makes new facts durable; called before the poll that saw them publishes anything. */
  readonly persist?: (changes: readonly FactChange[]) => void;
  /** false: no watch stream (tests of lists alone). */
  readonly watch?: boolean;
  /** Apps of a list that failed validation (skipped; the rest is served). */
  readonly onInvalid?: (count: number) => void;
  /** Passed to the watch (tests: short backoff). */
  readonly backoffInitialMs?: number;
}

/** What one poll of ArgoCD gives the collector. */
export interface ArgoPoll {
  /** Inputs of the core per tracked repo id (mapped apps). */
  readonly byRepo: ReadonlyMap<number, ArgoInput>;
  /** Apps that map to no tracked repo, grouped by their `repo` label. */
  readonly unmapped: ReadonlyMap<string, ArgoInput>;
  /** Every selected app's mapping, by `<project>/<name>`, in name order. */
  readonly mappings: readonly AppMapping[];
}

export interface ArgoStatus {
  /** Whether the last ArgoCD step completed (list answered, token accepted); null before the first. */
  lastOk: boolean | null;
  /** Selected apps in the last successful list. */
  apps: number;
  /** Apps skipped as invalid in the last list. */
  invalidApps: number;
  /** Those apps (name, if it had one, and why), for `check`. */
  invalid: readonly InvalidApp[];
  /** Why the last ArgoCD step did not complete (token-free, one line); null when it did. */
  problem: string | null;
}

export class ArgoSource {
  readonly status: ArgoStatus = { lastOk: null, apps: 0, invalidApps: 0, invalid: [], problem: null };
  private readonly facts: MutableFacts = emptyMutableFacts();
  /** Latest whole-app sighting per uid, from the list (the stream's apps are trimmed). */
  private apps = new Map<string, ArgoApp>();
  private readonly filter: GlobMatcher;
  private unsaved: FactChange[] = [];
  private seen = 0;
  private watch: Watch | null = null;
  private mappingOf = new Map<string, string>();
  private wasFailing = false;

  /** The ArgoCD client this source reads with (`check` asks it for the version). */
  get client(): ArgoCDClient {
    return this.opts.client;
  }

  constructor(private readonly opts: ArgoSourceOptions) {
    this.filter = repoFilter(opts.apps);
    if (opts.initialFacts) {
      mergeInto(this.facts, opts.initialFacts);
      // A sighting now is later than every one kept: the first sighting of an entry must stay first.
      this.seen = lastSeen(opts.initialFacts);
    }
  }

  /** Opens the watch stream (reconnecting by itself until `stop`). */
  start(): void {
    if (this.opts.watch === false || this.watch) return;
    this.watch = watchApplications(this.opts.client, {
      selector: this.opts.selector ?? undefined,
      backoffInitialMs: this.opts.backoffInitialMs,
      onEvent: (e) => {
        if (e.type === "DELETED" || !this.filter(appName(e.app))) return;
        this.sight(e.app);
      },
      onProblem: (p) => this.opts.log.debug("argocd stream problem", { kind: p.kind, problem: p.message }),
    });
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    this.watch = null;
  }

  get streamConnected(): boolean {
    return this.watch?.connected ?? false;
  }

  /** Every fact seen so far (for tests and `check`). */
  get allFacts(): Facts {
    return this.facts;
  }

  /**
   * List the apps (after every reconnection of the stream too: its cue is consumed here), make the
   * new facts durable, map every app. A failed list keeps every fact and the previous apps.
   */
  async poll(repos: readonly MappableRepo[], commits: PushCommits): Promise<ArgoPoll> {
    this.watch?.takeRelist(); // this list is the re-list the cue asks for
    try {
      const list = await this.opts.client.listApplications(this.opts.selector ? { selector: this.opts.selector } : {});
      const apps = new Map<string, ArgoApp>();
      for (const app of list.apps) {
        if (!this.filter(appName(app))) continue;
        apps.set(app.uid, app);
        this.sight(app);
      }
      if (list.invalid.length > 0) this.opts.onInvalid?.(list.invalid.length);
      for (const bad of list.invalid) {
        this.opts.log.warn("skipped invalid ArgoCD application", { app: bad.name ?? "(unnamed)", reason: bad.reason });
      }
      this.apps = apps;
      this.status.apps = apps.size;
      this.status.invalidApps = list.invalid.length;
      this.status.invalid = list.invalid;
      this.status.problem = null;
      this.status.lastOk = true;
      this.report(null);
    } catch (e) {
      this.status.lastOk = false;
      this.status.problem = e instanceof ArgoCDError || e instanceof Error ? e.message : String(e);
      this.report(this.status.problem);
    }
    this.flush();
    return this.derive(repos, commits);
  }

  /** The durable write of every fact not yet written; throws (and keeps them) when it fails. */
  flush(): void {
    if (this.unsaved.length === 0) return;
    const changes = this.unsaved;
    this.opts.persist?.(changes);
    this.unsaved = [];
  }

  private sight(app: ArgoApp): void {
    const changes = mergeInto(this.facts, snapshotFacts(app, ++this.seen));
    if (changes.length > 0) this.unsaved.push(...changes);
  }

  private derive(repos: readonly MappableRepo[], commits: PushCommits): ArgoPoll {
    const observations = new Map<string, ArgoObservation[]>();
    for (const o of deriveObservations(this.facts, this.opts.degradedWindow)) {
      const list = observations.get(o.uid);
      if (list) list.push(o);
      else observations.set(o.uid, [o]);
    }
    const byRepo = new Map<number, { mapped: boolean; events: ArgoEvent[] }>();
    const unmapped = new Map<string, { mapped: boolean; events: ArgoEvent[] }>();
    const mappings: AppMapping[] = [];
    // Only apps ArgoCD still lists count (a deleted app's series go, as a deleted repo's do).
    for (const app of this.apps.values()) {
      const m = mapApp(app, repos, commits, this.opts.blocks);
      mappings.push(m);
      this.logMove(m);
      const events = argoEvents(m, observations.get(app.uid) ?? []);
      const into = m.repoId !== null ? byRepo : unmapped;
      const key = m.repoId !== null ? m.repoId : m.repo;
      const input = (into as Map<number | string, { mapped: boolean; events: ArgoEvent[] }>).get(key);
      if (input) input.events.push(...events);
      else
        (into as Map<number | string, { mapped: boolean; events: ArgoEvent[] }>).set(key, {
          mapped: m.repoId !== null,
          events,
        });
    }
    mappings.sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : a.uid < b.uid ? -1 : 1));
    return { byRepo, unmapped, mappings };
  }

  /** One log line when an app's series move (its mapping changed). */
  private logMove(m: AppMapping): void {
    const now = `${m.repo} ${m.target} (${m.via})`;
    const before = this.mappingOf.get(m.uid);
    this.mappingOf.set(m.uid, now);
    if (before === undefined || before === now) return;
    this.opts.log.info("ArgoCD app mapping changed; its series move by design", { app: m.app, from: before, to: now });
  }

  private report(problem: string | null): void {
    const failing = problem !== null;
    if (failing === this.wasFailing) return;
    this.wasFailing = failing;
    if (failing) this.opts.log.error("ArgoCD list failed; keeping what was observed", { problem });
    else this.opts.log.info("ArgoCD reachable");
  }
}
