// How a team's work turns into Woodpecker pipelines: feature branches with PRs, merges to main,
// CI runs, deployments to staging/production, failures and their restore (restart or fix
// forward), rollbacks and cancellations. Shared by the history generator (realistic pace) and
// the live demo (compressed pace). Every decision draws from one seeded Rng in event order.

import { AUTHORS, REVIEWER, change, chore, type Change } from "./content.ts";
import type { Engine } from "./engine.ts";
import type { PipelineInput, PipelineRecord, StatusValue } from "./model.ts";
import type { Rng } from "./prng.ts";
import type { Pace, Span } from "./pace.ts";
import type { SimulatedWoodpecker } from "./woodpecker.ts";

export interface RepoPlan {
  mode: "deploy" | "push";
  /** Deploy mode: successful CI on the default branch is auto-deployed to staging. */
  staging: boolean;
  /** require_approval=all_events: push/PR pipelines wait blocked until a reviewer approves. */
  approval: boolean;
  /** No config for pull_request_closed: such pipelines are deleted right after creation. */
  deletesClosedPr: boolean;
  areas: readonly string[];
}

export interface RepoState {
  repoId: number;
  plan: RepoPlan;
  head?: { commit: string; change: Change };
  /** Number of the newest successful push on the default branch (deploy source). */
  lastGoodMain: number;
  lastStaging?: { deploy: number; source: number };
  /** Push number whose commit production runs now, and the one before (rollback target). */
  prodSource: number;
  prevProdSource: number;
  /** Scripted endings set this: no automatic production deploys or recovery any more. */
  frozen: boolean;
  /** Production is failing: regular releases wait until the incident is restored. */
  incident: boolean;
  prCounter: number;
  tagCounter: number;
}

export function newRepoState(repoId: number, plan: RepoPlan): RepoState {
  return {
    repoId,
    plan,
    lastGoodMain: 0,
    prodSource: 0,
    prevProdSource: 0,
    frozen: false,
    incident: false,
    prCounter: 0,
    tagCounter: 0,
  };
}

export interface RunOptions {
  /** Probability of success when not forced; the rest is mostly failure, some error. */
  ok?: number;
  force?: StatusValue;
  dur?: Span;
  /** Agent clock offset in seconds added to started/finished (negative = agent behind). */
  skew?: number;
}

/** How a failed deployment gets restored; undefined = chosen at random. Given = it works. */
export type Restore = "restart" | "fix";

/** A fix-forward push: ships straight to production; "sure" = that deployment succeeds. */
type Hotfix = "random" | "sure" | undefined;

export interface ProdOptions extends RunOptions {
  via?: Restore;
}

const FAILED: ReadonlySet<StatusValue> = new Set<StatusValue>(["failure", "error"]);

export class Flows {
  constructor(
    readonly sim: SimulatedWoodpecker,
    readonly engine: Engine,
    readonly rng: Rng,
    readonly pace: Pace,
  ) {}

  private in(span: Span): number {
    return this.rng.int(span[0], span[1]);
  }

  private later(span: Span, fn: () => void): void {
    this.engine.at(this.sim.now() + this.in(span), fn);
  }

  private alive(rs: RepoState, p: PipelineRecord): PipelineRecord | undefined {
    const cur = this.sim.getPipeline(rs.repoId, p.number);
    return cur && cur.id === p.id ? cur : undefined; // numbers can be reused after a delete
  }

  private defaultBranch(rs: RepoState): string {
    return this.sim.getRepo(rs.repoId)?.default_branch ?? "main";
  }

