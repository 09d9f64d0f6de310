// Live activity for `dora-exporter demo`: on every tick, whatever is due by the simulator clock
// happens — pushes arrive, go pending -> running -> success/failure on later ticks, releases
// ship, some fail and get restored — so someone watching the demo sees the counters move. Each
// repo goes on at its generated history's daily rates (generate.ts), `speedup` times faster, so
// the demo's today never dwarfs the history's days. It picks up the state a generated history
// left behind (in-flight pipelines, an open incident).

import { Engine } from "./engine.ts";
import { Flows, newRepoState, type RepoPlan, type RepoState } from "./flows.ts";
import { dailyActivity, type DailyActivity } from "./generate.ts";
import { DEMO_SPEEDUP, faster, HISTORY_PACE } from "./pace.ts";
import { isTerminal, type PipelineRecord, type RepoRecord } from "./model.ts";
import { Rng } from "./prng.ts";
import type { SimulatedWoodpecker } from "./woodpecker.ts";

export interface LiveOptions {
  seed: number;
  /** Real-time tick interval; each tick runs everything due by `sim.now()`. */
  everyMs: number;
  /** How many times faster than the history (rates and durations); default DEMO_SPEEDUP. */
  speedup?: number;
}

const DAY = 86400;
/** For a repo no generated history describes: a little work, a release a day when it deploys. */
const UNKNOWN_REPO: DailyActivity = { work: 3, releases: 1, crons: 0, tags: 0 };

export function startLiveActivity(sim: SimulatedWoodpecker, opts: LiveOptions): () => void {
  const speedup = opts.speedup ?? DEMO_SPEEDUP;
  const rng = new Rng((opts.seed ^ 0x5eed1e) >>> 0);
  const engine = new Engine(sim);
  const flows = new Flows(sim, engine, rng, faster(HISTORY_PACE, speedup));
  const now = sim.now();

  /** `what` as a Poisson process of `perDay` events per history day, run `speedup` times faster. */
  const every = (perDay: number, what: () => void) => {
    if (perDay <= 0) return;
    const mean = DAY / (perDay * speedup);
    const next = () => {
      what();
      engine.at(sim.now() + Math.max(1, rng.exp(mean)), next);
    };
    engine.at(now + Math.max(1, rng.exp(mean)), next);
  };

  for (const repo of sim.listRepos()) {
    if (!repo.active) continue;
    const history = sim.listPipelines(repo.id); // number DESC
    const rs = stateFromHistory(sim, repo, history);
    resumeInFlight(sim, engine, flows, rs, history, now);
    const daily = dailyActivity(repo.full_name) ?? UNKNOWN_REPO;
    every(daily.work, () => flows.work(rs));
    if (rs.plan.mode === "deploy") every(daily.releases, () => flows.prodSlot(rs));
    if (daily.cron) every(daily.crons, () => flows.cron(rs, daily.cron!));
    every(daily.tags, () => flows.tag(rs));
  }

  const timer = setInterval(() => engine.runUntil(sim.now()), opts.everyMs);
  timer.unref?.(); // the demo's HTTP server keeps the process alive, not this timer
  return () => clearInterval(timer);
}

/** Recover a repo's working state from its pipelines, the way the DORA defaults read them. */
function stateFromHistory(sim: SimulatedWoodpecker, repo: RepoRecord, history: PipelineRecord[]): RepoState {
  const deployments = history.filter((p) => p.event === "deployment");
  const plan: RepoPlan = {
    mode: deployments.length > 0 ? "deploy" : "push",
    staging: deployments.some((p) => p.deploy_to === "staging"),
    approval: repo.require_approval === "all_events",
    deletesClosedPr: !history.some((p) => p.event === "pull_request_closed"),
    areas: ["api", "core", "ui", "db"],
  };
  const rs = newRepoState(repo.id, plan);
  const main = history.filter((p) => p.event === "push" && p.branch === repo.default_branch);
  const head = main[0];
  if (head)
    rs.head = {
      commit: head.commit,
      change: {
        kind: "chore",
        area: "repo",
        subject: head.message.trim(),
        branch: head.branch,
        files: head.changed_files ?? [],
      },
    };
  rs.lastGoodMain = main.find((p) => p.status === "success")?.number ?? 0;
  const stg = deployments.find((p) => p.deploy_to === "staging" && p.status === "success");
  if (stg) rs.lastStaging = { deploy: stg.number, source: sourcePush(sim, repo.id, stg) };
  const prod = deployments.find((p) => p.deploy_to === "production" && p.status === "success");
  rs.prodSource = prod ? sourcePush(sim, repo.id, prod) : 0;
  rs.prCounter = history.filter((p) => p.event === "pull_request").length + 1;
  return rs;
}

/** Follow `parent` through deployments to the push pipeline a deployment ships (0 if none). */
function sourcePush(sim: SimulatedWoodpecker, repoId: number, p: PipelineRecord): number {
  let cur: PipelineRecord | undefined = p;
  for (let hops = 0; cur && cur.event === "deployment" && hops < 50; hops++)
    cur = cur.parent > 0 ? sim.getPipeline(repoId, cur.parent) : undefined;
  return cur?.event === "push" ? cur.number : 0;
}

/** Finish what the history left running or queued, and restore an incident left open. */
function resumeInFlight(
  sim: SimulatedWoodpecker,
  engine: Engine,
  flows: Flows,
  rs: RepoState,
  history: PipelineRecord[],
  now: number,
): void {
  for (const p of history) {
    if (p.status === "pending" || p.status === "blocked") flows.run(rs, p, { ok: 0.9 });
    if (p.status === "running") {
      engine.at(now + 5 + (p.id % 20), () => {
        const cur = sim.getPipeline(rs.repoId, p.number);
        if (cur?.id === p.id && cur.status === "running")
          sim.finishPipeline(rs.repoId, p.number, p.id % 7 === 0 ? "failure" : "success");
      });
    }
  }
  const lastProd = history.find(
    (p) =>
      p.event === "deployment" &&
      p.deploy_to === "production" &&
      isTerminal(p.status) &&
      ["success", "failure", "error"].includes(p.status),
  );
  if (lastProd && lastProd.status !== "success") {
    // The open incident gets restored a little after the demo starts: watchers see it close.
    engine.at(now + 30, () => {
      const r = sim.restartPipeline(rs.repoId, lastProd.number);
      flows.run(rs, r, { force: "success", dur: [5, 15] });
    });
  }
}
