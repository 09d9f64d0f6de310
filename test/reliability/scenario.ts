// Random scenarios for the reliability properties: a history (several repos and targets, all
// events and statuses, restarts, deployments of old commits, deletions with number reuse, a
// rename, agent clock skew, pipelines running for days) interleaved with polls, each poll under a
// random set of faults. Replayed against a World; the test then lets faults stop, polls once more
// and compares with the oracle.
import fc from "fast-check";
import type { Fault, FaultRule, RequestMatcher } from "../../src/simulator/faults.ts";
import type { World } from "./harness.ts";

export const ENDS = [
  "success",
  "success",
  "success",
  "failure",
  "error",
  "killed",
  "canceled",
  "skipped",
  "declined",
  "running",
  "pending",
  "blocked",
] as const;
const BRANCHES = ["main", "main", "dev", "hotfix/db"] as const;
const TARGETS = ["production", "production", "staging", ""] as const;
const OTHER = ["pull_request", "tag", "cron", "manual"] as const;

export type Step =
  | {
      t: "push";
      repo: number;
      branch: number;
      newCommit: boolean;
      pick: number;
      end: number;
      dur: number;
      skew: boolean;
    }
  | { t: "bulk"; repo: number; n: number; failEvery: number }
  | { t: "deploy"; repo: number; pick: number; target: number; end: number; dur: number; skew: boolean }
  | { t: "restart"; repo: number; pick: number; end: number; dur: number }
  | { t: "other"; repo: number; event: number; end: number }
  | { t: "finish"; repo: number; pick: number; end: number; skew: boolean }
  | { t: "delete"; repo: number; highest: boolean; pick: number }
  | { t: "rename"; repo: number }
  | { t: "advance"; seconds: number }
  | { t: "poll"; faults: FaultSpec[] };

export interface FaultSpec {
  fault: number;
  where: number;
  skip: number;
  times: number;
  probability: number;
}

const PICK = fc.nat(1000);
const END = fc.nat(ENDS.length - 1);
const DUR = fc.integer({ min: 0, max: 900 });

/** The kinds of fault, by index (FaultSpec.fault). Actions (page shift, deletion) need the world. */
export const FAULTS: readonly (Fault | "page-shift" | "delete-while-paging" | "delete-highest-while-paging")[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 502 },
  { kind: "status", status: 503 },
  { kind: "status", status: 503, retryAfter: 0 },
  { kind: "status", status: 429 },
  { kind: "status", status: 429, retryAfter: 0 },
  { kind: "status", status: 404 },
  { kind: "refused" },
  { kind: "reset" },
  { kind: "hang", maxMs: 300 },
  { kind: "slow", ms: 5 },
  { kind: "html" },
  { kind: "truncated" },
  { kind: "invalid-json" },
  { kind: "wrong-types" },
  { kind: "missing-fields" },
  { kind: "v2-keys" },
  { kind: "extra-fields" },
  { kind: "revoked" },
  "page-shift",
  "delete-while-paging",
  "delete-highest-while-paging",
];

const LIST = /\/api\/repos\/\d+\/pipelines$/;
/** Where a fault applies (FaultSpec.where). */
export const WHERE: readonly (RequestMatcher | undefined)[] = [
  undefined,
  /^\/api\/user$/,
  /^\/api\/user\/repos$/,
  LIST,
  (url) => LIST.test(url.pathname) && url.searchParams.has("before"), // later pages of a listing
  /\/api\/repos\/\d+\/pipelines\/\d+$/,
  /^\/version$/,
];

const faultSpec: fc.Arbitrary<FaultSpec> = fc.record({
  fault: fc.nat(FAULTS.length - 1),
  where: fc.nat(WHERE.length - 1),
  skip: fc.constantFrom(0, 0, 0, 1, 2, 3),
  times: fc.integer({ min: 1, max: 3 }),
  probability: fc.constantFrom(1, 1, 0.5),
});

const step = (repos: number): fc.Arbitrary<Step> => {
  const repo = fc.nat(repos - 1);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant("push" as const),
        repo,
        branch: fc.nat(BRANCHES.length - 1),
        newCommit: fc.boolean(),
        pick: PICK,
        end: END,
        dur: DUR,
        skew: fc.nat(4).map((n) => n === 0),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant("bulk" as const),
        repo,
        n: fc.integer({ min: 10, max: 70 }),
        failEvery: fc.integer({ min: 2, max: 9 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant("deploy" as const),
        repo,
        pick: PICK,
        target: fc.nat(TARGETS.length - 1),
        end: END,
        dur: DUR,
        skew: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("restart" as const), repo, pick: PICK, end: END, dur: DUR }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("other" as const), repo, event: fc.nat(OTHER.length - 1), end: END }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant("finish" as const), repo, pick: PICK, end: fc.nat(8), skew: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("delete" as const), repo, highest: fc.boolean(), pick: PICK }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("rename" as const), repo }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant("advance" as const),
        seconds: fc.constantFrom(60, 3600, 86_400, 3 * 86_400),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant("poll" as const),
        faults: fc.array(faultSpec, { maxLength: 3, size: "max" }),
      }),
    },
  );
};

