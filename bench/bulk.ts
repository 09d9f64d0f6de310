// Bulk history for the benchmark: N repos x M pipelines of a realistic mix, written straight into
// a SimulatedWoodpecker. The records are built by the simulator's own `newPipeline` factory and
// served by the simulator's own routing and serialisation (src/simulator/api.ts): only the
// bookkeeping that made `addPipeline` O(n) per insert and every list request O(n) copies is
// bypassed, so 1M pipelines load in seconds and pages are served as fast as the real handler can.
import { SimulatedWoodpecker } from "../src/simulator/woodpecker.ts";
import { newPipeline } from "../src/simulator/records.ts";
import type { PipelineInput, PipelineRecord, RepoRecord } from "../src/simulator/model.ts";
import { hashHex, mulberry32 } from "../src/simulator/prng.ts";
import { goJson, pipelineJson } from "../src/simulator/serialize.ts";

/** The simulator with list results cached per repo (records are live objects; the API only reads them). */
export class BenchWoodpecker extends SimulatedWoodpecker {
  private readonly sorted = new Map<number, PipelineRecord[]>();

  private store(): Map<number, Map<number, PipelineRecord>> {
    return (this as unknown as { pipelines: Map<number, Map<number, PipelineRecord>> }).pipelines;
  }

  override listPipelines(repoId: number): PipelineRecord[] {
    let list = this.sorted.get(repoId);
    if (!list) {
      list = [...(this.store().get(repoId)?.values() ?? [])].sort((a, b) => b.number - a.number);
      this.sorted.set(repoId, list);
    }
    return list;
  }

  override addPipeline(repoId: number, input: PipelineInput = {}): PipelineRecord {
    this.sorted.delete(repoId);
    return super.addPipeline(repoId, input);
  }

  override deletePipeline(repoId: number, number: number): boolean {
    this.sorted.delete(repoId);
    return super.deletePipeline(repoId, number);
  }

  /** Append a finished record (bulk load). Numbers must be appended in increasing order. */
  bulkAppend(repo: RepoRecord, id: number, number: number, created: number, input: PipelineInput): void {
    const rec = newPipeline({
      id,
      number,
      created,
      repo,
      input,
      login: this.user.login,
      version: this.features.version,
    });
    this.store().get(repo.id)!.set(number, rec);
  }

  setNextPipelineId(id: number): void {
    (this as unknown as { nextPipelineId: number }).nextPipelineId = id;
  }
}

export interface BulkOptions {
  repos: number;
  pipelinesPerRepo: number;
  /** Unix seconds at which every history ends. */
  end: number;
  seed?: number;
}

export interface BulkSummary {
  repos: number;
  pipelines: number;
  /** Per repo id: pipelines an event=push,deployment filter returns (what the exporter lists). */
  filtered: Map<number, number>;
  byEvent: Record<string, number>;
  deployRepos: number;
  pushRepos: number;
}

const TARGETS = ["production", "production-eu", "staging"];

/**
 * Every 10th repo deploys with push-to-main (default rule 2, one target); the others use
 * Woodpecker's Deploy (event=deployment) to staging, then production and production-eu (3 targets).
 * Per work item: pull requests, a push to main (8% fail and get restarted), now and then a push
 * to a feature branch, a tag or a cron run, and deployments with 10% failures restored by a
 * restart. All pipelines are terminal; the busy-poll step adds running ones.
 */
