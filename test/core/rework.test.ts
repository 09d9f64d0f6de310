// Rework (DEFINITIONS "The fifth key: rework rate (DORA 2024)"): each reason on a hand-written
// history, their order of precedence, and what reasons 2-4 read (source change vs. D itself).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { computeRepoDora } from "../../src/core/dora.ts";
import { messageKeeper } from "../../src/core/rework.ts";
import type { Pipeline, ReworkRule } from "../../src/core/model.ts";
import type { ReworkReason } from "../../src/core/state.ts";
import { REPO, deploy, opts, pl } from "./helpers.ts";
import { REPO as HREPO, historyArb } from "./history-arb.ts";
import { fcParams } from "./property-params.ts";

/** [deployment number, reason] of every rework deployment to `name`. */
function rework(pipelines: Pipeline[], rules: ReworkRule[] = [], name = "production"): [number, ReworkReason][] {
  const t = computeRepoDora(REPO, pipelines, opts({ reworkRules: rules })).targets.find((x) => x.target === name);
  if (!t) throw new Error(`no target ${name}`);
  return t.rework.map((r) => [r.deploymentNumber, r.reason]);
}

const REVERT = 'Revert "feat: coupons"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n';

describe("rollback", () => {
  test("an older source than the watermark is a rollback; a redeploy of exactly W is not", () => {
    const p1 = pl({ id: 1 });
    const p2 = pl({ id: 2 });
    expect(
      rework([
        p1,
        p2,
        deploy(p2, { id: 3 }), // W(main) = 2
        deploy(p2, { id: 4 }), // redeploy of W: not rework
        deploy(p1, { id: 5 }), // source 1 < W: rollback, W stays 2
        deploy(p1, { id: 6 }), // still older than W: another rollback
        deploy(p2, { id: 7 }), // back to W: a redeploy, not rework
      ]),
    ).toEqual([
      [5, "rollback"],
      [6, "rollback"],
    ]);
  });

  test("watermarks are per target and per branch: the first deploy of a branch is never a rollback", () => {
    const m1 = pl({ id: 1 });
    const d2 = pl({ id: 2, branch: "dev" });
    const m3 = pl({ id: 3 });
    const history = [
      m1,
      d2,
      m3,
      deploy(m3, { id: 4 }), // W(production, main) = 3
      deploy(d2, { id: 5 }), // dev's first: delivers 2, no rollback though 2 < 3
      deploy(m1, { id: 6, deployTo: "staging" }), // staging's first
      deploy(m1, { id: 7 }), // production: 1 < 3, rollback
    ];
    expect(rework(history)).toEqual([[7, "rollback"]]);
    expect(rework(history, [], "staging")).toEqual([]);
  });

  test("failed deployments are never rework", () => {
    const p1 = pl({ id: 1 });
    const p2 = pl({ id: 2, message: REVERT });
    expect(
      rework([
        p1,
        p2,
        deploy(p1, { id: 3 }),
        deploy(p2, { id: 4, status: "failure" }),
        deploy(p1, { id: 5, status: "error" }),
      ]),
    ).toEqual([]);
  });
});

describe("revert", () => {
  test("git's subject form and body form both count; a look-alike does not", () => {
    const subject = pl({ id: 1, message: 'Revert "feat: coupons"\n' });
    const body = pl({ id: 2, message: "fix: undo coupons\n\nThis reverts commit abc.\n" });
    const lower = pl({ id: 3, message: 'revert "feat: coupons"\n' });
    const quoted = pl({ id: 4, message: "docs: explain Revert handling\n" });
    expect(
      rework([
        subject,
        deploy(subject, { id: 5 }),
        body,
        deploy(body, { id: 6 }),
        lower,
        deploy(lower, { id: 7 }),
        quoted,
        deploy(quoted, { id: 8 }),
      ]),
    ).toEqual([
      [5, "revert"],
      [6, "revert"],
    ]);
  });

  test("the message read is the source change's representative push, not D's own nor a later push's", () => {
    const first = pl({ id: 1, commit: "x", message: "feat: coupons\n" });
    const again = pl({ id: 2, commit: "x", message: REVERT }); // same change, later push: not the representative
    const d = deploy(first, { id: 3, message: REVERT }); // D's own message is not read when S(D) exists
    expect(rework([first, again, d])).toEqual([]);
    const revertPush = pl({ id: 4, message: REVERT });
    expect(rework([first, again, d, revertPush, deploy(revertPush, { id: 5, message: "deploy\n" })])).toEqual([
      [5, "revert"],
    ]);
  });

  test("with the source missing, D's own branch and message are read", () => {
    const orphanRevert = pl({ id: 1, event: "deployment", deployTo: "production", commit: "gone", message: REVERT });
    const orphanHotfix = pl({
      id: 2,
      event: "deployment",
      deployTo: "production",
      commit: "gone2",
      branch: "hotfix/login",
    });
    const plain = pl({ id: 3, event: "deployment", deployTo: "production", commit: "gone3" });
    expect(rework([orphanRevert, orphanHotfix, plain])).toEqual([
      [1, "revert"],
      [2, "hotfix"],
    ]);
  });
});