export interface Scenario {
  /** Per repo: whether it deploys with deployment events (else push-to-main). */
  repos: boolean[];
  steps: Step[];
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .array(fc.boolean(), { minLength: 1, maxLength: 3 })
  .chain((repos) =>
    fc.record({
      repos: fc.constant(repos),
      steps: fc.array(step(repos.length), { minLength: 1, maxLength: 40, size: "max" }),
    }),
  );

/** Create the scenario's repos. */
export function setupRepos(world: World, s: Scenario): void {
  s.repos.forEach((deploys, i) => world.addRepo(`acme/app-${i}`, deploys));
}

/** Apply one history step to the world (not a poll). Returns whether the repo was renamed or may have switched mode. */
export function applyStep(world: World, st: Exclude<Step, { t: "poll" }>): void {
  const { sim } = world;
  if (st.t === "advance") {
    world.clock += st.seconds;
    return;
  }
  const info = world.repos[st.repo]!;
  const id = info.id;
  const all = sim.listPipelines(id);
  const pick = (n: number, ok: (p: (typeof all)[number]) => boolean = () => true) => {
    const c = all.filter(ok);
    return c.length === 0 ? undefined : c[n % c.length];
  };
  world.clock += 1 + (((st as { dur?: number }).dur ?? 30) % 97);
  switch (st.t) {
    case "push": {
      const branch = BRANCHES[st.branch]!;
      const old = pick(st.pick, (p) => p.event === "push");
      const commit = st.newCommit || !old ? world.newCommit() : old.commit;
      // Now and then a git revert (rework by revert; hotfix/db gives rework by hotfix).
      const message =
        st.dur % 5 === 0 ? `Revert "feat: ${commit.slice(0, 7)}"\n\nThis reverts commit ${commit}.\n` : "feat: more\n";
      const p = sim.addPipeline(id, { event: "push", branch, commit, ref: `refs/heads/${branch}`, message });
      world.drive(id, p, ENDS[st.end]!, st.dur, st.skew);
      break;
    }
    case "bulk":
      for (let i = 0; i < st.n; i++) {
        world.clock += 7;
        const p = sim.addPipeline(id, {
          event: "push",
          branch: "main",
          commit: world.newCommit(),
          ref: "refs/heads/main",
        });
        world.drive(id, p, i % st.failEvery === 0 ? "failure" : "success", 5);
      }
      break;
    case "deploy": {
      if (!info.deploys) return;
      const from = pick(st.pick, (p) => p.event === "push" || p.event === "deployment" || p.event === "tag");
      if (!from) return;
      const p = sim.deploy(id, from.number, TARGETS[st.target]!);
      world.drive(id, p, ENDS[st.end]!, st.dur, st.skew);
      break;
    }
    case "restart": {
      const from = pick(st.pick, (p) => p.status !== "blocked");
      if (!from) return;
      const p = sim.restartPipeline(id, from.number);
      world.drive(id, p, ENDS[st.end]!, st.dur);
      break;
    }
    case "other": {
      // Known open bug (see known-bugs.test.ts): a tag/manual/... pipeline that REUSES the number
      // of a deleted pipeline the exporter kept, deployed from later, resolves the wrong parent
      // (the exporter never lists those events). Not generated here; pinned there.
      const next = Math.max(0, ...all.map((p) => p.number)) + 1;
      const reuses = [...world.deleted].some(
        ([delId, repoId]) => repoId === id && world.snapshots.get(delId)?.[0]?.number === next,
      );
      if (reuses) return;
      const event = OTHER[st.event]!;
      const p = sim.addPipeline(id, { event, branch: "main", commit: pick(0)?.commit ?? world.newCommit() });
      world.drive(id, p, ENDS[st.end]!, 60);
      break;
    }
    case "finish": {
      const p = pick(st.pick, (q) => ["created", "pending", "running", "blocked"].includes(q.status));
      if (p) world.finish(id, p.number, ENDS[st.end]!, st.skew);
      break;
    }
    case "delete": {
      const p = st.highest ? all[0] : pick(st.pick);
      if (p) world.delete(id, p.number);
      break;
    }
    case "rename":
      sim.renameRepo(id, `${sim.getRepo(id)!.full_name}-r`);
      break;
  }
}

/** Arm a poll's faults on the world's injector. */
export function armFaults(world: World, specs: FaultSpec[]): void {
  for (const f of specs) {
    const kind = FAULTS[f.fault]!;
    const rule: { -readonly [K in keyof FaultRule]: FaultRule[K] } = {
      match: WHERE[f.where],
      fault: typeof kind === "string" ? { kind: "none" } : kind,
      skip: f.skip,
      times: f.times,
      probability: f.probability,
    };
    // A 404 is Woodpecker's word for "deleted": injected on a single pipeline it would be a
    // deletion the world does not know of. So it is the repo that 404s (deleted, or not readable
    // while permissions sync): every request under it, for the whole poll.
    if (kind !== "page-shift" && typeof kind !== "string" && kind.kind === "status" && kind.status === 404) {
      rule.match = /^\/api\/repos\/\d+(\/|$)/;
      rule.times = undefined;
      rule.skip = 0;
      rule.probability = undefined;
    }
    if (typeof kind === "string") {
      // State changes while the exporter pages: only on pipeline listings, of the listed repo.
      rule.match = f.where === 4 ? WHERE[4] : LIST;
      rule.action = (url) => {
        const repoId = Number(/\/api\/repos\/(\d+)\//.exec(url.pathname)?.[1]);
        const all = world.sim.listPipelines(repoId);
        if (kind === "page-shift") {
          for (let i = 0; i < 1 + (f.skip % 3) * 10; i++) {
            world.clock += 1;
            const p = world.sim.addPipeline(repoId, {
              event: "push",
              branch: "main",
              commit: world.newCommit(),
              ref: "refs/heads/main",
            });
            world.drive(repoId, p, i % 4 === 0 ? "failure" : "success", 3);
          }
        } else if (all.length > 0) {
          const victim =
            kind === "delete-highest-while-paging" ? all[0]! : all[(f.skip * 17 + all.length) % all.length]!;
          world.delete(repoId, victim.number);
        }
      };
    }
    world.faults.add(rule);
  }
}
