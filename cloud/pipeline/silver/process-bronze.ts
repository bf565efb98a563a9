/**
 * Moves Bronze batches past the Silver watermark into Silver, a run of batches per transaction, in Bronze order
 * (bronze_id). The in-memory state (sequence sets, device and driver maps) is saved in the same transaction and
 * reloaded from the database if the transaction fails, so it never drifts from what is stored.
 */
import type { DuckDBBlobValue, DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { inTransaction } from '../../storage/duckdb.ts';
import { streamKey } from '../bronze/batch-meta.ts';
import { parseSeqState } from './seq-tracker.ts';
import { writeSilver } from './silver-writer.ts';
import { emptySilverState, SilverBuilder, type SilverOptions, type SilverState } from './to-silver.ts';
import type { Lane } from '../../../shared/contracts/types.ts';

export interface ProcessResult {
  batches: number;
  events: number;
  /** Highest bronze_id now in Silver. */
  watermark: number;
}

export function randomPseudonym(): string {
  return `drv_${randomBytes(8).toString('hex')}`;
}

export class SilverProcessor {
  private constructor(
    private readonly conn: DuckDBConnection,
    private state: SilverState,
    private watermark: number,
    private readonly opts: SilverOptions,
  ) {}

  static async open(conn: DuckDBConnection, opts: Partial<SilverOptions> = {}): Promise<SilverProcessor> {
    const full: SilverOptions = { maxFutureMs: opts.maxFutureMs ?? 86_400_000, newPseudonym: opts.newPseudonym ?? randomPseudonym };
    const p = new SilverProcessor(conn, emptySilverState(), 0, full);
    await p.reload();
    return p;
  }

  get lastProcessed(): number {
    return this.watermark;
  }

  /** Reads the Silver state back from the database. */
  async reload(): Promise<void> {
    const st = emptySilverState();
    const streams = await this.conn.runAndReadAll(
      `SELECT gateway, epoch, lane::VARCHAR, vehicle, ranges, gaps_closed, duplicates, last_ingest_ms, last_bronze_id, last_lag_ms, max_lag_ms
       FROM silver_streams`,
    );
    for (const [device, epoch, lane, vehicle, ranges, gaps, dups, lastIngest, lastBronze, lastLag, maxLag] of streams.getRows()) {
      st.streams.set(streamKey(String(device), String(epoch), String(lane) as Lane), {
        device: String(device),
        epoch: String(epoch),
        lane: String(lane) as Lane,
        vehicle: String(vehicle),
        seq: parseSeqState(String(ranges), Number(gaps)),
        duplicates: Number(dups),
        lastIngestMs: Number(lastIngest),
        lastBronzeId: Number(lastBronze),
        lastLagMs: lastLag === null ? null : Number(lastLag),
        maxLagMs: maxLag === null ? null : Number(maxLag),
      });
    }
    for (const [d, v] of (await this.conn.runAndReadAll('SELECT device_id, vehicle FROM device_vehicle')).getRows()) st.deviceVehicle.set(String(d), String(v));
    for (const [d, p] of (await this.conn.runAndReadAll('SELECT driver_id, pseudonym FROM driver_map')).getRows()) st.drivers.set(String(d), String(p));
    const wm = (await this.conn.runAndReadAll(`SELECT value FROM pipeline_state WHERE key = 'silver_watermark'`)).getRows()[0];
    this.state = st;
    this.watermark = wm === undefined ? 0 : Number(wm[0]);
  }

  /**
   * Processes up to `maxBatches` Bronze batches (stopping early once `maxEvents` events are gathered) in one
   * transaction. Returns zero batches when Silver is up to date.
   */
  async processNext(maxBatches = 256, maxEvents = 200_000): Promise<ProcessResult> {
    const reader = await this.conn.runAndReadAll(
      `SELECT bronze_id, device_id, enqueued_ms, body FROM bronze_batches WHERE bronze_id > ? ORDER BY bronze_id LIMIT ?`,
      [this.watermark, maxBatches],
    );
    const rows = reader.getRows();
    if (rows.length === 0) return { batches: 0, events: 0, watermark: this.watermark };
    const builder = new SilverBuilder(this.state, this.opts);
    let batches = 0;
    for (const [id, device, enqueued, body] of rows) {
      builder.add({ bronzeId: Number(id), deviceId: String(device), enqueuedMs: Number(enqueued), body: (body as DuckDBBlobValue).bytes });
      batches++;
      if (builder.out.events >= maxEvents) break;
    }
    try {
      await inTransaction(this.conn, () => writeSilver(this.conn, builder.out, this.state));
    } catch (err) {
      await this.reload();
      throw err;
    }
    this.watermark = builder.out.lastBronzeId;
    return { batches, events: builder.out.events, watermark: this.watermark };
  }

  /** Processes until Bronze is exhausted. */
  async processAll(): Promise<ProcessResult> {
    let batches = 0;
    let events = 0;
    for (;;) {
      const r = await this.processNext();
      if (r.batches === 0) break;
      batches += r.batches;
      events += r.events;
    }
    return { batches, events, watermark: this.watermark };
  }
}
