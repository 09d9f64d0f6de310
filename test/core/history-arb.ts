// Random Woodpecker histories for the property tests. A list of actions is replayed by a small
// simulator that follows the server's rules (numbers = max + 1, so deleting the highest lets it
// be reused; restarts and deploys get parent = source number; ids never reused), then every
// pipeline gets 0..2 stale non-terminal snapshots, as a poller could have seen it earlier.
import fc from "fast-check";
import type { CoreOptions, Pipeline, Repo, RepoRules, ReworkRule } from "../../src/core/model.ts";

export const REPO: Repo = { id: 7, fullName: "acme/app", defaultBranch: "main" };

const BRANCHES = ["main", "dev", "release/1", "hotfix/login", "hotfix-2"] as const;
/** Commit messages: plain, git reverts (subject and body forms), and ones a rework rule looks for. */
const MESSAGES = [
  "feat: add cart\n",
  'Revert "feat: add cart"\n\nThis reverts commit c1.\n',
  "fix: x\n\nThis reverts commit c2.\n",
  "perf(db): index\n",
  "chore: bump\n",
  'revert "lower case is no revert"\n',
] as const;
const REWORK_RULE_SETS: readonly (readonly ReworkRule[])[] = [
  [],
  [{ branch: "release/*" }],
  [{ message: /^perf\(db\)/ }, { branch: "dev", message: /bump/ }],
];
const TARGETS = ["production", "staging", "", "prod-eu"] as const;
const OTHER_EVENTS = ["tag", "pull_request", "cron", "manual"] as const;
const STATUSES = [
  "success",
  "success",
  "success",
  "success",
  "success",
  "success",
  "failure",
  "failure",
  "error",
  "killed",
  "canceled",
  "declined",
  "skipped",
  "running",
  "pending",
  "blocked",
  "created",
] as const;
const NON_TERMINAL = ["created", "pending", "running", "blocked"] as const;
const TERMINAL = new Set(["success", "failure", "error", "killed", "canceled", "declined", "skipped"]);

const RULE_SETS: readonly (readonly RepoRules[])[] = [
  [],
  [{ repos: "other/*", rules: [{ target: "never" }] }],
  [
    {
      repos: "acme/*",
      rules: [
        { events: ["deployment"], deployTo: "prod*", target: "production" },
        { events: ["deployment"], deployTo: "", exclude: true },
        { events: ["deployment"] },
        { events: ["push"], branch: "$default_branch", target: "main-push" },
        { events: ["tag"] },
      ],
    },
  ],
  [{ repos: "*", rules: [{ events: ["push", "deployment"], branch: "{$default_branch,release/*}" }] }],
];
const FAILURE_SETS = [["failure", "error"], ["failure"], ["failure", "error", "killed"]] as const;

type Kind = "push" | "restart" | "deploy" | "orphan" | "other" | "delete" | "deleteAny";

interface Action {
  kind: Kind;
  pick: number; // which earlier pipeline / branch / commit
  branch: number;
  target: number;
  event: number;
  newCommit: boolean;
  message: number;
  status: number;
  gap: number; // created advances by gap * 50: 0 gives equal times
  duration: number;
  finishedZero: boolean;
  stale: number[]; // raw values for stale snapshots' `updated`
}

const actionArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constantFrom<Kind>(
    "push",
    "push",
    "push",
    "restart",
    "deploy",
    "deploy",
    "deploy",
    "orphan",
    "other",
    "delete",
    "deleteAny",
  ),
  pick: fc.nat(1000),
  branch: fc.nat(BRANCHES.length - 1),
  target: fc.nat(TARGETS.length - 1),
  event: fc.nat(OTHER_EVENTS.length - 1),
  newCommit: fc.boolean(),
  message: fc.nat(MESSAGES.length - 1),
  status: fc.nat(STATUSES.length - 1),
  gap: fc.nat(4),
  duration: fc.nat(600),
  finishedZero: fc.boolean(),
  stale: fc.array(fc.nat(10_000), { maxLength: 2 }),
});

export interface History {
  /** The final snapshot of every pipeline: the complete history. */
  readonly finals: readonly Pipeline[];
  /** Every snapshot a poller could see: finals plus stale ones. */
  readonly snapshots: readonly Pipeline[];
  readonly options: CoreOptions;
}

/** Whether deleted pipelines stay in `finals`, as in a running exporter that saw them first. */
type Deleted = "gone" | "kept";

