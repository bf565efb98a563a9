/**
 * Bronze as the hub's IngestSink: every batch stored as received, durably, before `accept` resolves (and so before
 * the hub acknowledges the device). Concurrent accepts are grouped into one DuckDB transaction.
 *
 * Redelivery: a batch whose sequence range is already fully stored for its (device, epoch, lane) is a counted
 * no-op, and so is a repeat of a message without a usable range (same messageId or same bytes).
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { HubTelemetry, IngestSink } from '../../hub/ingest-sink.ts';
import { inTransaction } from '../../storage/duckdb.ts';
import { addRange, coversRange, emptySeqState, type SeqState } from '../silver/seq-tracker.ts';
import { bronzeMeta, opaqueKey, streamKey, type BronzeMeta } from './batch-meta.ts';

export interface BronzeStats {
  stored: number;
  duplicates: number;
  commits: number;
}

interface Pending {
  msg: HubTelemetry;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BronzeClosedError extends Error {
  override readonly name = 'BronzeClosedError';
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

export class BronzeSink implements IngestSink {
  readonly stats: BronzeStats = { stored: 0, duplicates: 0, commits: 0 };
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly conn: DuckDBConnection,
    private nextId: number,
    private readonly coverage: Map<string, SeqState>,
    private readonly opaque: Set<string>,
    private readonly onCommitted: () => void,
    private readonly maxGroup: number,
  ) {}

  /** Loads the dedup state from the stored batches: ranges per stream, ids of the rest. */
  static async open(conn: DuckDBConnection, opts: { onCommitted?: () => void; maxGroup?: number } = {}): Promise<BronzeSink> {
    const coverage = new Map<string, SeqState>();
    const opaque = new Set<string>();
    const max = await conn.runAndReadAll('SELECT coalesce(max(bronze_id), 0) FROM bronze_batches');
    const nextId = Number(max.getRows()[0]![0]) + 1;
    const ranged = await conn.runAndReadAll(
      `SELECT device_id, epoch, lane::VARCHAR, first_seq, last_seq FROM bronze_batches
       WHERE opaque_key IS NULL ORDER BY device_id, epoch, lane, first_seq`,
    );
    for (const [device, epoch, lane, first, last] of ranged.getRows()) {
      const key = streamKey(String(device), String(epoch), String(lane) as never);
      let st = coverage.get(key);
      if (st === undefined) coverage.set(key, (st = emptySeqState()));
      addRange(st, Number(first), Number(last));
    }
    const others = await conn.runAndReadAll('SELECT opaque_key FROM bronze_batches WHERE opaque_key IS NOT NULL');
    for (const [k] of others.getRows()) opaque.add(String(k));
    return new BronzeSink(conn, nextId, coverage, opaque, opts.onCommitted ?? (() => undefined), opts.maxGroup ?? 512);
  }

  accept(msg: HubTelemetry): Promise<void> {
    if (this.closed) return Promise.reject(new BronzeClosedError('Bronze is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ msg, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing !== null) return;
    // setImmediate lets every accept issued in this turn join the group.
    this.flushing = new Promise<void>((done) => setImmediate(done)).then(async () => {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroup);
        await this.commitGroup(group);
      }
      this.flushing = null;
    });
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    // Dedup decisions are tentative until the commit succeeds: remember what to undo.
    const touched = new Map<string, SeqState | undefined>();
    const addedOpaque: string[] = [];
    const rows: { id: number; meta: BronzeMeta; key: string | null; body: Uint8Array }[] = [];
    const dupes = new Map<string, { device: string; day: string; batches: number; bytes: number }>();
    let nextId = this.nextId;
    for (const { msg } of group) {
      const meta = bronzeMeta(msg);
      let duplicate: boolean;
      let key: string | null = null;
      if (meta.epoch !== null && meta.lane !== null && meta.eventCount !== null && meta.eventCount > 0) {
        const sk = streamKey(meta.deviceId, meta.epoch, meta.lane);
        let st = this.coverage.get(sk);
        duplicate = st !== undefined && coversRange(st, meta.firstSeq!, meta.lastSeq!);
        if (!duplicate) {
          if (!touched.has(sk)) touched.set(sk, st === undefined ? undefined : { ranges: st.ranges.map((r) => [r[0], r[1]]), gapsClosed: st.gapsClosed });
          if (st === undefined) this.coverage.set(sk, (st = emptySeqState()));
          addRange(st, meta.firstSeq!, meta.lastSeq!);
        }
      } else {
        key = opaqueKey(meta, msg.body);
        duplicate = this.opaque.has(key);
        if (!duplicate) {
          this.opaque.add(key);
          addedOpaque.push(key);
        }
      }
      if (duplicate) {
        const day = isoDay(meta.enqueuedMs);
        const dk = `${meta.deviceId}\u0000${day}`;
        const d = dupes.get(dk) ?? { device: meta.deviceId, day, batches: 0, bytes: 0 };
        d.batches++;
        d.bytes += meta.sizeBytes;
        dupes.set(dk, d);
      } else {
        rows.push({ id: nextId++, meta, key, body: msg.body });
      }
    }
    try {
      await inTransaction(this.conn, async () => {
        if (rows.length) {
          const app = await this.conn.createAppender('bronze_batches');
          try {
            for (const r of rows) appendRow(app, r.id, r.meta, r.key, r.body);
            app.flushSync();
          } finally {
            app.closeSync();
          }
        }
        for (const d of dupes.values()) {
          await this.conn.run(
            `INSERT INTO bronze_duplicates VALUES (?, CAST(? AS DATE), ?, ?)
             ON CONFLICT (device_id, day) DO UPDATE SET batches = batches + excluded.batches, bytes = bytes + excluded.bytes`,
            [d.device, d.day, d.batches, d.bytes],
          );
        }
      });
    } catch (err) {
      for (const [sk, st] of touched) {
        if (st === undefined) this.coverage.delete(sk);
        else this.coverage.set(sk, st);
      }
      for (const k of addedOpaque) this.opaque.delete(k);
      for (const p of group) p.reject(err);
      return;
    }
    this.nextId = nextId;
    this.stats.commits++;
    this.stats.stored += rows.length;
    for (const d of dupes.values()) this.stats.duplicates += d.batches;
    for (const p of group) p.resolve();
    if (rows.length) this.onCommitted();
  }

  /** Forgets dedup state of streams that erase or retention removed, so the state matches the table again. */
  async reload(): Promise<void> {
    await this.drain();
    const fresh = await BronzeSink.open(this.conn);
    this.coverage.clear();
    for (const [k, v] of fresh.coverage) this.coverage.set(k, v);
    this.opaque.clear();
    for (const k of fresh.opaque) this.opaque.add(k);
    this.nextId = Math.max(this.nextId, fresh.nextId);
  }

  /** Waits until everything accepted so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }
}

function appendRow(app: DuckDBAppender, id: number, m: BronzeMeta, key: string | null, body: Uint8Array): void {
  const str = (v: string | null): void => (v === null ? app.appendNull() : app.appendVarchar(v));
  const big = (v: number | null): void => (v === null ? app.appendNull() : app.appendBigInt(BigInt(v)));
  big(id);
  str(m.deviceId);
  str(m.messageId);
  str(m.batchId);
  str(m.epoch);
  str(m.lane);
  big(m.firstSeq);
  big(m.lastSeq);
  if (m.eventCount === null) app.appendNull();
  else app.appendInteger(m.eventCount);
  big(m.createdMs);
  big(m.enqueuedMs);
  app.appendInteger(m.sizeBytes);
  str(m.contentType);
  str(m.contentEncoding);
  app.appendVarchar(m.properties);
  str(m.headerError);
  str(key);
  app.appendBlob(body);
  app.appendBoolean(false);
  app.endRow();
}