  /** Take a pipeline through approval (if blocked), start and finish; `then` sees the final status. */
  run(rs: RepoState, p: PipelineRecord, o: RunOptions, then?: (status: StatusValue) => void): void {
    const { sim, engine } = this;
    if (p.status === "blocked") {
      this.later(this.pace.approval, () => {
        if (!this.alive(rs, p)) return;
        sim.approvePipeline(rs.repoId, p.number, REVIEWER);
        this.run(rs, { ...p, status: "pending" }, o, then);
      });
      return;
    }
    const now = sim.now();
    if (o.force === "canceled") {
      // Cancelled while still queued: never started, finished = the server's cancel time.
      engine.at(now + this.rng.int(5, 20), () => {
        if (this.alive(rs, p)?.status !== "pending") return;
        sim.finishPipeline(rs.repoId, p.number, "canceled");
        then?.("canceled");
      });
      return;
    }
    const skew = o.skew ?? 0;
    const tStart = now + this.in(this.pace.queue);
    const tEnd = tStart + this.in(o.dur ?? this.pace.ciRun);
    // Agents report a moment before the server records it, hence updated = agent time + 1.
    engine.at(tStart + 1, () => {
      if (this.alive(rs, p)?.status === "pending") sim.startPipeline(rs.repoId, p.number, tStart + skew);
    });
    engine.at(tEnd + 1, () => {
      if (this.alive(rs, p)?.status !== "running") return;
      const status = o.force ?? this.outcome(o.ok ?? 0.9);
      // killed/error are recorded with the server's clock; success/failure with the agent's.
      // Rarely, workflows on agents with different clocks give finished < started (#6808).
      const agentEnd = this.rng.chance(0.004) ? tStart + skew - this.rng.int(5, 40) : tEnd + skew;
      sim.finishPipeline(rs.repoId, p.number, status, status === "killed" || status === "error" ? undefined : agentEnd);
      then?.(status);
    });
  }

  private outcome(ok: number): StatusValue {
    const r = this.rng.float();
    return r < ok ? "success" : r < ok + (1 - ok) * 0.85 ? "failure" : "error";
  }

  private pushInput(
    rs: RepoState,
    branch: string,
    commit: string,
    c: Change,
    author: string,
    subject: string,
  ): PipelineInput {
    return {
      event: "push",
      branch,
      ref: `refs/heads/${branch}`,
      commit,
      message: `${subject}\n`,
      changed_files: c.files,
      author,
      sender: author,
      timestamp: this.sim.now() - this.rng.int(0, 2),
      status: rs.plan.approval ? "blocked" : "pending",
    };
  }

  /** One unit of developer work: usually a feature branch + PR + merge, sometimes a direct push. */
  work(rs: RepoState): void {
    if (this.rng.chance(0.2)) {
      this.mainPush(rs, { change: chore(this.rng) });
      return;
    }
    const c = change(this.rng, rs.plan.areas);
    const author = this.rng.pick(AUTHORS);
    const pr = ++rs.prCounter;
    const main = this.defaultBranch(rs);
    const pushes = this.rng.int(1, 3);
    let t = this.sim.now();
    for (let i = 0; i < pushes; i++) {
      this.engine.at(t, () => {
        const commit = this.rng.hex(40);
        const subject = i === 0 ? c.subject : `${c.kind}(${c.area}): address review comments`;
        const p = this.sim.addPipeline(rs.repoId, this.pushInput(rs, c.branch, commit, c, author, subject));
        this.run(rs, p, { ok: 0.85 });
        this.engine.at(this.sim.now() + 1, () => {
          const forge = this.sim.getRepo(rs.repoId)?.forge_url ?? "";
          const prp = this.sim.addPipeline(rs.repoId, {
            ...this.pushInput(rs, main, commit, c, author, subject),
            event: "pull_request",
            ref: `refs/pull/${pr}/head`,
            refspec: `${c.branch}:${main}`,
            title: c.subject,
            forge_url: `${forge}/pulls/${pr}`,
          });
          this.run(rs, prp, { ok: 0.88 });
        });
      });
      t += this.in(this.pace.pushGap);
    }
    this.engine.at(t + this.in(this.pace.merge), () => {
      if (rs.plan.deletesClosedPr) {
        // Webhook for the closed PR arrives, no workflow matches, the server deletes it at once.
        const closed = this.sim.addPipeline(rs.repoId, {
          event: "pull_request_closed",
          branch: main,
          ref: `refs/pull/${pr}/head`,
          author,
          sender: author,
        });
        this.sim.deletePipeline(rs.repoId, closed.number);
      }
      this.mainPush(rs, { change: c, author, subject: `${c.subject} (#${pr})` });
    });
  }

