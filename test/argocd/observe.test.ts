// Hand-written GitOps histories through the observation model: each one drives the simulated
// ArgoCD, sights the app as the client would, and checks what docs/DEFINITIONS.md says it means.
import { describe, expect, test } from "bun:test";
import {
  addSighting,
  deriveObservations,
  emptyFacts,
  factsFromJson,
  factsToJson,
  type ArgoObservation,
  type Facts,
} from "../../src/argocd/observe.ts";
import { makeArgo, sight, T0 } from "./helpers.ts";

const HOUR = 3600;
const img = (sha: string) => `registry.example.com/acme/shop-api:${sha}`;

/** A session that sights one app after every step, as a poller plus stream would. */
function session(opts: { limit?: number } = {}) {
  const { state, clock } = makeArgo();
  // Created Missing, so the only health transitions are the ones a test makes.
  state.addApp({ name: "shop", images: [img("0000000")], revisionHistoryLimit: opts.limit, health: "Missing" });
  let facts: Facts = emptyFacts();
  let seen = 0;
  const look = () => {
    facts = addSighting(facts, sight(state, "shop"), ++seen);
  };
  const uid = state.get("shop")?.uid ?? "";
  return {
    state,
    clock,
    uid,
    look,
    at(t: number) {
      clock.t = T0 + t;
    },
    /** A sync started at `t` that ends `outcome` 30 s later; sighted while running and after. */
    sync(
      t: number,
      revision: string,
      images: string[],
      outcome: "Succeeded" | "Failed" | "Error" = "Succeeded",
      extra = {},
    ) {
      this.at(t);
      state.startSync("shop", { revision, images, ...extra });
      look();
      this.at(t + 30);
      state.finishSync("shop", outcome);
      look();
    },
    health(t: number, status: "Healthy" | "Degraded" | "Progressing") {
      this.at(t);
      state.setHealth("shop", status);
      look();
    },
    observations(window = HOUR): ArgoObservation[] {
      return deriveObservations(facts, window);
    },
    get facts() {
      return facts;
    },
  };
}

const brief = (o: ArgoObservation) =>
  o.kind === "deployment"
    ? `deploy#${o.id}@${o.time - T0}[${o.revisions.join(",")}]`
    : o.kind === "failure"
      ? `fail:${o.cause}@${o.time - T0}`
      : `restore@${o.time - T0}`;

describe("deployments from status.history", () => {
  test("a rollout: each sync to a new revision is a deployment, with its time, created and images", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.sync(1000, "bbb", [img("2222222")]);
    const obs = s.observations();
    expect(obs.map(brief)).toEqual(["deploy#0@130[aaa]", "deploy#1@1030[bbb]"]);
    const [first, second] = obs;
    expect(first).toMatchObject({ key: `${s.uid}/history/0`, created: T0 + 100, images: [img("1111111")] });
    expect(second).toMatchObject({ key: `${s.uid}/history/1`, created: T0 + 1000, images: [img("2222222")] });
  });

  test("self-heal and manual re-syncs of the same revision are no deployments", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.sync(500, "aaa", [img("1111111")]);
    s.sync(900, "aaa", [img("1111111")], "Succeeded", { username: "admin" });
    s.sync(1300, "bbb", [img("2222222")]);
    expect(s.observations().map(brief)).toEqual(["deploy#0@130[aaa]", "deploy#3@1330[bbb]"]);
  });

  test("a rollback to an older revision and image is a deployment, with the older image", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.sync(1000, "bbb", [img("2222222")]);
    s.sync(2000, "aaa", [img("1111111")]);
    const obs = s.observations();
    expect(obs.map(brief)).toEqual(["deploy#0@130[aaa]", "deploy#1@1030[bbb]", "deploy#2@2030[aaa]"]);
    expect(obs[2]).toMatchObject({ images: [img("1111111")] });
  });

  test("entries truncated by revisionHistoryLimit stay observed once seen", () => {
    const s = session({ limit: 2 });
    for (let i = 0; i < 5; i++) s.sync(100 + i * 1000, `rev${i}`, [img(`${i}`.repeat(7))]);
    expect(s.state.json(s.state.get("shop")!).status).toMatchObject({ history: [{ id: 3 }, { id: 4 }] });
    expect(s.observations().filter((o) => o.kind === "deployment")).toHaveLength(5);
  });

  test("multi-source apps compare all revisions", () => {
    const { state, clock } = makeArgo();
    state.addApp({
      name: "multi",
      sources: [{ repoURL: "https://git.example.com/a.git" }, { repoURL: "https://git.example.com/b.git" }],
    });
    let facts = emptyFacts();
    const step = (t: number, revs: string[]) => {
      clock.t = T0 + t;
      state.sync("multi", { revision: revs });
      facts = addSighting(facts, sight(state, "multi"), t);
    };
    step(100, ["a1", "b1"]);
    step(200, ["a1", "b1"]);
    step(300, ["a1", "b2"]);
    const deps = deriveObservations(facts, HOUR).filter((o) => o.kind === "deployment");
    expect(deps.map((d) => (d.kind === "deployment" ? d.revisions.join("+") : ""))).toEqual(["a1+b1", "a1+b2"]);
  });
});

