// /metrics without re-rendering what did not change (issue 6, "scrape").
//
// At 1,000 repos x 3 targets the DORA series are ~10 MB of text (~110k lines). prom-client
// formats every sample on every scrape (~200 ms at that size), although the series only change
// when a poll publishes a new RepoState for a repo. So:
//   - DoraSeriesCache takes the place of DoraMetrics in the exporter (same setRepo).
//     Each repo's lines are rendered once per change of that repo, by a scratch DoraMetrics (the
//     same prom-client code, so the same bytes), and kept UTF-8 encoded per metric family. A poll
//     that changed k repos costs k small renders, not a full one.
//   - CachedRegistry is the exporter's Registry: it renders its own metrics (health gauges
//     computed at collect time, such as dora_woodpecker_up, request counters, process metrics)
//     on every scrape, as before, and appends the cached DORA families.
// The result holds the same lines as one registry holding everything (families joined by a
// blank line, DORA families last), with repos in name order rather than in the order they last
// changed: test/perf/metrics-cache.test.ts compares the two through changes, renames and removals.
import { Registry } from "prom-client";
import type { RepoState } from "../core/state.ts";
import { packRepoState, type PackedRepoState } from "../core/packed-state.ts";
import { compareCodeUnits } from "../util/strings.ts";
import { DoraMetrics } from "./dora-metrics.ts";
import type { WindowGaugeMetrics } from "./window-gauges.ts";

const encoder = new TextEncoder();

export class DoraSeriesCache {
  /** Bumped on every change of any series. */
  revision = 0;
  private readonly scratchRegistry = new Registry();
  private readonly scratch = new DoraMetrics(this.scratchRegistry);
  private readonly names = this.scratchRegistry.getMetricsAsArray().map((m) => m.name);
  /** Per family: `# HELP …\n# TYPE …`, encoded. */
  private headers: Uint8Array[] | null = null;
  /**
   * Repo id -> its label and, per family, its sample lines each preceded by "\n": encoded when
   * rendered, then (once put together) a slice of `exposition`, which shares its bytes, so the
   * lines are held once, not once per repo and again in the exposition.
   */
  private readonly chunks = new Map<number, { readonly label: string; readonly families: (Uint8Array | Blob)[] }>();
  /**
   * Changed repos still to render, in order of change. Packed (core/packed-state.ts, lossless)
   * and rendered from the packed columns: the state's objects are never rebuilt (issue 14).
   */
  private readonly pending = new Map<number, { readonly label: string; readonly state: PackedRepoState }>();
  /** Repo id -> revision of its last change (a render finishing after a newer change is dropped). */
  private readonly changedAt = new Map<number, number>();
  /**
   * The DORA families put together, while nothing changes: one Blob, so a scrape copies one
   * buffer. Joining the ~9,000 parts of 1,000 repos into a Blob took ~22-26 ms, on every scrape,
   * twice what serving the 10 MB takes (issue 14).
   */
  private exposition: Blob | null = null;
  private rendering: Promise<Blob> | null = null;
  private renderingRepos: Promise<void> | null = null;

  /** Repo id -> the label its series carry (or will, once rendered), and back. */
  private readonly labels = new Map<number, string>();
  private readonly holders = new Map<string, number>();

  /**
   * Replace the series of one repo (label = its current full_name). A label another repo id still
   * holds (a repo re-created under its old name, names swapped mid-poll) goes to this, the newer
   * state, and the other id's series go: never two series with one label set (DEFINITIONS), as
   * DoraMetrics does. Its lines are rendered at once, in the background: rendered all together
   * after a backfill, 1,000 repos' garbage came at once and was the backfill's peak of memory
   * (~85 MB of RSS, issue 14); repo by repo it is collected along the way. The exposition is put
   * together on the next use.
   */
  setRepo(repoId: number, repoLabel: string, state: RepoState): void {
    const holder = this.holders.get(repoLabel);
    if (holder !== undefined && holder !== repoId) this.removeRepo(holder);
    this.removeRepo(repoId);
    this.labels.set(repoId, repoLabel);
    this.holders.set(repoLabel, repoId);
    this.changed(repoId);
    this.pending.set(repoId, { label: repoLabel, state: packRepoState(state) });
    void this.renderRepos();
  }

  /** Drop a repo's series (it left the tracked set). */
  removeRepo(repoId: number): void {
    this.changed(repoId);
    const label = this.labels.get(repoId);
    if (label !== undefined && this.holders.get(label) === repoId) this.holders.delete(label);
    this.labels.delete(repoId);
    this.changedAt.delete(repoId);
  }