export const historyArb: fc.Arbitrary<History> = fc
  .record({
    actions: fc.array(actionArb, { minLength: 1, maxLength: 60, size: "max" }),
    deleted: fc.constantFrom<Deleted>("gone", "gone", "kept"),
    rules: fc.nat(RULE_SETS.length - 1),
    failures: fc.nat(FAILURE_SETS.length - 1),
    sinceAt: fc.option(fc.nat(2000), { freq: 2 }),
    rework: fc.nat(REWORK_RULE_SETS.length - 1),
  })
  .map(({ actions, deleted, rules, failures, sinceAt, rework }) => {
    const { finals, stale } = replay(actions, deleted);
    const options: CoreOptions = {
      failureStatuses: new Set(FAILURE_SETS[failures]),
      repoRules: RULE_SETS[rules]!,
      since: sinceAt === null ? 0 : 1000 + sinceAt * 5,
      reworkRules: REWORK_RULE_SETS[rework]!,
    };
    return { finals, snapshots: [...finals, ...stale], options };
  });

function replay(actions: readonly Action[], deleted: Deleted): { finals: Pipeline[]; stale: Pipeline[] } {
  const live: Pipeline[] = []; // in creation order
  const kept: Pipeline[] = []; // deleted ones a running exporter still holds
  const staleById = new Map<number, Pipeline[]>();
  let clock = 1000;
  let nextId = 100;
  let commitSeq = 0;
  const anyCommit = (pick: number) => (live.length === 0 ? "c0" : live[pick % live.length]!.commit);

  for (const a of actions) {
    if (a.kind === "delete" || a.kind === "deleteAny") {
      if (live.length === 0) continue;
      // Deleting the highest number lets the next pipeline reuse it; any other leaves a gap.
      const victim =
        a.kind === "delete" ? live.reduce((m, p) => (p.number > m.number ? p : m)) : live[a.pick % live.length]!;
      live.splice(live.indexOf(victim), 1);
      if (deleted === "kept") kept.push(victim);
      else staleById.delete(victim.id);
      continue;
    }
    const from = live.length === 0 ? undefined : live[a.pick % live.length]!;
    let shape: Pick<Pipeline, "event" | "branch" | "commit" | "deployTo" | "parent" | "message">;
    const message = MESSAGES[a.message]!;
    switch (a.kind) {
      case "push":
        shape = {
          event: "push",
          branch: BRANCHES[a.branch]!,
          commit: a.newCommit ? `c${++commitSeq}` : anyCommit(a.pick),
          deployTo: "",
          parent: 0,
          message,
        };
        break;
      case "restart":
        if (!from) continue;
        shape = {
          event: from.event,
          branch: from.branch,
          commit: from.commit,
          deployTo: from.deployTo,
          parent: from.number,
          message: from.message,
        };
        break;
      case "deploy":
        if (!from) continue;
        shape = {
          event: "deployment",
          branch: from.branch,
          commit: from.commit,
          deployTo: TARGETS[a.target]!,
          parent: from.number,
          message: from.message,
        };
        break;
      case "orphan":
        shape = {
          event: "deployment",
          branch: BRANCHES[a.branch]!,
          commit: a.newCommit ? `g${++commitSeq}` : anyCommit(a.pick),
          deployTo: TARGETS[a.target]!,
          parent: 0,
          message,
        };
        break;
      case "other":
        shape = {
          event: OTHER_EVENTS[a.event]!,
          branch: BRANCHES[a.branch]!,
          commit: anyCommit(a.pick),
          deployTo: "",
          parent: 0,
          message,
        };
        break;
    }
    clock += a.gap * 50;
    const created = clock;
    const status = STATUSES[a.status]!;
    const terminal = TERMINAL.has(status);
    const finished = terminal && !a.finishedZero ? created + a.duration : 0;
    const updated = Math.max(created, finished) + 1 + (a.duration % 7);
    const number = live.reduce((m, p) => Math.max(m, p.number), 0) + 1;
    const final: Pipeline = {
      id: nextId++,
      number,
      status,
      created,
      updated,
      finished,
      started: finished ? created + 1 : 0,
      ref: `refs/heads/${shape.branch}`,
      ...shape,
    };
    live.push(final);
    // Stale views: non-terminal, and older than the final one unless the final is terminal (then
    // even a stale snapshot with a later `updated`, from clock skew, must lose).
    const span = terminal ? 10_000 : updated - created;
    staleById.set(
      final.id,
      a.stale.map((raw, i) => ({
        ...final,
        status: NON_TERMINAL[(raw + i) % NON_TERMINAL.length]!,
        finished: 0,
        started: 0,
        updated: created + (raw % span),
      })),
    );
  }
  return { finals: [...kept, ...live], stale: [...staleById.values()].flat() };
}
