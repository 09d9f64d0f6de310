// Compact storage of a repo's pipelines between polls (issue 6, "memory").
//
// A `Pipeline` kept as a JS object costs ~400 bytes once its six strings (a 40-character commit,
// a ref, a branch, …) are counted, each parsed afresh from JSON for every pipeline. The store
// below keeps the same data column-wise instead:
//   - the seven numbers of a pipeline in one Uint32Array row: the client's schema admits only
//     integers 0..2^32-1 for them (ids, numbers, Unix seconds until 2106), and `set` refuses any
//     other value rather than store it altered;
//   - an open-addressing id -> row index in a Uint32Array (load 3/8 to 3/4: 5-11 bytes a row,
//     not a Map entry);
//   - event, status, branch, ref and deploy_to as indices into a per-repo table of distinct
//     strings (a repo has a handful of each), one byte each until the table outgrows that, then
//     two, then four;
//   - the commit, when it is a 40-digit lower-case hex SHA (what Woodpecker sends), as a reference
//     to its 20 raw bytes in a per-repo table of distinct commits: a deployment, a restart and
//     the push they deploy share one copy (issue 14: "a deployment's commit by reference to its
//     push"; 2 bytes a row instead of 20 while a repo has under 65,536 distinct commits); any
//     other commit text is an index into the string table;
//   - the commit message (issue 12: rework reasons read it) as an index into a second, separate
//     table of distinct messages, one byte a row until that table outgrows it (then two, then
//     four): a commit's pushes, restarts and deployments share one copy, and distinct messages
//     never widen the small-string columns above. (The collector keeps only the messages a
//     rework reason can match, so most rows hold "", index 0.)
// Rows are turned back into `Pipeline` objects only while the core computes a repo's state, so
// they are short-lived garbage instead of resident memory.
//
// The store is lossless: `get`/`values` give back objects deep-equal to what was `set`, so the
// core computes exactly the same RepoState from it as from the full objects (property-tested in
// test/perf/compact.test.ts). It drops nothing on purpose: per DEFINITIONS.md every push can
// still become the source of a future deployment (a change is needed for as long as the history
// is), every deployment attempt is part of the state, and a pipeline's snapshot fields decide
// which of two snapshots `mergePipeline` keeps. What it removes is the per-object overhead.
import { Buffer } from "node:buffer";
import type { Pipeline } from "../core/model.ts";

const NUMS = 7; // id, number, parent, created, updated, started, finished
const STRS = 6; // event, status, branch, commit (or HEX_COMMIT), ref, deployTo
const SHA_BYTES = 20;
/** In the commit column: the commit is the SHA `shaRefs[row]` of the distinct table (string 0 is never used). */
const HEX_COMMIT = 0;
/** Node's and Bun's native hex encoding of a byte range; it accepts any Uint8Array as `this`. */
const hexSlice = (Buffer.prototype as unknown as { hexSlice(this: Uint8Array, start: number, end: number): string })
  .hexSlice;

/** Value of a lower-case hex digit's char code (the caller checked it is one). */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

export class PipelineStore {
  private nums = new Uint32Array(0);
  /** String-table indices; as narrow as the table allows (a repo has a few dozen distinct strings). */
  private strs: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(0);
  /** Per row: which distinct SHA (`shas`) its commit is, when the commit column says HEX_COMMIT. */
  private shaRefs: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(0);
  /** The distinct SHAs, 20 bytes each, in order of first appearance. */
  private shas = new Uint8Array(0);
  private shaCount = 0;
  /** Open addressing over `shas`, linear probing: SHA index + 1 per slot, 0 = empty. */
  private shaTable = new Uint32Array(16);
  /** Per row: index into `messages`; as narrow as that table allows. */
  private msgs: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(0);
  private rows = 0;
  /** Open addressing, linear probing: row + 1 per slot, 0 = empty. Length a power of two. */
  private table = new Uint32Array(16);
  private readonly strings: string[] = [""]; // index 0 is HEX_COMMIT
  private readonly stringIndex = new Map<string, number>();
  private readonly messages: string[] = [""];
  private readonly messageIndex = new Map<string, number>([["", 0]]);

