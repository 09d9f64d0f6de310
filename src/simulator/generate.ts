// Seeded, deterministic Woodpecker histories that exercise what DEFINITIONS.md cares about:
// deployment-event repos (staging + production, promotions, failures restored by restart or fix
// forward, a rollback to an older commit, killed/canceled attempts, an approval-gated repo, a
// deployment whose source is missing, agent clock skew) next to push-to-main repos, plus the
// awkward API facts (deleted pipelines and reused numbers, a renamed repo, an inactive repo,
// pipelines still pending/running and one incident still open at `end`).

import { chore } from "./content.ts";
import { Engine } from "./engine.ts";
import { Flows, newRepoState, type RepoPlan, type RepoState } from "./flows.ts";
import { HISTORY_PACE } from "./pace.ts";
import type { RepoInput } from "./model.ts";
import { Rng } from "./prng.ts";
import type { SimulatedWoodpecker } from "./woodpecker.ts";

export interface GenerateOptions {
  seed: number;
  /** Active repos to create (default 4, max 6); an inactive `acme/legacy-admin` is always added. */
  repos?: number;
  days: number;
  /** Unix seconds: the clock time at which the history ends. */
  end: number;
}

export interface GeneratedRepo {
  id: number;
  full_name: string;
  mode: "deploy" | "push";
}

export interface GeneratedHistory {
  repos: GeneratedRepo[];
}

interface Profile {
  /** Name at creation; `renameTo` renames it half-way (lookup must follow). */
  name: string;
  renameTo?: string;
  repo: RepoInput;
  plan: RepoPlan;
  /** Work items per weekday (Poisson mean). */
  rate: number;
  /** UTC hours of the weekday production release slots (deploy mode). */
  slots: number[];
  cron?: string;
  tags?: boolean;
}

const PROFILES: Profile[] = [
  {
    name: "acme/shop-api",
    repo: { allow_deploy: true, require_approval: "forks" },
    plan: {
      mode: "deploy",
      staging: true,
      approval: false,
      deletesClosedPr: false,
      areas: ["orders", "cart", "payments", "catalog", "auth"],
    },
    rate: 6,
    slots: [11, 16],
    tags: true,
  },
  {
    name: "acme/web",
    repo: {},
    plan: {
      mode: "push",
      staging: false,
      approval: false,
      deletesClosedPr: true,
      areas: ["checkout", "home", "search-ui", "account"],
    },
    rate: 8,
    slots: [],
    cron: "nightly",
  },
  {
    name: "acme/billing",
    repo: { allow_deploy: true, private: true, require_approval: "all_events", approval_allowed_users: [] },
    plan: {
      mode: "deploy",
      staging: false,
      approval: true,
      deletesClosedPr: false,
      areas: ["invoices", "ledger", "tax", "dunning"],
    },
    rate: 3,
    slots: [14],
    cron: "reconcile",
  },
  {
    name: "acme/search",
    repo: { visibility: "internal" },
    plan: {
      mode: "push",
      staging: false,
      approval: false,
      deletesClosedPr: true,
      areas: ["indexer", "query", "ranking"],
    },
    rate: 4,
    slots: [],
    tags: true,
  },
  {
    name: "acme/notify",
    renameTo: "acme/notifications",
    repo: { allow_deploy: true },
    plan: { mode: "deploy", staging: false, approval: false, deletesClosedPr: false, areas: ["email", "sms", "push"] },
    rate: 2,
    slots: [15],
  },
  {
    name: "acme/docs",
    repo: {},
    plan: { mode: "push", staging: false, approval: false, deletesClosedPr: true, areas: ["guides", "api-reference"] },
    rate: 2,
    slots: [],
  },
];

const LEGACY: Profile = {
  name: "acme/legacy-admin",
  repo: {},
  plan: { mode: "push", staging: false, approval: false, deletesClosedPr: false, areas: ["admin", "reports"] },
  rate: 2,
  slots: [],
};

const DAY = 86400;
const HOUR = 3600;
/** Chance of one work item on a weekend day. */
const WEEKEND_WORK = 0.2;

/** A repo's mean activity per calendar day (weekdays and weekends averaged) in generated histories. */
export interface DailyActivity {
  readonly work: number;
  readonly releases: number;
  readonly crons: number;
  readonly cron?: string;
  readonly tags: number;
}

/**
 * What a generated history does per day in `fullName` (old or new name), for the live demo to go on at the same rates.
 */
export function dailyActivity(fullName: string): DailyActivity | undefined {
  const pr = [...PROFILES, LEGACY].find((p) => p.name === fullName || p.renameTo === fullName);
  if (!pr) return undefined;
  return {
    work: (5 * pr.rate + 2 * WEEKEND_WORK) / 7,
    releases: (5 * pr.slots.length) / 7,
    crons: pr.cron ? 1 : 0,
    ...(pr.cron ? { cron: pr.cron } : {}),
    tags: pr.tags ? 1 / 7 : 0,
  };
}