describe("hotfix", () => {
  test("source branches hotfix/* and hotfix-* (case-sensitive, slashes included)", () => {
    const ps = ["hotfix/login", "hotfix-42", "hotfix/a/b", "Hotfix/x", "hotfixes", "fix/hotfix-1"].map((branch, i) =>
      pl({ id: i + 1, branch, ref: `refs/heads/${branch}` }),
    );
    const deploys = ps.map((p, i) => deploy(p, { id: 10 + i }));
    expect(rework([...ps, ...deploys])).toEqual([
      [10, "hotfix"],
      [11, "hotfix"],
      [12, "hotfix"],
    ]);
  });

  test("the branch read is S(D)'s: a deployment from main of a hotfix push's commit is a hotfix", () => {
    const h = pl({ id: 1, branch: "hotfix/db" });
    // Deployed via parent: the deployment itself says branch main.
    expect(rework([h, deploy(h, { id: 2, branch: "main" })])).toEqual([[2, "hotfix"]]);
  });
});

describe("user rules", () => {
  test("branch glob, unanchored message search, and both (then both must hold)", () => {
    const release = pl({ id: 1, branch: "release/2" });
    const perf = pl({ id: 2, message: "chore: x\n\nperf(db): index\n" });
    const bothOk = pl({ id: 3, branch: "dev", message: "bump deps\n" });
    const onlyBranch = pl({ id: 4, branch: "dev", message: "feat\n" });
    const onlyMessage = pl({ id: 5, branch: "main", message: "bump\n" });
    const rules: ReworkRule[] = [
      { branch: "release/*" },
      { message: /perf\(db\)/ },
      { branch: "dev", message: /bump/ },
    ];
    const ps = [release, perf, bothOk, onlyBranch, onlyMessage];
    const history = [...ps, ...ps.map((p, i) => deploy(p, { id: 10 + i }))];
    expect(rework(history, rules)).toEqual([
      [10, "rule"],
      [11, "rule"],
      [12, "rule"],
    ]);
    expect(rework(history, [])).toEqual([]);
  });
});

describe("precedence: each deployment counts once, with the first reason that holds", () => {
  test("rollback beats revert; revert beats hotfix; hotfix beats a rule", () => {
    const r1 = pl({ id: 1, message: REVERT });
    const p2 = pl({ id: 2 });
    const hx = pl({ id: 3, branch: "hotfix/x", message: REVERT });
    const hr = pl({ id: 4, branch: "hotfix-y", message: "perf(db)\n" });
    const rules: ReworkRule[] = [{ message: /perf/ }, { branch: "hotfix*" }];
    const history = [
      r1,
      p2,
      deploy(p2, { id: 5 }), // W(main) = 2
      deploy(r1, { id: 6 }), // both a rollback (1 < 2) and a revert: one rework, reason rollback
      hx,
      deploy(hx, { id: 7 }), // revert and hotfix: revert
      hr,
      deploy(hr, { id: 8 }), // hotfix and both rules: hotfix
    ];
    expect(rework(history, rules)).toEqual([
      [6, "rollback"],
      [7, "revert"],
      [8, "hotfix"],
    ]);
    const t = computeRepoDora(REPO, history, opts({ reworkRules: rules })).targets[0]!;
    expect(t.rework.length).toBe(3);
    expect(t.deployments).toBe(4);
  });
});

describe("messageKeeper: only messages a reason can match are stored, with the same state", () => {
  test("plain messages become empty; reverts and rule matches stay verbatim", () => {
    const keep = messageKeeper([{ message: /perf\(db\)/ }, { branch: "dev" }]);
    expect(keep("feat: coupons\n")).toBe("");
    expect(keep(REVERT)).toBe(REVERT);
    expect(keep("x\n\nThis reverts commit abc.\n")).toBe("x\n\nThis reverts commit abc.\n");
    expect(keep("chore: perf(db) index\n")).toBe("chore: perf(db) index\n");
    expect(messageKeeper([])("feat\n")).toBe("");
  });

  test('a rule that matches the empty message keeps every message ("" would answer differently)', () => {
    const keep = messageKeeper([{ message: /^(?!feat)/ }]);
    expect(keep("feat: x\n")).toBe("feat: x\n");
    expect(keep("fix: y\n")).toBe("fix: y\n");
  });

  test("property: the state of the kept messages equals the state of the full messages", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const keep = messageKeeper(h.options.reworkRules);
        const kept = h.snapshots.map((p) => ({ ...p, message: keep(p.message) }));
        expect(computeRepoDora(HREPO, kept, h.options)).toEqual(computeRepoDora(HREPO, h.snapshots, h.options));
      }),
      fcParams(1000),
    );
  });
});
