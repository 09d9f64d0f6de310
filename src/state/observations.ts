// The store of ArgoCD observations: what the exporter saw that ArgoCD itself forgets (history
// entries beyond revisionHistoryLimit, failed operations a later one replaced, degradations and
// restores). Generic on purpose: a record is (app uid, kind, key) -> JSON payload, and the
// ArgoCD model (src/argocd/) decides the kinds and payload shapes.
//
// Semantics, the same for the file and for memory:
//   - put keeps the FIRST record of each (appUid, kind, key) and ignores later ones (an
//     observation is a fact seen once; re-seeing it must not rewrite it); upsert replaces the
//     payload instead, for facts the model's merge rule replaced. Either writes in one
//     transaction committed when it returns: call it BEFORE exposing what the records imply, and
//     a kill -9 can never lose something that was on /metrics;
//   - load gives every kept record of a kind back, in the order they were first put, each
//     payload checked against the caller's valibot schema (a file is input like any other: what
//     does not match is skipped and counted, never trusted).
import type { Database, Statement } from "bun:sqlite";
import * as v from "valibot";

export interface ObservationRecord<P = unknown> {
  /** Kind of observation, e.g. "history", "operation", "health" (the ArgoCD model names them). */
  readonly kind: string;
  /** The Application's `metadata.uid` (a re-created app with the same name is another app). */
  readonly appUid: string;
  /** Identity within (appUid, kind), e.g. a history entry id or an operation's startedAt. */
  readonly key: string;
  /** Any JSON value (undefined fields are dropped, as JSON does). */
  readonly payload: P;
}

export interface LoadedObservations<P> {
  readonly records: ObservationRecord<P>[];
  /** Records of the kind whose payload did not match the schema (skipped). */
  readonly invalid: number;
}

export interface ObservationStore {
  /** Keep the records not seen before; committed on return. Returns how many were new. */
  put(records: readonly ObservationRecord[]): number;
  /**
   * Keep the records, replacing the payload of a (appUid, kind, key) already kept (its place in
   * the load order stays): for a model whose merge rule may replace a fact (observe.ts
   * `mergeInto`'s changes). Committed on return. Returns how many were written.
   */
  upsert(records: readonly ObservationRecord[]): number;
  /** Every kept record of `kind`, in the order first put, payloads checked by `schema`. */
  load<P>(kind: string, schema: v.GenericSchema<unknown, P>): LoadedObservations<P>;
}

interface StoredRow {
  readonly appUid: string;
  readonly kind: string;
  readonly key: string;
  readonly payload: string;
}

function decode<P>(rows: Iterable<StoredRow>, schema: v.GenericSchema<unknown, P>): LoadedObservations<P> {
  const records: ObservationRecord<P>[] = [];
  let invalid = 0;
  for (const row of rows) {
    let data: unknown;
    try {
      data = JSON.parse(row.payload);
    } catch {
      invalid++;
      continue;
    }
    const result = v.safeParse(schema, data);
    if (result.success) records.push({ kind: row.kind, appUid: row.appUid, key: row.key, payload: result.output });
    else invalid++;
  }
  return { records, invalid };
}

function encode(record: ObservationRecord): string {
  const text = JSON.stringify(record.payload);
  if (text === undefined) throw new TypeError(`observation ${record.kind}/${record.key}: payload is not JSON`);
  return text;
}

/** Observations in the state file (table `observations`). */
export class SqliteObservationStore implements ObservationStore {
  private readonly insert: Statement;
  private readonly replace: Statement;
  private readonly select: Statement<StoredRow, [string]>;
  private seq: number;

  constructor(private readonly db: Database) {
    this.insert = db.query(
      "INSERT OR IGNORE INTO observations (app_uid, kind, key, payload, seq) VALUES (?, ?, ?, ?, ?)",
    );
    this.replace = db.query(
      `INSERT INTO observations (app_uid, kind, key, payload, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (app_uid, kind, key) DO UPDATE SET payload = excluded.payload`,
    );
    this.select = db.query<StoredRow, [string]>(
      "SELECT app_uid AS appUid, kind, key, payload FROM observations WHERE kind = ? ORDER BY seq",
    );
    this.seq = db.query<{ s: number | null }, []>("SELECT max(seq) AS s FROM observations").get()?.s ?? 0;
  }

  put(records: readonly ObservationRecord[]): number {
    if (records.length === 0) return 0;
    const payloads = records.map(encode); // before the transaction: a bad payload writes nothing
    return this.db.transaction(() => {
      let added = 0;
      records.forEach((r, i) => {
        // seq orders load() by first put; a rolled-back transaction only leaves a gap.
        if (this.insert.run(r.appUid, r.kind, r.key, payloads[i]!, this.seq + 1).changes > 0) {
          this.seq++;
          added++;
        }
      });
      return added;
    })();
  }

  upsert(records: readonly ObservationRecord[]): number {
    if (records.length === 0) return 0;
    const payloads = records.map(encode);
    this.db.transaction(() => {
      records.forEach((r, i) => {
        this.replace.run(r.appUid, r.kind, r.key, payloads[i]!, ++this.seq);
      });
    })();
    return records.length;
  }

  load<P>(kind: string, schema: v.GenericSchema<unknown, P>): LoadedObservations<P> {
    return decode(this.select.iterate(kind), schema);
  }
}

/** The same semantics without a state file (DORA_STATE_FILE unset): gone with the process. */
export class MemoryObservationStore implements ObservationStore {
  private readonly rows = new Map<string, StoredRow>();

  put(records: readonly ObservationRecord[]): number {
    const payloads = records.map(encode);
    let added = 0;
    records.forEach((r, i) => {
      const id = JSON.stringify([r.appUid, r.kind, r.key]);
      if (this.rows.has(id)) return;
      this.rows.set(id, { appUid: r.appUid, kind: r.kind, key: r.key, payload: payloads[i]! });
      added++;
    });
    return added;
  }

  upsert(records: readonly ObservationRecord[]): number {
    const payloads = records.map(encode);
    records.forEach((r, i) => {
      // Map.set on a kept key keeps its place: the load order stays the order first put.
      this.rows.set(JSON.stringify([r.appUid, r.kind, r.key]), {
        appUid: r.appUid,
        kind: r.kind,
        key: r.key,
        payload: payloads[i]!,
      });
    });
    return records.length;
  }

  load<P>(kind: string, schema: v.GenericSchema<unknown, P>): LoadedObservations<P> {
    return decode(
      [...this.rows.values()].filter((r) => r.kind === kind),
      schema,
    );
  }
}
