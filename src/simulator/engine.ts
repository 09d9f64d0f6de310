// A tiny discrete-event loop over the simulator clock. History generation and live activity both
// schedule "at time t, do x" actions (a push arrives, an agent starts it, it finishes, someone
// deploys); running them in (time, insertion) order with the clock pinned at t is what makes
// pipeline numbers, `created` and every other timestamp agree, and makes runs reproducible.

import type { SimulatedWoodpecker } from "./woodpecker.ts";

interface Scheduled {
  t: number;
  seq: number;
  fn: () => void;
}

export class Engine {
  private heap: Scheduled[] = [];
  private seq = 0;

  constructor(private readonly sim: SimulatedWoodpecker) {}

  /** Schedule `fn` at Unix second `t` (fractions are dropped: Woodpecker times are whole seconds). */
  at(t: number, fn: () => void): void {
    this.push({ t: Math.floor(t), seq: this.seq++, fn });
  }

  /** Run every action due at or before `t`, each with the simulator clock pinned at its time. */
  runUntil(t: number): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.t > t) return;
      this.pop();
      this.sim.atTime(top.t, top.fn);
    }
  }

  get pending(): number {
    return this.heap.length;
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }

  private push(item: Scheduled): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i] as Scheduled, h[parent] as Scheduled)) break;
      [h[i], h[parent]] = [h[parent] as Scheduled, h[i] as Scheduled];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Scheduled, h[m] as Scheduled)) m = l;
      if (r < h.length && this.less(h[r] as Scheduled, h[m] as Scheduled)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Scheduled, h[i] as Scheduled];
      i = m;
    }
  }
}