describe("failed deployments", () => {
  test("a failed sync, then fixed: one failure (time finishedAt, created startedAt), then the deployment", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.sync(1000, "bbb", [img("2222222")], "Failed");
    s.sync(2000, "ccc", [img("3333333")]);
    const obs = s.observations();
    expect(obs.map(brief)).toEqual(["deploy#0@130[aaa]", "fail:sync@1030", "deploy#1@2030[ccc]"]);
    expect(obs[1]).toMatchObject({ key: `${s.uid}/sync/${T0 + 1000}`, created: T0 + 1000, ref: T0 + 1000 });
  });

  test("an Error phase is a failure too", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")], "Error");
    expect(s.observations().map(brief)).toEqual(["fail:sync@130"]);
  });

  test("retries keep the operation Running; it counts once, when it ends Failed", () => {
    const s = session();
    s.at(100);
    s.state.startSync("shop", { revision: "bbb", images: [img("2222222")] });
    s.look();
    for (let i = 1; i <= 3; i++) {
      s.at(100 + i * 60);
      s.state.retrySync("shop");
      s.look();
      expect(s.observations()).toEqual([]);
    }
    s.at(400);
    s.state.finishSync("shop", "Failed");
    s.look();
    s.look();
    expect(s.observations().map(brief)).toEqual(["fail:sync@400"]);
  });

  test("a terminated sync (Terminating, then Failed) is one failure", () => {
    const s = session();
    s.at(100);
    s.state.startSync("shop", { revision: "bbb", images: [img("2222222")] });
    s.look();
    s.at(160);
    s.state.terminateSync("shop");
    s.look();
    expect(s.observations().map(brief)).toEqual(["fail:sync@160"]);
  });

  test("dry runs and partial syncs are never attempts, whatever their outcome", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")], "Failed", { dryRun: true });
    s.sync(200, "aaa", [img("1111111")], "Succeeded", { dryRun: true });
    s.sync(300, "aaa", [img("1111111")], "Failed", { resources: [{ kind: "Deployment", name: "shop" }] });
    s.sync(400, "aaa", [img("1111111")], "Error", { resources: [{ kind: "Deployment", name: "shop" }] });
    s.sync(500, "aaa", [img("1111111")], "Succeeded", { resources: [{ kind: "Deployment", name: "shop" }] });
    expect(s.observations()).toEqual([]);
    expect(s.state.json(s.state.get("shop")!).status).not.toHaveProperty("history");
  });

  test("an operation replaced before the next poll is still counted when the stream showed it", () => {
    const s = session();
    s.sync(100, "bbb", [img("2222222")], "Failed"); // sighted (the stream)
    s.at(200);
    s.state.sync("shop", { revision: "ccc", images: [img("3333333")] }); // not sighted in between
    s.look();
    expect(s.observations().map(brief)).toEqual(["fail:sync@130", "deploy#0@230[ccc]"]);
  });
});

