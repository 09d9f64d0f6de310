// The window gauges kept between polls (src/view/window-tracker.ts) equal the gauges computed from
// scratch (view/gauges.ts windowGauges, the window summary of the API and page) after every step of
// random runs: polls at times on and next to the moments events enter and leave each window,
// states replaced, repos renamed, added and removed, and the clock set back.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { computeRepoDora } from "../../src/core/dora.ts";
import { DAY } from "../../src/core/levels.ts";
import { packRepoState } from "../../src/core/packed-state.ts";
import type { RepoState } from "../../src/core/state.ts";
import { windowGauges } from "../../src/view/gauges.ts";
import { WindowGaugeTracker, type GaugeRepo } from "../../src/view/window-tracker.ts";
import { REPO, historyArb } from "../core/history-arb.ts";
import { fcParams } from "../core/property-params.ts";

interface Repo {
  id: number;
  fullName: string;
  state: RepoState | null;
}

const step = fc.record({
  now: fc.nat(10_000),
  change: fc.option(
    fc.record({
      repo: fc.nat(3),
      what: fc.constantFrom("state", "rename", "remove", "add", "none"),
      state: fc.nat(3),
    }),
    { freq: 2 },
  ),
});

describe("window gauge tracker", () => {
  test("equals windowGauges() from scratch after every step", () => {
    fc.assert(
      fc.property(
        fc.array(historyArb, { minLength: 1, maxLength: 4 }),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.option(fc.nat(20_000), { freq: 3 }),
        (histories, steps, origin) => {
          const states = histories.map((h) => computeRepoDora(REPO, h.finals, h.options));
          // Times at which some event enters or leaves a window (and a second either side).
          const times = new Set<number>();
          for (const s of states)
            for (const t of s.targets) {
              const events = [
                ...t.attempts.map((a) => a.time),
                ...t.leadTimes.map((o) => o.deployedAt),
                ...t.incidents.flatMap((i) => (i.closedAt === null ? [] : [i.closedAt])),
              ];
              for (const e of events)
                for (const days of [0, 1, 7, 30, 90]) for (const d of [-1, 0, 1]) times.add(e + days * DAY + d);
            }
          const candidates = [...times].sort((a, b) => a - b);
          const repos: Repo[] = states.map((state, i) => ({ id: i + 1, fullName: `acme/r${i % 2}`, state }));
          const tracker = new WindowGaugeTracker();
          let nextId = 100; // ids are unique, as the poller's map keys are
          let clock = candidates[0] ?? 0;
          for (const s of steps) {
            if (s.change !== null) {
              const { repo, what, state } = s.change;
              const r = repos[repo % Math.max(1, repos.length)];
              if (what === "state" && r) r.state = states[state % states.length]!;
              if (what === "rename" && r) r.fullName = `${r.fullName}x`;
              if (what === "remove" && r) repos.splice(repos.indexOf(r), 1);
              if (what === "add") repos.push({ id: nextId++, fullName: "acme/new", state: null });
            }
            // Mostly forward in time, now and then back (a clock set back).
            const next = candidates.length === 0 ? s.now : candidates[s.now % candidates.length]!;
            clock = s.now % 7 === 0 || next >= clock ? next : clock + (s.now % 3);
            const got = tracker.update(
              repos.map((r): GaugeRepo => ({ ...r, state: r.state === null ? null : packRepoState(r.state) })),
              clock,
              origin,
            );
            expect(got).toEqual(windowGauges(repos, clock, origin));
          }
        },
      ),
      fcParams(300 * Number(process.env.FC_RUNS_SCALE ?? 1)),
    );
  });

  test("a poll that changed nothing hands back the same rows and overall (nothing to render again)", () => {
    const h = fc.sample(
      historyArb.filter((x) => x.finals.some((p) => p.event === "deployment")),
      { numRuns: 1, seed: 3 },
    )[0]!;
    const state = packRepoState(computeRepoDora(REPO, h.finals, h.options));
    const tracker = new WindowGaugeTracker();
    const late = 10 * 365 * DAY; // every event long out of every window: nothing can change any more
    const first = tracker.update([{ id: 1, fullName: "a/b", state }], late, null);
    const second = tracker.update([{ id: 1, fullName: "a/b", state }], late + 60, null);
    expect(second.targets).toBe(first.targets);
    expect(second.overall).toBe(first.overall);
    const renamed = tracker.update([{ id: 1, fullName: "a/c", state }], late + 120, null);
    expect(renamed.targets).not.toBe(first.targets);
    expect(renamed.targets.every((t) => t.repo === "a/c")).toBe(true);
  });
});