  /** The DORA families, in exposition order; renders pending repos first. */
  encoded(): Promise<Blob> {
    if (this.exposition !== null && this.pending.size === 0) return Promise.resolve(this.exposition);
    // Concurrent scrapes after a change share one rendering.
    this.rendering ??= (async () => {
      do
        await this.renderRepos(); // the first render also encodes the family headers
      while (this.pending.size > 0);
      return this.assemble();
    })().finally(() => {
      this.rendering = null;
    });
    return this.rendering;
  }

  /** Render every pending repo; one loop at a time (it picks up repos changed meanwhile). */
  private renderRepos(): Promise<void> {
    this.renderingRepos ??= this.render().finally(() => {
      this.renderingRepos = null;
    });
    return this.renderingRepos;
  }

  private changed(repoId: number): void {
    this.revision++;
    this.changedAt.set(repoId, this.revision);
    this.chunks.delete(repoId);
    this.pending.delete(repoId);
    this.exposition = null;
  }

  private async render(): Promise<void> {
    this.headers ??= await Promise.all(
      this.names.map(async (name) => encoder.encode(await this.scratchRegistry.getSingleMetricAsString(name))),
    );
    while (this.pending.size > 0) {
      const [repoId, { label, state }] = this.pending.entries().next().value!;
      this.pending.delete(repoId);
      const at = this.changedAt.get(repoId);
      this.scratch.setRepoPacked(repoId, label, state);
      const families: Uint8Array[] = [];
      for (const name of this.names) {
        const text = await this.scratchRegistry.getSingleMetricAsString(name);
        const afterHeader = text.indexOf("\n", text.indexOf("\n") + 1); // skip "# HELP" and "# TYPE"
        families.push(encoder.encode(afterHeader < 0 ? "" : text.slice(afterHeader)));
      }
      this.scratch.removeRepo(repoId);
      // Changed again while rendering: that newer change is what counts.
      if (this.changedAt.get(repoId) === at) this.chunks.set(repoId, { label, families });
    }
  }

  /** The exposition of the rendered repos; kept while nothing changes. */
  private assemble(): Blob {
    // Repos in name order, not in the order polls happened to finish them: a restarted exporter
    // or a replica then serves byte-identical DORA series. setRepo keeps labels unique; should two
    // chunks ever share one, only the one changed last is served (never two series, one label set).
    const byLabel = new Map<string, number>();
    for (const [id, c] of this.chunks) {
      const holder = byLabel.get(c.label);
      if (holder === undefined || (this.changedAt.get(id) ?? 0) > (this.changedAt.get(holder) ?? 0))
        byLabel.set(c.label, id);
    }
    const ordered = [...byLabel.entries()]
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([, id]) => this.chunks.get(id)!.families);
    const parts: (Uint8Array | Blob)[] = [];
    const at: { families: (Uint8Array | Blob)[]; f: number; start: number; end: number }[] = [];
    let offset = 0;
    const add = (part: Uint8Array | Blob) => {
      parts.push(part);
      offset += sizeOf(part);
    };
    const last = this.names.length - 1;
    this.names.forEach((_, f) => {
      add(this.headers![f]!);
      for (const families of ordered) {
        const part = families[f]!;
        if (sizeOf(part) === 0) continue;
        at.push({ families, f, start: offset, end: offset + sizeOf(part) });
        add(part);
      }
      add(encoder.encode(f < last ? "\n\n" : "\n"));
    });
    const exposition = new Blob(parts);
    // Each repo's lines become a view of the exposition: the separate copies can go.
    for (const { families, f, start, end } of at) families[f] = exposition.slice(start, end);
    if (this.pending.size === 0) this.exposition = exposition;
    return exposition;
  }
}

function sizeOf(part: Uint8Array | Blob): number {
  return part instanceof Blob ? part.size : part.byteLength;
}

export class CachedRegistry extends Registry {
  /** `windows`: the window gauges, rendered once per completed poll (window-gauges.ts), last. */
  constructor(
    readonly dora: DoraSeriesCache,
    readonly windows?: WindowGaugeMetrics,
  ) {
    super();
  }

  override async metrics(): Promise<string> {
    return await (await this.body()).text();
  }

  /** The exposition as a Blob: live metrics rendered now, DORA families from the cache. */
  async body(): Promise<Blob> {
    const live = await super.metrics();
    const windows = this.windows?.parts() ?? [];
    return new Blob([live + "\n", await this.dora.encoded(), ...(windows.length > 0 ? ["\n", ...windows] : [])]);
  }

  /** Render what changed now, after a poll, rather than on the next scrape. */
  async warm(): Promise<void> {
    await this.dora.encoded();
  }
}