  get size(): number {
    return this.rows;
  }

  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  get(id: number): Pipeline | undefined {
    const row = this.find(id);
    return row < 0 ? undefined : this.read(row);
  }

  /** Insert, or replace the stored snapshot of `p.id` (Map-like: `id` must be `p.id`). */
  set(id: number, p: Pipeline, message: string = p.message): this {
    if (id !== p.id) throw new RangeError(`PipelineStore.set: key ${id} is not pipeline id ${p.id}`);
    if (!allUint32(p)) throw new RangeError(`PipelineStore.set: pipeline ${p.id} has a number outside 0..2^32-1`);
    let row = this.find(p.id);
    if (row < 0) {
      row = this.rows++;
      this.grow(this.rows);
      this.nums[row * NUMS] = p.id;
      this.index(row);
    }
    const n = row * NUMS;
    const nums = this.nums;
    nums[n] = p.id;
    nums[n + 1] = p.number;
    nums[n + 2] = p.parent;
    nums[n + 3] = p.created;
    nums[n + 4] = p.updated;
    nums[n + 5] = p.started;
    nums[n + 6] = p.finished;
    const event = this.intern(p.event);
    const status = this.intern(p.status);
    const branch = this.intern(p.branch);
    const hexCommit = decodeSha(p.commit, SCRATCH_SHA);
    const commit = hexCommit ? HEX_COMMIT : this.intern(p.commit);
    const ref = this.intern(p.ref);
    const deployTo = this.intern(p.deployTo);
    this.fitStrings();
    const s = row * STRS;
    const strs = this.strs;
    strs[s] = event;
    strs[s + 1] = status;
    strs[s + 2] = branch;
    strs[s + 3] = commit;
    strs[s + 4] = ref;
    strs[s + 5] = deployTo;
    const messageIndex = this.internMessage(message);
    this.msgs = fitIndex(this.msgs, this.messages.length - 1);
    this.msgs[row] = messageIndex;
    if (hexCommit) {
      const sha = this.internSha(SCRATCH_SHA);
      this.shaRefs = fitIndex(this.shaRefs, this.shaCount - 1);
      this.shaRefs[row] = sha;
    }
    return this;
  }

  /**
   * Room for `rows` rows in all, allocated at once (a bulk load that knows its size): no growth
   * steps and (from 16 rows, the least it allocates) nothing to trim later. Never shrinks.
   */
  reserve(rows: number): void {
    this.grow(rows);
  }

  /**
   * Every stored pipeline, materialised one at a time (insertion order). Spare capacity is
   * released first: the poller reads all rows right after they changed, so the columns stay
   * exactly as long as the history between polls.
   */
  *values(): IterableIterator<Pipeline> {
    this.trim();
    // Each distinct SHA turned into text once per pass: a push, its restarts and its deployments
    // share the string (a profile of a backfill had the hex encoding at ~1.7 % of samples).
    const hexes: (string | undefined)[] = new Array(this.shaCount);
    for (let row = 0; row < this.rows; row++) yield this.read(row, hexes);
  }

  [Symbol.iterator](): IterableIterator<Pipeline> {
    return this.values();
  }

  /** Bytes held by the columns and the index (capacity, not just rows), for diagnostics. */
  columnBytes(): number {
    return (
      this.nums.byteLength +
      this.strs.byteLength +
      this.shaRefs.byteLength +
      this.shas.byteLength +
      this.shaTable.byteLength +
      this.msgs.byteLength +
      this.table.byteLength
    );
  }