export function generateHistory(sim: SimulatedWoodpecker, opts: GenerateOptions): GeneratedHistory {
  const rng = new Rng(opts.seed);
  const engine = new Engine(sim);
  const flows = new Flows(sim, engine, rng, HISTORY_PACE);
  const end = Math.floor(opts.end);
  const start = end - Math.round(opts.days * DAY);
  const count = Math.max(1, Math.min(PROFILES.length, opts.repos ?? 4));
  const profiles = [...PROFILES.slice(0, count), LEGACY];

  const states = new Map<string, RepoState>();
  const out: GeneratedRepo[] = [];
  profiles.forEach((pr, i) => {
    const repo = sim.addRepo({ ...pr.repo, full_name: pr.name });
    const rs = newRepoState(repo.id, pr.plan);
    states.set(pr.name, rs);
    out.push({ id: repo.id, full_name: pr.renameTo ?? pr.name, mode: pr.plan.mode });
    // The first pipeline after the repo was enabled in Woodpecker gives it a head commit.
    engine.at(start + 300 * (i + 1), () => flows.mainPush(rs, { change: chore(rng) }));
    const lastDay = pr === LEGACY ? Math.min(end, start + 5 * DAY) : end;
    scheduleCalendar(engine, flows, rng, rs, pr, start + 300 * (i + 2), lastDay);
    if (pr.renameTo) engine.at(start + Math.floor((end - start) / 2), () => sim.renameRepo(repo.id, pr.renameTo!));
  });

  scheduleScripted(sim, engine, flows, rng, states, start, end);
  engine.runUntil(end);
  const legacy = states.get(LEGACY.name);
  if (legacy) sim.setActive(legacy.repoId, false);
  return { repos: out };
}

/** Business-hour rhythm: Poisson work on weekdays 08–18 UTC, a little at weekends, release slots, crons, tags. */
function scheduleCalendar(
  engine: Engine,
  flows: Flows,
  rng: Rng,
  rs: RepoState,
  pr: Profile,
  from: number,
  until: number,
): void {
  const at = (t: number, fn: () => void) => {
    if (t >= from && t <= until) engine.at(t, fn);
  };
  for (let day = Math.floor(from / DAY) * DAY; day <= until; day += DAY) {
    const weekday = new Date(day * 1000).getUTCDay(); // 0 = Sunday
    const workday = weekday >= 1 && weekday <= 5;
    const items = workday ? poisson(rng, pr.rate) : rng.chance(WEEKEND_WORK) ? 1 : 0;
    for (let i = 0; i < items; i++) {
      at(day + (workday ? 8 * HOUR : 10 * HOUR) + rng.int(0, (workday ? 10 : 6) * HOUR), () => flows.work(rs));
    }
    if (workday) for (const h of pr.slots) at(day + h * HOUR + rng.int(-1200, 1200), () => flows.prodSlot(rs));
    if (pr.cron) at(day + 2 * HOUR + rng.int(0, 59), () => flows.cron(rs, pr.cron!));
    if (pr.tags && weekday === 4) at(day + 15 * HOUR + 30 * 60, () => flows.tag(rs));
  }
}

function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.float(); p > limit; p *= rng.float()) k++;
  return k;
}