  /** A push to the default branch; in push mode this IS the production deployment. */
  /** `hotfix`: this push fixes a failed production deploy and ships at once ("sure": that deploy succeeds). */
  mainPush(
    rs: RepoState,
    o: { change: Change; author?: string; subject?: string; force?: StatusValue; hotfix?: Hotfix; dur?: Span },
  ): PipelineRecord {
    const author = o.author ?? this.rng.pick(AUTHORS);
    const commit = this.rng.hex(40);
    rs.head = { commit, change: o.change };
    const p = this.sim.addPipeline(
      rs.repoId,
      this.pushInput(rs, this.defaultBranch(rs), commit, o.change, author, o.subject ?? o.change.subject),
    );
    this.run(rs, p, { ok: 0.92, force: o.force, dur: o.dur }, (status) => this.afterMainCi(rs, p, status, o.hotfix));
    return p;
  }

  private afterMainCi(rs: RepoState, p: PipelineRecord, status: StatusValue, hotfix: Hotfix): void {
    if (rs.plan.mode === "push") {
      // Only the newest commit's failure needs action: a later push is already the fix.
      // A failure after a restart or fix (hotfix) is not restarted again: the next fix is a new commit.
      if (FAILED.has(status) && !rs.frozen && p.commit === rs.head?.commit)
        this.restore(rs, p, hotfix ? 1 : 0, (r, st) => this.afterMainCi(rs, r, st, "random"));
      return;
    }
    if (status !== "success") return;
    rs.lastGoodMain = Math.max(rs.lastGoodMain, p.number);
    if (rs.plan.staging) {
      this.later(this.pace.staging, () => {
        const d = this.sim.deploy(rs.repoId, p.number, "staging");
        this.run(rs, d, { ok: 0.95, dur: this.pace.deployRun }, (st) => {
          if (st === "success") rs.lastStaging = { deploy: d.number, source: p.number };
          // A hotfix goes on to production even if staging hiccups: promote it, or ship the push.
          if (hotfix && !rs.frozen)
            this.prodDeploy(
              rs,
              st === "success" ? d.number : p.number,
              p.number,
              hotfix === "sure" ? { force: "success" } : {},
            );
        });
      });
    } else if (hotfix && !rs.frozen) {
      this.later(this.pace.staging, () =>
        this.prodDeploy(rs, p.number, p.number, hotfix === "sure" ? { force: "success" } : {}),
      );
    }
  }

  /** A scheduled release slot: ship the newest good change if production does not run it yet. */
  prodSlot(rs: RepoState): void {
    if (rs.frozen || rs.incident || rs.plan.mode !== "deploy") return;
    const viaStaging = rs.lastStaging !== undefined && this.rng.chance(0.6);
    const from = viaStaging ? rs.lastStaging!.deploy : rs.lastGoodMain;
    const source = viaStaging ? rs.lastStaging!.source : rs.lastGoodMain;
    if (from === 0 || source <= rs.prodSource) return;
    this.prodDeploy(rs, from, source);
  }

  /** Deploy pipeline `from` (a push, or a staging deployment being promoted) to production. */
  prodDeploy(
    rs: RepoState,
    from: number,
    source: number,
    o: ProdOptions = {},
    attempt = 0,
  ): PipelineRecord | undefined {
    if (!this.sim.getPipeline(rs.repoId, from)) return undefined;
    const { via, ...run } = o;
    const d = this.sim.deploy(rs.repoId, from, "production");
    const force = run.force ?? this.deployOutcome();
    this.run(rs, d, { dur: this.pace.deployRun, ...run, force }, (st) =>
      this.afterProd(rs, d, source, st, attempt, via),
    );
    return d;
  }

  private deployOutcome(): StatusValue {
    const r = this.rng.float();
    return r < 0.84 ? "success" : r < 0.93 ? "failure" : r < 0.95 ? "error" : r < 0.98 ? "killed" : "canceled";
  }