  /** Row of `id`, or -1. */
  private find(id: number): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let i = hashId(id) & mask; ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === 0) return -1;
      const stored = this.nums[(slot - 1) * NUMS]!;
      if (stored === id) return slot - 1;
    }
  }

  /** Put `row` (whose id is already in its row) into the index, doubling it past half full. */
  private index(row: number): void {
    if (this.rows * 4 > this.table.length * 3) {
      const old = this.table;
      this.table = new Uint32Array(old.length * 2);
      for (let r = 0; r < row; r++) this.place(r);
    }
    this.place(row);
  }

  private place(row: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = hashId(this.nums[row * NUMS]!) & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = row + 1;
  }

  /** Widen the index column once the string table outgrows it (values are kept). */
  private fitStrings(): void {
    const max = this.strings.length - 1;
    const strs = this.strs;
    if ((strs instanceof Uint8Array && max > 0xff) || (strs instanceof Uint16Array && max > 0xffff)) {
      const wide = max > 0xffff ? new Uint32Array(strs.length) : new Uint16Array(strs.length);
      wide.set(strs);
      this.strs = wide;
    }
  }

  private trim(): void {
    if (this.nums.length === this.rows * NUMS) return;
    this.nums = this.nums.slice(0, this.rows * NUMS);
    this.strs = this.strs.slice(0, this.rows * STRS);
    this.shaRefs = this.shaRefs.slice(0, this.rows);
    this.shas = this.shas.slice(0, this.shaCount * SHA_BYTES);
    this.msgs = this.msgs.slice(0, this.rows);
  }

  private read(row: number, hexes?: (string | undefined)[]): Pipeline {
    const n = row * NUMS;
    const s = row * STRS;
    const nums = this.nums;
    const strs = this.strs;
    const c = strs[s + 3]!;
    return {
      id: nums[n]!,
      number: nums[n + 1]!,
      parent: nums[n + 2]!,
      event: this.strings[strs[s]!]!,
      status: this.strings[strs[s + 1]!]!,
      created: nums[n + 3]!,
      updated: nums[n + 4]!,
      started: nums[n + 5]!,
      finished: nums[n + 6]!,
      branch: this.strings[strs[s + 2]!]!,
      commit:
        c === HEX_COMMIT
          ? hexes === undefined
            ? this.hex(row)
            : (hexes[this.shaRefs[row]!] ??= this.hex(row))
          : this.strings[c]!,
      ref: this.strings[strs[s + 4]!]!,
      deployTo: this.strings[strs[s + 5]!]!,
      message: this.messages[this.msgs[row]!]!,
    };
  }

  private hex(row: number): string {
    // Buffer's native hex encoder, run on the table itself (lower-case, like the SHAs it came
    // from): ~4x faster than joining 20 two-digit strings, and every stored pipeline is read this
    // way once per state computation (issue 6). Not through a Buffer view: taking `.buffer` of a
    // small typed array moves its bytes out of the JS heap into a separate allocation.
    const b = this.shaRefs[row]! * SHA_BYTES;
    return hexSlice.call(this.shas, b, b + SHA_BYTES);
  }

  /** Index of the SHA `bytes` in the distinct SHAs, added when new. */
  private internSha(bytes: Uint8Array): number {
    const hash = shaHash(bytes, 0);
    let mask = this.shaTable.length - 1;
    for (let i = hashId(hash) & mask; ; i = (i + 1) & mask) {
      const slot = this.shaTable[i]!;
      if (slot === 0) break;
      if (this.shaIs(slot - 1, bytes)) return slot - 1;
    }
    const sha = this.shaCount++;
    if (this.shas.length < this.shaCount * SHA_BYTES) {
      const grown = new Uint8Array(Math.max(16, Math.ceil(this.shaCount * 1.5)) * SHA_BYTES);
      grown.set(this.shas);
      this.shas = grown;
    }
    this.shas.set(bytes, sha * SHA_BYTES);
    if (this.shaCount * 4 > this.shaTable.length * 3) {
      this.shaTable = new Uint32Array(this.shaTable.length * 2);
      mask = this.shaTable.length - 1;
      for (let k = 0; k < sha; k++) this.placeSha(k, mask);
    }
    this.placeSha(sha, mask);
    return sha;
  }

  private placeSha(sha: number, mask: number): void {
    let i = hashId(shaHash(this.shas, sha * SHA_BYTES)) & mask;
    while (this.shaTable[i] !== 0) i = (i + 1) & mask;
    this.shaTable[i] = sha + 1;
  }

  /** Whether distinct SHA `sha` is the 20 `bytes`. */
  private shaIs(sha: number, bytes: Uint8Array): boolean {
    const s = this.shas;
    const b = sha * SHA_BYTES;
    for (let i = 0; i < SHA_BYTES; i++) if (s[b + i] !== bytes[i]) return false;
    return true;
  }

  private intern(text: string): number {
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringIndex.set(text, i);
    }
    return i;
  }

  private internMessage(text: string): number {
    let i = this.messageIndex.get(text);
    if (i === undefined) {
      i = this.messages.length;
      this.messages.push(text);
      this.messageIndex.set(text, i);
    }
    return i;
  }

  /** Capacity for `rows` rows; grows by 1.5x so appends stay amortised O(1) with little slack. */
  private grow(rows: number): void {
    const cap = this.nums.length / NUMS;
    if (rows <= cap) return;
    const next = Math.max(16, Math.ceil(cap * 1.5), rows);
    const nums = new Uint32Array(next * NUMS);
    nums.set(this.nums);
    this.nums = nums;
    this.strs = regrow(this.strs, next * STRS);
    this.shaRefs = regrow(this.shaRefs, next);
    this.msgs = regrow(this.msgs, next);
  }
}