/** The specific situations every history must contain, placed relative to start and end. */
function scheduleScripted(
  sim: SimulatedWoodpecker,
  engine: Engine,
  flows: Flows,
  rng: Rng,
  states: Map<string, RepoState>,
  start: number,
  end: number,
): void {
  const span = end - start;
  const frac = (f: number, hourUtc: number) =>
    Math.min(end - 6 * HOUR, Math.max(start + HOUR, Math.floor((start + f * span) / DAY) * DAY + hourUtc * HOUR));

  const shop = states.get("acme/shop-api");
  if (shop) {
    const repoId = shop.repoId;
    // A fork PR needs approval (require_approval=forks) and gets declined: terminal, finished stays 0.
    engine.at(frac(0.1, 13), () => {
      const p = sim.addPipeline(repoId, forkPr(sim, repoId, ++shop.prCounter, "blocked"));
      engine.at(sim.now() + 3600, () => sim.finishPipeline(repoId, p.number, "declined"));
    });
    // An admin deletes an old feature-branch pipeline: a gap in the numbers (not the highest one).
    engine.at(frac(0.2, 12), () => {
      const victim = sim
        .listPipelines(repoId)
        .reverse()
        .find((p) => p.number > 1 && p.event === "push" && p.branch !== "main");
      if (victim) sim.deletePipeline(repoId, victim.number);
    });
    // Failed production deploys restored both ways, attempts that do not count (killed, canceled),
    // and a rollback to the previous, older commit. Each waits until production is healthy.
    const calm = (t: number, fn: () => void) =>
      whenReady(engine, sim, t, end - 6 * HOUR, () => shop.lastGoodMain > 0 && !shop.incident && !shop.frozen, fn);
    calm(frac(0.3, 10), () => void flows.prodDeploy(shop, shop.lastGoodMain, shop.lastGoodMain, { force: "killed" }));
    calm(
      frac(0.35, 12),
      () => void flows.prodDeploy(shop, shop.lastGoodMain, shop.lastGoodMain, { force: "failure", via: "restart" }),
    );
    calm(
      frac(0.55, 12),
      () => void flows.prodDeploy(shop, shop.lastGoodMain, shop.lastGoodMain, { force: "failure", via: "fix" }),
    );
    calm(frac(0.7, 10), () => void flows.prodDeploy(shop, shop.lastGoodMain, shop.lastGoodMain, { force: "canceled" }));
    whenReady(
      engine,
      sim,
      frac(0.6, 17),
      end - 6 * HOUR,
      () =>
        !shop.incident &&
        shop.prevProdSource > 0 &&
        shop.prevProdSource < shop.prodSource &&
        !!sim.getPipeline(repoId, shop.prevProdSource),
      () => {
        flows.prodDeploy(shop, shop.prevProdSource, shop.prevProdSource, { force: "success" });
      },
    );
    // Left in flight at `end`: a fork PR awaiting approval, a staging deploy running, a PR push queued.
    engine.at(end - 40 * 60, () => void sim.addPipeline(repoId, forkPr(sim, repoId, ++shop.prCounter, "blocked")));
    engine.at(end - 90, () => {
      if (shop.lastGoodMain === 0 || !sim.getPipeline(repoId, shop.lastGoodMain)) return;
      const d = sim.deploy(repoId, shop.lastGoodMain, "staging");
      flows.run(shop, d, { force: "success", dur: [400, 500] });
    });
    engine.at(end - 2, () => {
      const p = sim.addPipeline(repoId, {
        event: "push",
        branch: "feat/cart-coupons",
        ref: "refs/heads/feat/cart-coupons",
        commit: rng.hex(40),
        message: "feat(cart): apply coupons at checkout\n",
        changed_files: ["src/cart/coupons.ts"],
        author: "mlee",
        sender: "mlee",
      });
      flows.run(shop, p, { ok: 1 });
    });
  }

  const web = states.get("acme/web");
  if (web) engine.at(end - 4 * 60, () => void flows.mainPush(web, { change: chore(rng), dur: [600, 900] }));

  const billing = states.get("acme/billing");
  if (billing) {
    const repoId = billing.repoId;
    // A hotfix shipped from a manual pipeline on a branch without push CI (its push pipeline had no
    // matching config and was deleted): the deployment's source change is missing. The deploying
    // agent's clock is 4 minutes behind, so finished < created for it.
    engine.at(frac(0.45, 10) + 1800, () => {
      const branch = "hotfix/invoice-rounding";
      const commit = rng.hex(40);
      const base = { branch, commit, author: "kpatel", sender: "kpatel", changed_files: ["src/invoices/rounding.ts"] };
      const push = sim.addPipeline(repoId, {
        ...base,
        event: "push",
        ref: `refs/heads/${branch}`,
        message: "fix(invoices): round per line, not per invoice\n",
      });
      sim.deletePipeline(repoId, push.number);
      engine.at(sim.now() + 480, () => {
        const manual = sim.addPipeline(repoId, {
          ...base,
          event: "manual",
          ref: branch,
          message: `MANUAL PIPELINE @ ${branch}`,
          changed_files: null,
        });
        flows.run(billing, manual, { force: "success" }, () =>
          engine.at(
            sim.now() + 600,
            () =>
              void flows.prodDeploy(billing, manual.number, billing.prodSource, {
                force: "success",
                skew: -240,
                dur: [90, 110],
              }),
          ),
        );
      });
    });
    // The incident still open at `end`: production deploy fails, its restart fails too.
    engine.at(end - 3 * HOUR - 1800, () => {
      billing.frozen = true;
    });
    engine.at(end - 3 * HOUR, () => {
      if (billing.lastGoodMain === 0) return;
      const d = flows.prodDeploy(billing, billing.lastGoodMain, billing.lastGoodMain, { force: "failure" });
      if (!d) return;
      engine.at(end - 2 * HOUR, () => {
        const r = sim.restartPipeline(repoId, d.number);
        flows.run(billing, r, { force: "error", dur: [60, 120] });
      });
    });
  }
}

/** Run `fn` at `t`, or retry hourly until `ready()` holds (scripted events must not collide). */
function whenReady(
  engine: Engine,
  sim: SimulatedWoodpecker,
  t: number,
  deadline: number,
  ready: () => boolean,
  fn: () => void,
): void {
  engine.at(t, () => {
    if (ready()) fn();
    else if (sim.now() + HOUR <= deadline) whenReady(engine, sim, sim.now() + HOUR, deadline, ready, fn);
  });
}

function forkPr(sim: SimulatedWoodpecker, repoId: number, pr: number, status: "blocked" | "pending") {
  const forge = sim.getRepo(repoId)?.forge_url ?? "";
  return {
    event: "pull_request" as const,
    status,
    branch: "main",
    ref: `refs/pull/${pr}/head`,
    refspec: "patch-1:main",
    title: "docs: fix typo in README",
    message: "docs: fix typo in README\n",
    changed_files: ["README.md"],
    author: "outsider",
    sender: "outsider",
    forge_url: `${forge}/pulls/${pr}`,
  };
}
