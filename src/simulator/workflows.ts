// Workflows and steps of a single pipeline (`GET …/pipelines/{number}` only; list items carry
// none). They are DERIVED from the pipeline's status and times rather than stored, so every
// mutation helper (start/finish/restart/…) keeps them consistent for free, and a running
// pipeline's step progress follows the simulator clock.

import { hashHex } from "./prng.ts";
import type { PipelineRecord, StatusValue, WebhookEvent } from "./model.ts";

type StepType = "clone" | "service" | "plugin" | "commands" | "cache";

interface StepPlan {
  name: string;
  type: StepType;
  /** Nominal share of the workflow's duration, also the nominal seconds for running progress. */
  weight: number;
}

interface WorkflowPlan {
  name: string;
  steps: StepPlan[];
}

export interface StepJson {
  id: number;
  uuid: string;
  pipeline_id: number;
  pid: number;
  ppid: number;
  name: string;
  state: StatusValue;
  error?: string;
  exit_code: number;
  started: number;
  finished: number;
  type: StepType;
}

export interface WorkflowJson {
  id: number;
  pipeline_id: number;
  pid: number;
  name: string;
  state: StatusValue;
  error?: string;
  started: number;
  finished: number;
  agent_id: number;
  platform: string;
  children: StepJson[];
}

const CLONE: StepPlan = { name: "clone", type: "clone", weight: 8 };

/** Shapes loosely modelled on typical `.woodpecker/*.yaml` setups, one per kind of event. */
function plan(event: WebhookEvent): WorkflowPlan[] {
  switch (event) {
    case "deployment":
      return [
        {
          name: "deploy",
          steps: [
            CLONE,
            { name: "migrate", type: "commands", weight: 30 },
            { name: "deploy", type: "plugin", weight: 90 },
          ],
        },
      ];
    case "tag":
    case "release":
      return [
        {
          name: "release",
          steps: [
            CLONE,
            { name: "build", type: "commands", weight: 120 },
            { name: "publish", type: "plugin", weight: 40 },
          ],
        },
      ];
    case "cron":
      return [{ name: "nightly", steps: [CLONE, { name: "e2e", type: "commands", weight: 400 }] }];
    default:
      return [
        {
          name: "test",
          steps: [
            CLONE,
            { name: "install", type: "commands", weight: 40 },
            { name: "lint", type: "commands", weight: 30 },
            { name: "unit", type: "commands", weight: 120 },
          ],
        },
        { name: "build", steps: [CLONE, { name: "build-image", type: "plugin", weight: 150 }] },
      ];
  }
}

/** Per-step states for a workflow whose steps run in sequence, cut at `cut` (index of the step that ended the run). */
function spans(start: number, end: number, steps: StepPlan[]): Array<[number, number]> {
  const total = steps.reduce((s, p) => s + p.weight, 0);
  const span = Math.max(0, end - start); // agent clock skew can make end < start (issue #6808)
  let t = start;
  return steps.map((p) => {
    const s = t;
    t = Math.round(t + (span * p.weight) / total);
    return [s, t];
  });
}

export function deriveWorkflows(p: PipelineRecord, now: number, canceledStatus: boolean): WorkflowJson[] {
  const plans = plan(p.event);
  const out: WorkflowJson[] = [];
  let pid = 1;
  let stepIndex = 0;
  const started = p.started > 0;
  plans.forEach((wp, wi) => {
    const wfPid = pid++;
    // A failing pipeline fails in its first workflow ("test"/"deploy"); the others succeed.
    const wfStatus: StatusValue = wi > 0 && (p.status === "failure" || p.status === "error") ? "success" : p.status;
    const children: StepJson[] = [];
    // Ended runs split [started, finished] by weight; a running one advances at nominal speed;
    // one that never started (killed/canceled while queued) has no step times at all.
    const times = !started
      ? wp.steps.map((): [number, number] => [0, 0])
      : p.status === "running"
        ? spans(p.started, p.started + wp.steps.reduce((sum, st) => sum + st.weight, 0), wp.steps)
        : spans(p.started, p.finished > 0 ? p.finished : p.started, wp.steps);
    // Which step the run stopped in: the last for success, the work step for failures/kills,
    // and for running pipelines whichever nominal step the clock has reached.
    let cut = wp.steps.length - 1;
    if (p.status === "running") {
      let elapsed = Math.max(0, now - p.started);
      cut = wp.steps.findIndex((s) => (elapsed -= s.weight) < 0);
      if (cut < 0) cut = wp.steps.length - 1;
    }
    wp.steps.forEach((sp, si) => {
      const id = p.id * 100 + stepIndex++;
      let state: StatusValue;
      let exit = 0;
      let error: string | undefined;
      let [s, f] = times[si] ?? [0, 0];
      switch (wfStatus) {
        case "success":
          state = "success";
          break;
        case "running":
          state = si < cut ? "success" : si === cut ? "running" : "pending";
          if (si === cut) f = 0;
          if (si > cut) [s, f] = [0, 0];
          break;
        case "failure":
        case "killed":
          if (!started) {
            state = "skipped"; // cancelled before an agent took it (servers before 3.14 say killed)
            break;
          }
          state = si < cut ? "success" : si === cut ? wfStatus : "skipped";
          if (si === cut) exit = wfStatus === "failure" ? 1 : 137;
          break;
        case "error":
          state = si === 0 ? "error" : "skipped";
          if (si === 0) error = "failed to start container: image pull failed";
          [s, f] = si === 0 ? [p.started || p.finished, p.finished] : [0, 0];
          break;
        case "canceled":
          state = canceledStatus ? "canceled" : "killed";
          [s, f] = [0, 0];
          break;
        case "blocked":
        case "pending":
        case "created":
          state = "pending";
          [s, f] = [0, 0];
          break;
        default: // declined, skipped
          state = "skipped";
          [s, f] = [0, 0];
      }
      const step: StepJson = {
        id,
        uuid: uuid(`${p.id}/${pid}`),
        pipeline_id: p.id,
        pid: pid++,
        ppid: wfPid,
        name: sp.name,
        state,
        exit_code: exit,
        started: s,
        finished: f,
        type: sp.type,
      };
      if (error) step.error = error;
      children.push(step);
    });
    const wfState: StatusValue = wfStatus === "canceled" && !canceledStatus ? "killed" : wfStatus;
    const wf: WorkflowJson = {
      id: p.id * 10 + wi,
      pipeline_id: p.id,
      pid: wfPid,
      name: wp.name,
      state: wfState,
      started: p.started,
      finished: wfState === "running" ? 0 : p.finished,
      agent_id: started ? 1 + (p.id % 3) : 0,
      platform: started ? "linux/amd64" : "",
      children,
    };
    if (wfStatus === "error") wf.error = "failed to start container: image pull failed";
    out.push(wf);
  });
  return out;
}

function uuid(key: string): string {
  const h = hashHex(key, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