/** A column of `length` entries as wide as `column`, holding its values. */
function regrow(
  column: Uint8Array | Uint16Array | Uint32Array,
  length: number,
): Uint8Array | Uint16Array | Uint32Array {
  const next =
    column instanceof Uint8Array
      ? new Uint8Array(length)
      : column instanceof Uint16Array
        ? new Uint16Array(length)
        : new Uint32Array(length);
  next.set(column);
  return next;
}

/** `column`, widened (values kept) when it cannot hold index `max`. */
function fitIndex(column: Uint8Array | Uint16Array | Uint32Array, max: number): Uint8Array | Uint16Array | Uint32Array {
  if ((column instanceof Uint8Array && max > 0xff) || (column instanceof Uint16Array && max > 0xffff)) {
    const wide = max > 0xffff ? new Uint32Array(column.length) : new Uint16Array(column.length);
    wide.set(column);
    return wide;
  }
  return column;
}

/** Whether every number of `p` is stored exactly by a Uint32Array (-0 is stored as 0). */
function allUint32(p: Pipeline): boolean {
  return (
    p.id >>> 0 === p.id &&
    p.number >>> 0 === p.number &&
    p.parent >>> 0 === p.parent &&
    p.created >>> 0 === p.created &&
    p.updated >>> 0 === p.updated &&
    p.started >>> 0 === p.started &&
    p.finished >>> 0 === p.finished
  );
}

/** The SHA being looked up, decoded once (the store is used from one thread). */
const SCRATCH_SHA = new Uint8Array(SHA_BYTES);

/**
 * Whether `commit` is a 40-digit lower-case hex SHA (what Woodpecker sends), decoded into `out`
 * when it is: one pass over the text instead of a regular expression, then a second to decode.
 */
function decodeSha(commit: string, out: Uint8Array): boolean {
  if (commit.length !== 2 * SHA_BYTES) return false;
  for (let i = 0; i < SHA_BYTES; i++) {
    const hi = commit.charCodeAt(2 * i);
    const lo = commit.charCodeAt(2 * i + 1);
    if (!isHexDigit(hi) || !isHexDigit(lo)) return false;
    out[i] = (nibble(hi) << 4) | nibble(lo);
  }
  return true;
}

/** 0-9 or a-f (lower case only: an upper-case SHA is kept as text, so it reads back as sent). */
function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102);
}

/** The first four bytes of the SHA at `at`: as good a hash as any. */
function shaHash(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** A 32-bit mix of a pipeline id (a uint32). */
function hashId(id: number): number {
  const h = Math.imul(id, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