  private afterProd(
    rs: RepoState,
    d: PipelineRecord,
    source: number,
    st: StatusValue,
    attempt: number,
    via?: Restore,
  ): void {
    if (st === "success") {
      rs.incident = false;
      if (source !== rs.prodSource) [rs.prevProdSource, rs.prodSource] = [rs.prodSource, source];
      // Now and then a bad release is rolled back by deploying the previous (older) commit again.
      const back = rs.prevProdSource;
      if (back > 0 && back < source && !rs.frozen && this.rng.chance(0.06)) {
        this.later(this.pace.rollback, () => {
          if (!rs.frozen) this.prodDeploy(rs, back, back, { force: "success" });
        });
      }
      return;
    }
    if (rs.frozen) return;
    if (FAILED.has(st)) {
      rs.incident = true;
      this.restore(rs, d, attempt, (r, s) => this.afterProd(rs, r, source, s, attempt + 1), via);
    } else {
      // killed / canceled: no attempt at all; someone starts it again a little later.
      this.later(this.pace.restart, () => {
        if (rs.frozen || !this.alive(rs, d)) return;
        const r = this.sim.restartPipeline(rs.repoId, d.number);
        this.run(
          rs,
          r,
          { dur: this.pace.deployRun, force: this.deployOutcome() === "success" ? "success" : "failure" },
          (s) => this.afterProd(rs, r, source, s, attempt),
        );
      });
    }
  }

  /** After a failed deployment: restart it (same commit) or fix forward with a new commit. */
  private restore(
    rs: RepoState,
    failed: PipelineRecord,
    attempt: number,
    after: (r: PipelineRecord, st: StatusValue) => void,
    via?: Restore,
  ): void {
    if (via === "restart" || (via === undefined && attempt === 0 && this.rng.chance(0.45))) {
      this.later(this.pace.restart, () => {
        if (rs.frozen || !this.alive(rs, failed)) return;
        const r = this.sim.restartPipeline(rs.repoId, failed.number);
        const dur = failed.event === "deployment" ? this.pace.deployRun : this.pace.ciRun;
        this.run(rs, { ...r }, { ok: 0.8, dur, force: via === "restart" ? "success" : undefined }, (st) =>
          after(r, st),
        );
      });
      return;
    }
    this.later(this.pace.fixForward, () => {
      if (rs.frozen) return;
      const c = change(this.rng, rs.plan.areas, "fix");
      // The scripted fix forward is a `git revert` of the failed deploy's commit (issue 12: rework
      // by revert). Only the message differs from a plain fix, so the history's shape is unchanged.
      const reverted = failed.message.split("\n", 1)[0]!;
      const subject = via === "fix" ? `Revert "${reverted}"\n\nThis reverts commit ${failed.commit}.` : undefined;
      this.mainPush(rs, { change: c, force: "success", hotfix: via === "fix" ? "sure" : "random", subject });
    });
  }

  /** A release tag on the current head. */
  tag(rs: RepoState): void {
    if (!rs.head) return;
    const name = `v1.${++rs.tagCounter}.0`;
    const author = this.rng.pick(AUTHORS);
    const p = this.sim.addPipeline(rs.repoId, {
      event: "tag",
      branch: this.defaultBranch(rs),
      ref: `refs/tags/${name}`,
      commit: rs.head.commit,
      message: `created tag ${name}`,
      changed_files: rs.head.change.files,
      author,
      sender: author,
      timestamp: this.sim.now(),
    });
    this.run(rs, p, { ok: 0.95 });
  }

  /** A cron pipeline: no author, sender and message are the cron's name (server/cron). */
  cron(rs: RepoState, name: string): void {
    if (!rs.head) return;
    const branch = this.defaultBranch(rs);
    const p = this.sim.addPipeline(rs.repoId, {
      event: "cron",
      branch,
      ref: `refs/heads/${branch}`,
      commit: rs.head.commit,
      message: name,
      changed_files: null,
      author: "",
      author_email: "",
      author_avatar: "",
      sender: name,
      timestamp: this.sim.now(),
    });
    this.run(rs, p, { ok: 0.9, dur: [this.pace.ciRun[0] * 2, this.pace.ciRun[1] * 2] });
  }
}
