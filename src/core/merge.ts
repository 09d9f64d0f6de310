// Which of two snapshots of one pipeline the exporter believes.
//
// The collector sees a pipeline many times: in list pages, in re-checks of non-terminal ones, from
// several polls that overlap or arrive out of order. Counters must be a pure function of history,
// so the result of folding any set of snapshots must not depend on the order they were seen in.
// That holds when `mergePipeline` picks the maximum of a total order on snapshots: max is
// commutative, associative and idempotent. The order is, most significant first:
//   1. terminal beats non-terminal: Woodpecker never leaves a terminal status, so a non-terminal
//      snapshot is always stale next to a terminal one, whatever its `updated` says (the server
//      and agents stamp times with different clocks);
//   2. higher `updated`: the server bumps it on every state change;
//   3. higher `finished`, then higher `started`: the more progressed view when `updated` ties
//      (same-second changes);
//   4. every remaining field, compared in a fixed order, so two snapshots that differ at all are
//      never "equal" and the choice cannot depend on argument order.
// Snapshots equal in every field are interchangeable; `a` is returned then.
import { compareCodeUnits } from "../util/strings.ts";
import { isTerminal, type Pipeline } from "./model.ts";

/** The snapshot to keep of two snapshots of the same pipeline id. */
export function mergePipeline(a: Pipeline, b: Pipeline): Pipeline {
  if (a.id !== b.id) {
    // Merging different pipelines would silently lose one of them: a caller bug, not data.
    throw new RangeError(`mergePipeline: different pipeline ids ${a.id} and ${b.id}`);
  }
  return compareSnapshots(a, b) >= 0 ? a : b;
}

/** Total order on snapshots of one pipeline; > 0 when `a` is the one to keep. */
export function compareSnapshots(a: Pipeline, b: Pipeline): number {
  return (
    cmpBool(isTerminal(a.status), isTerminal(b.status)) ||
    cmpNum(a.updated, b.updated) ||
    cmpNum(a.finished, b.finished) ||
    cmpNum(a.started, b.started) ||
    compareCodeUnits(a.status, b.status) ||
    cmpNum(a.number, b.number) ||
    cmpNum(a.parent, b.parent) ||
    cmpNum(a.created, b.created) ||
    compareCodeUnits(a.event, b.event) ||
    compareCodeUnits(a.branch, b.branch) ||
    compareCodeUnits(a.commit, b.commit) ||
    compareCodeUnits(a.ref, b.ref) ||
    compareCodeUnits(a.deployTo, b.deployTo) ||
    compareCodeUnits(a.message, b.message)
  );
}

function cmpBool(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? 1 : -1;
}

// NaN would break the total order (every comparison false); treat it as below every number so
// a malformed snapshot never wins over a sane one and the order stays total.
function cmpNum(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