describe("health: degradations and restores", () => {
  test("degraded after a rollout, then healthy without a new deployment: one failure, one restore", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.health(700, "Degraded");
    s.health(1300, "Healthy");
    const obs = s.observations();
    expect(obs.map(brief)).toEqual(["deploy#0@130[aaa]", "fail:degraded@700", "restore@1300"]);
    expect(obs[1]).toMatchObject({ key: `${s.uid}/degraded/0`, ref: 0 });
  });

  test("at most one degradation per deployment; a re-sync does not restart the window", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.health(200, "Degraded");
    s.health(300, "Healthy");
    s.sync(400, "aaa", [img("1111111")]); // self-heal re-sync: no deployment, window still from 130
    s.health(500, "Degraded");
    s.health(600, "Healthy");
    expect(s.observations().map(brief)).toEqual([
      "deploy#0@130[aaa]",
      "fail:degraded@200",
      "restore@300",
      "restore@600",
    ]);
  });

  test("a degradation outside ARGOCD_DEGRADED_WINDOW is no failure (the restore still is a restore)", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    s.health(130 + HOUR + 1, "Degraded");
    s.health(130 + HOUR + 100, "Healthy");
    expect(s.observations(HOUR).map(brief)).toEqual(["deploy#0@130[aaa]", `restore@${130 + HOUR + 100}`]);
    expect(s.observations(2 * HOUR).map(brief)).toContain(`fail:degraded@${130 + HOUR + 1}`);
    // Exactly at the window's end still counts (≤).
    const t = session();
    t.sync(100, "aaa", [img("1111111")]);
    t.health(130 + HOUR, "Degraded");
    expect(t.observations(HOUR).map(brief)).toContain(`fail:degraded@${130 + HOUR}`);
  });

  test("degradations of two deployments count once each; none before any deployment", () => {
    const s = session();
    s.health(50, "Degraded");
    s.health(60, "Healthy");
    s.sync(100, "aaa", [img("1111111")]);
    s.health(200, "Degraded");
    s.health(250, "Progressing");
    s.health(300, "Degraded");
    s.sync(1000, "bbb", [img("2222222")]);
    s.health(1050, "Healthy");
    s.health(1100, "Degraded");
    const failures = s
      .observations()
      .filter((o) => o.kind === "failure")
      .map(brief);
    expect(failures).toEqual(["fail:degraded@200", "fail:degraded@1100"]);
  });
});

describe("first contact", () => {
  test("counts what ArgoCD still shows: listed entries, a failed latest operation, the current health", () => {
    const { state, clock } = makeArgo();
    state.addApp({ name: "old", images: [img("0000000")] });
    // Twelve syncs before the exporter exists: history keeps the last 10 (ids 2..11).
    for (let i = 0; i < 12; i++) {
      clock.t = T0 + i * 1000;
      state.sync("old", { revision: i < 6 ? "r-early" : `r${i}`, images: [img(`${i}`.padStart(7, "a"))] });
    }
    clock.t = T0 + 20_000;
    state.sync("old", { revision: "r-bad", images: [img("bad0bad")], outcome: "Failed" });
    clock.t = T0 + 20_100;
    state.setHealth("old", "Degraded");
    const obs = deriveObservations(addSighting(emptyFacts(), sight(state, "old"), 1), 8 * 3600);
    const deps = obs.filter((o) => o.kind === "deployment");
    // id 2 is the oldest ever seen (counts, although id 1 had the same revision); 3..5 repeat it.
    expect(deps.map((d) => (d.kind === "deployment" ? d.id : -1))).toEqual([2, 6, 7, 8, 9, 10, 11]);
    // Only the newest entry's images are known.
    expect(deps.map((d) => (d.kind === "deployment" ? d.images : null))).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      [img("aaaaa11")],
    ]);
    expect(obs.filter((o) => o.kind === "failure").map(brief)).toEqual(["fail:sync@20030", "fail:degraded@20100"]);
  });

  test(
    "first contact with a Healthy app gives a restore at " + "its lastTransitionTime (a no-op without an incident)",
    () => {
      const { state, clock } = makeArgo();
      clock.t = T0 + 5;
      state.addApp({ name: "calm" });
      const obs = deriveObservations(addSighting(emptyFacts(), sight(state, "calm"), 1), HOUR);
      expect(obs.map(brief)).toEqual(["restore@5"]);
    },
  );

  test("an entry's images are those of its first sighting, not of a later one", () => {
    const s = session();
    s.sync(100, "aaa", [img("1111111")]);
    // A failed sync that applied part of its manifests: pods now run its image, the entry is
    // still the newest, and its operation is no longer the latest: a later sighting would read
    // the summary's images for it.
    s.sync(1000, "bbb", [img("2222222")], "Failed");
    const status = s.state.get("shop")!.body.status as { summary: { images: string[] } };
    status.summary.images = [img("2222222")];
    s.look();
    const late = addSighting(emptyFacts(), sight(s.state, "shop"), 99);
    expect(deriveObservations(late, HOUR)[0]).toMatchObject({ kind: "deployment", images: [img("2222222")] });
    const [d] = s.observations();
    expect(d).toMatchObject({ kind: "deployment", images: [img("1111111")] });
  });
});

test("facts survive a JSON round trip (the durable state's form)", () => {
  const s = session();
  s.sync(100, "aaa", [img("1111111")]);
  s.sync(1000, "bbb", [img("2222222")], "Failed");
  s.health(1100, "Degraded");
  const json = JSON.parse(JSON.stringify(factsToJson(s.facts)));
  expect(deriveObservations(factsFromJson(json), HOUR)).toEqual(s.observations());
  expect(factsToJson(factsFromJson(json))).toEqual(factsToJson(s.facts));
});
