// The simulated ArgoCD of `dora-exporter demo`: one GitOps app per repo in DEMO_GITOPS_REPOS of the
// demo's simulated Woodpecker, its history generated from that repo's successful pushes (images
// tagged with their commits, so the exporter's automatic join finds the repo without any mapping),
// and, while the demo runs, a sync of each new successful push a few seconds after it finished.
// The Woodpecker side of the demo runs faster than real time; ArgoCD's delays here are short real
// seconds, so a push shows up as a rollout soon after it finished.
import { hashHex, Rng } from "../prng.ts";
import type { SimulatedWoodpecker } from "../woodpecker.ts";
import { gitOpsReposFrom } from "./from-woodpecker.ts";
import { generateGitOps, gitOpsImage } from "./generate.ts";
import { ArgoCDState, type Json } from "./state.ts";

/** The demo's ArgoCD token: obviously fake, never a real credential. */
export const DEMO_ARGOCD_TOKEN = "demo-argocd-token";
/** Push-to-main repos of the generated history that ArgoCD deploys in the demo (their app: `search`). */
export const DEMO_GITOPS_REPOS: readonly string[] = ["acme/search"];
const REGISTRY = "registry.example.com";

export interface DemoArgoCD {
  readonly state: ArgoCDState;
  readonly token: string;
  /** App names, one per repo of DEMO_GITOPS_REPOS. */
  readonly apps: readonly string[];
}

/** A simulated ArgoCD on the Woodpecker simulator's clock, with the GitOps history of its pushes. */
export function createDemoArgoCD(
  sim: SimulatedWoodpecker,
  opts: { seed: number; repos?: readonly string[] },
): DemoArgoCD {
  const state = new ArgoCDState({ token: DEMO_ARGOCD_TOKEN, now: () => sim.now() });
  const { apps } = generateGitOps(state, gitOpsReposFrom(sim, opts.repos ?? DEMO_GITOPS_REPOS), {
    seed: opts.seed,
    end: sim.now(),
    registry: REGISTRY,
  });
  return { state, token: DEMO_ARGOCD_TOKEN, apps };
}

export interface LiveGitOpsOptions {
  readonly seed: number;
  /** Repo full names and their apps, as createDemoArgoCD made them. */
  readonly repos?: readonly string[];
  /** Tick interval in ms; 0: no timer (call tick()). */
  readonly everyMs: number;
  /** Fractions of live syncs that fail, and of successful ones that turn the app Degraded. */
  readonly failureRate?: number;
  readonly degradeRate?: number;
}

export interface LiveGitOps {
  /** Sync the pushes that finished since the last tick; run the steps that are due. */
  tick(): void;
  stop(): void;
}

type Step = { readonly at: number; readonly run: () => void };

interface Follow {
  readonly fullName: string;
  readonly app: string;
  /** `finished` of the newest push already synced (or left to the generated history). */
  seen: number;
  /** No new operation before this time: the previous one and its health changes come first. */
  busyUntil: number;
  syncs: number;
}

/** Keeps the demo's apps following the simulated Woodpecker's new successful pushes. */
export function startLiveGitOps(argo: DemoArgoCD, sim: SimulatedWoodpecker, opts: LiveGitOpsOptions): LiveGitOps {
  const rng = new Rng((opts.seed ^ 0xa460cd) >>> 0);
  const failureRate = opts.failureRate ?? 0.08;
  const degradeRate = opts.degradeRate ?? 0.06;
  const { state } = argo;
  const now = state.now();
  const steps: Step[] = [];
  const plan = (at: number, run: () => void) => steps.push({ at, run });

  const follows: Follow[] = (opts.repos ?? DEMO_GITOPS_REPOS).map((fullName, i) => {
    const app = argo.apps[i];
    if (app === undefined) throw new Error(`demo ArgoCD has no app for ${fullName}`);
    return { fullName, app, seen: now, busyUntil: now, syncs: 0 };
  });

  // The generated history stops at `now`: an operation or a health change it left midway ends first.
  for (const f of follows) {
    const record = state.get(f.app);
    if (!record) continue;
    const status = record.body.status as Json;
    let t = now;
    if ((status.operationState as Json | undefined)?.phase === "Running") {
      const done = (t += rng.int(5, 20));
      plan(done, () => state.finishSync(f.app, "Succeeded", { at: done }));
    }
    if ((status.health as Json).status !== "Healthy") {
      const ok = (t += rng.int(5, 30));
      plan(ok, () => state.setHealth(f.app, "Healthy", { at: ok }));
    }
    f.busyUntil = t;
  }

  const syncPush = (f: Follow, sha: string) => {
    const images = [gitOpsImage(REGISTRY, f.fullName, sha)];
    const revision = hashHex(`${f.fullName}/config/live/${++f.syncs}`, 40);
    const start = Math.max(state.now(), f.busyUntil) + rng.int(5, 30);
    plan(start, () => state.startSync(f.app, { revision, images, at: start }));
    const done = start + rng.int(10, 60);
    const roll = rng.float();
    if (roll < failureRate) {
      // Fixed by the next push, as in the generated history.
      const phase = rng.chance(0.7) ? "Failed" : "Error";
      plan(done, () => state.finishSync(f.app, phase, { at: done }));
      f.busyUntil = done;
      return;
    }
    plan(done, () => state.finishSync(f.app, "Succeeded", { at: done }));
    plan(done + 1, () => state.setHealth(f.app, "Progressing", { at: done + 1 }));
    if (roll < failureRate + degradeRate) {
      const bad = done + rng.int(20, 120);
      const ok = bad + rng.int(120, 600);
      plan(bad, () =>
        state.setHealth(f.app, "Degraded", { at: bad, message: "Deployment exceeded its progress deadline" }),
      );
      plan(ok, () => state.setHealth(f.app, "Healthy", { at: ok }));
      f.busyUntil = ok;
    } else {
      const ok = done + rng.int(5, 30);
      plan(ok, () => state.setHealth(f.app, "Healthy", { at: ok }));
      f.busyUntil = ok;
    }
  };

  const tick = () => {
    const t = state.now();
    for (const f of follows) {
      const [fresh] = gitOpsReposFrom(sim, [f.fullName]);
      for (const c of fresh!.commits) {
        if (c.time <= f.seen || c.time > t) continue;
        f.seen = c.time;
        syncPush(f, c.sha);
      }
    }
    // Steps of one app are planned in time order; across apps, by time then by planning order.
    const due = steps
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.at <= t)
      .sort((a, b) => a.s.at - b.s.at || a.i - b.i);
    for (const { s } of due) steps.splice(steps.indexOf(s), 1);
    for (const { s } of due) s.run();
  };

  const timer = opts.everyMs > 0 ? setInterval(tick, opts.everyMs) : null;
  return {
    tick,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
