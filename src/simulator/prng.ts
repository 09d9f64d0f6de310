// Deterministic randomness for the simulator. Generated histories must be byte-identical for a
// seed (tests compare whole API responses), so nothing here may touch Math.random or the clock.

/** mulberry32: tiny, fast, good enough for test data; the state is one 32-bit integer. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience wrapper so generator code reads as intent ("chance(0.1)") rather than arithmetic. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Exponential inter-arrival time with the given mean: makes Poisson-like activity. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** `n` lowercase hex digits, e.g. a 40-digit commit SHA. */
  hex(n: number): string {
    let s = "";
    while (s.length < n)
      s += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, "0");
    return s.slice(0, n);
  }
}

/** FNV-1a 32-bit: a stable hash for deriving ids/uuids from data without keeping state. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic hex string of length n derived from a key (used for SHAs and step uuids). */
export function hashHex(key: string, n: number): string {
  let s = "";
  let i = 0;
  while (s.length < n) s += fnv1a(`${key}#${i++}`).toString(16).padStart(8, "0");
  return s.slice(0, n);
}
