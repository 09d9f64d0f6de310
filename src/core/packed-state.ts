// Compact form of the RepoState the poller keeps between polls for the JSON API, the page and
// `report` (issue 6, "memory"). Of a RepoState, nearly all the memory is in two per-target
// arrays of small objects: `attempts` (one per deployment attempt) and `leadTimes` (one per
// delivered change) — ~1.1M objects, ~60 MB at 1,000 repos x 1,000 pipelines. Here they are
// kept as columns of numbers instead (4 or 8 bytes a value plus a flag byte, ~15 bytes an
// element instead of ~55), and turned back into the same objects only when a reader asks for the
// state (a page or API request, which then reads every element anyway).
//
// Lossless: `unpackRepoState(packRepoState(s))` is deep-equal to `s`, same key order included
// (property-tested in test/perf/packed-state.test.ts over the core's random histories). Every
// packed value is a pipeline id, number or Unix time, or a difference of two times clamped at 0,
// and the client admits only uint32 for those (woodpecker/schemas.ts): Uint32 columns hold them.
// Every other field of a TargetState (incidents, restore times, counts) is small and kept as is.
import type { Attempt, LeadTimeObservation, RepoState, TargetState } from "./state.ts";

export interface PackedTarget {
  /** The TargetState with `attempts` and `leadTimes` emptied: every other field, in key order. */
  readonly rest: TargetState;
  /** pipelineId, number, time per attempt. */
  readonly attemptNums: Uint32Array;
  /** success per attempt: 1 true, 0 false. */
  readonly attemptSuccess: Uint8Array;
  /** The `app` of each attempt (ArgoCD attempts); null when no attempt has one (Woodpecker only). */
  readonly attemptApps: readonly (string | undefined)[] | null;
  /** deploymentNumber, deployedAt, changeNumber (0 when null), seconds per observation. */
  readonly leadNums: Uint32Array;
  /** 1 where changeNumber is null. */
  readonly leadNull: Uint8Array;
}

export interface PackedRepoState {
  /** The RepoState with `targets` emptied (repoId, mode, in key order). */
  readonly rest: RepoState;
  readonly targets: readonly PackedTarget[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Packs are cached per state object (states are immutable): the poller keeps the packed state
 * for the API and the metrics cache holds it until it renders, and both pack the same object.
 */
const packs = new WeakMap<RepoState, PackedRepoState>();

export function packRepoState(s: RepoState): PackedRepoState {
  let p = packs.get(s);
  if (p === undefined) {
    p = { rest: { ...s, targets: EMPTY }, targets: s.targets.map(packTarget) };
    packs.set(s, p);
  }
  return p;
}

export function unpackRepoState(p: PackedRepoState): RepoState {
  return { ...p.rest, targets: p.targets.map(unpackTarget) };
}

function packTarget(t: TargetState): PackedTarget {
  const attempts = t.attempts;
  const attemptSuccess = new Uint8Array(attempts.length);
  const attemptNums = new Uint32Array(attempts.length * 3);
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    attemptNums[3 * i] = a.pipelineId;
    attemptNums[3 * i + 1] = a.number;
    attemptNums[3 * i + 2] = a.time;
    attemptSuccess[i] = a.success ? 1 : 0;
  }
  const leads = t.leadTimes;
  const leadNull = new Uint8Array(leads.length);
  const leadNums = new Uint32Array(leads.length * 4);
  for (let i = 0; i < leads.length; i++) {
    const o = leads[i]!;
    leadNums[4 * i] = o.deploymentNumber;
    leadNums[4 * i + 1] = o.deployedAt;
    leadNums[4 * i + 2] = o.changeNumber ?? 0;
    leadNums[4 * i + 3] = o.seconds;
    leadNull[i] = o.changeNumber === null ? 1 : 0;
  }
  const attemptApps = attempts.some((a) => a.app !== undefined) ? attempts.map((a) => a.app) : null;
  return {
    rest: { ...t, attempts: EMPTY, leadTimes: EMPTY },
    attemptNums,
    attemptSuccess,
    attemptApps,
    leadNums,
    leadNull,
  };
}

function unpackTarget(p: PackedTarget): TargetState {
  const n = p.attemptSuccess.length;
  const attempts: Attempt[] = [];
  const a = p.attemptNums;
  for (let i = 0; i < n; i++) {
    const app = p.attemptApps?.[i];
    const attempt: Attempt = {
      pipelineId: a[3 * i]!,
      number: a[3 * i + 1]!,
      time: a[3 * i + 2]!,
      success: p.attemptSuccess[i] === 1,
    };
    attempts.push(app === undefined ? attempt : { ...attempt, app });
  }
  const m = p.leadNull.length;
  const leadTimes: LeadTimeObservation[] = [];
  const l = p.leadNums;
  for (let i = 0; i < m; i++) {
    leadTimes.push({
      deploymentNumber: l[4 * i]!,
      deployedAt: l[4 * i + 1]!,
      changeNumber: p.leadNull[i] === 1 ? null : l[4 * i + 2]!,
      seconds: l[4 * i + 3]!,
    });
  }
  // Spread keeps the original key order: `attempts` and `leadTimes` replace the placeholders in place.
  return { ...p.rest, attempts, leadTimes };
}