export function bulkLoad(sim: BenchWoodpecker, opts: BulkOptions): BulkSummary {
  const rand = mulberry32(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  let nextId = 1;
  const filtered = new Map<number, number>();
  const byEvent: Record<string, number> = {};
  let deployRepos = 0;
  let pushRepos = 0;
  const M = opts.pipelinesPerRepo;
  // ~2 years of history at M = 1000 (a pipeline every ~17 h), ending at `end`.
  const gap = Math.max(60, Math.floor((730 * 86400) / M));
  for (let r = 0; r < opts.repos; r++) {
    const pushMode = r % 10 === 9;
    const repo = sim.addRepo({ full_name: `org${r % 37}/service-${r}`, allow_deploy: !pushMode });
    if (pushMode) pushRepos++;
    else deployRepos++;
    let number = 0;
    let t = opts.end - M * gap;
    let lastMainPush = 0;
    let lastMainCommit = "";
    let filteredCount = 0;
    const add = (input: PipelineInput, durationS: number): number => {
      number++;
      t += Math.floor(gap * (0.5 + rand()));
      if (t > opts.end - 60) t = opts.end - 60;
      const status = input.status ?? "success";
      const finished = t + durationS;
      sim.bulkAppend(repo, nextId++, number, t, {
        ...input,
        status,
        started: t + 5,
        finished,
        updated: finished,
        timestamp: t,
      });
      const ev = input.event ?? "push";
      byEvent[ev] = (byEvent[ev] ?? 0) + 1;
      if (ev === "push" || ev === "deployment") filteredCount++;
      return number;
    };
    const commitOf = () => hashHex(`c:${r}:${number}:${rand()}`, 40);
    let sinceDeploy = 0;
    while (number < M) {
      // pull requests
      const prs = rand() < 0.6 ? 1 : 2;
      for (let i = 0; i < prs && number < M; i++) {
        const prCommit = commitOf();
        add(
          {
            event: "pull_request",
            branch: "main",
            commit: prCommit,
            ref: `refs/pull/${number + 1}/head`,
            status: rand() < 0.15 ? "failure" : "success",
            title: "feat: something",
          },
          300,
        );
      }
      if (number >= M) break;
      if (rand() < 0.1) {
        add({ event: "push", branch: pick(["feature/a", "feature/b", "release/1.x"]), commit: commitOf() }, 300);
        if (number >= M) break;
      }
      // the merge: push to main
      const commit = commitOf();
      const failed = rand() < 0.08;
      let mainPush = add({ event: "push", branch: "main", commit, status: failed ? "failure" : "success" }, 400);
      if (failed && number < M) mainPush = add({ event: "push", branch: "main", commit, parent: mainPush }, 400);
      lastMainPush = mainPush;
      lastMainCommit = commit;
      if (number >= M) break;
      if (rand() < 0.1) add({ event: "cron", branch: "main", commit: lastMainCommit, ref: "refs/heads/main" }, 200);
      if (rand() < 0.05 && number < M) add({ event: "tag", branch: "main", commit: lastMainCommit }, 200);
      if (pushMode || number >= M) continue;
      // deployments: staging every time, production targets every ~3rd change
      sinceDeploy++;
      const targets = sinceDeploy >= 3 ? TARGETS : ["staging"];
      if (sinceDeploy >= 3) sinceDeploy = 0;
      for (const target of targets) {
        if (number >= M) break;
        const bad = rand() < 0.1;
        const d = add(
          {
            event: "deployment",
            branch: "main",
            commit: lastMainCommit,
            parent: lastMainPush,
            deploy_to: target,
            status: bad ? (rand() < 0.8 ? "failure" : "error") : "success",
          },
          600,
        );
        if (bad && number < M)
          add({ event: "deployment", branch: "main", commit: lastMainCommit, parent: d, deploy_to: target }, 600);
      }
    }
    filtered.set(repo.id, filteredCount);
  }
  sim.setNextPipelineId(nextId);
  return { repos: opts.repos, pipelines: nextId - 1, filtered, byEvent, deployRepos, pushRepos };
}

/** One list page of 50 push and deployment pipelines of a bulk-loaded repo, as the simulator sends it. */
export function samplePageText(): string {
  const sim = new BenchWoodpecker({ token: "t", now: () => 1_790_000_000 });
  bulkLoad(sim, { repos: 1, pipelinesPerRepo: 1000, end: 1_790_000_000 });
  const repo = sim.listRepos()[0]!;
  const items = sim
    .listPipelines(repo.id)
    .filter((p) => p.event === "push" || p.event === "deployment")
    .slice(0, 50);
  return goJson(items.map((p) => pipelineJson(p, sim.features)));
}
