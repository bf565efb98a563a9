/**
 * Moves Bronze batches past the Silver watermark into Silver, a run of batches per transaction, in Bronze order
 * (bronze_id). Building the rows (decode, validate, dedup) happens on a worker thread while the main thread writes
 * the previous run, so the two overlap. The Silver state (sequence sets, device map, driver pseudonyms) is saved in
 * the same transaction as the rows, and reloaded from the database whenever a transaction fails, so it never
 * drifts from what is stored.
 */
import type { DuckDBBlobValue, DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { inTransaction } from '../../storage/duckdb.ts';
import { SILVER_BATCHES_PER_TRANSACTION, SILVER_MAX_EVENTS_PER_TRANSACTION } from '../settings.ts';
import { InlineBuilder, WorkerBuilder, type BuilderHost, type SilverSnapshot } from './builder-host.ts';
import { resolveDrivers, writeSilver } from './silver-writer.ts';
import type { BronzeBatch, SilverOptions, SilverWrite, StreamRowData } from './to-silver.ts';
import type { Lane } from '../../../shared/contracts/types.ts';

export interface ProcessResult {
  batches: number;
  events: number;
  /** Highest bronze_id now in Silver. */
  watermark: number;
  /** True when the run stopped at its chunk budget with Bronze batches still waiting. */
  more?: boolean;
}

export interface ProcessorOptions extends SilverOptions {
  /** A new driver pseudonym: random in production, so it says nothing about the id (injectable for tests). */
  newPseudonym: (driverId: string) => string;
  /** Build Silver rows on a worker thread (default true). */
  workerThread: boolean;
  batchesPerTransaction: number;
  maxEventsPerTransaction: number;
}

export function randomPseudonym(): string {
  return `drv_${randomBytes(8).toString('hex')}`;
}

interface Chunk {
  batches: BronzeBatch[];
  lastId: number;
}

export class SilverProcessor {
  private host: BuilderHost;
  private drivers = new Map<string, string>();
  private watermark = 0;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly opts: ProcessorOptions,
  ) {
    this.host = opts.workerThread ? startWorker() : new InlineBuilder();
  }

  static async open(conn: DuckDBConnection, opts: Partial<ProcessorOptions> = {}): Promise<SilverProcessor> {
    const p = new SilverProcessor(conn, {
      maxFutureMs: opts.maxFutureMs ?? 86_400_000,
      newPseudonym: opts.newPseudonym ?? randomPseudonym,
      workerThread: opts.workerThread ?? true,
      batchesPerTransaction: opts.batchesPerTransaction ?? SILVER_BATCHES_PER_TRANSACTION,
      maxEventsPerTransaction: opts.maxEventsPerTransaction ?? SILVER_MAX_EVENTS_PER_TRANSACTION,
    });
    await p.reload();
    return p;
  }

  get lastProcessed(): number {
    return this.watermark;
  }

  get threaded(): boolean {
    return this.host.threaded;
  }

  /** Reads the Silver state back from the database (into the builder, wherever it runs). */
  async reload(): Promise<void> {
    const streams = (
      await this.conn.runAndReadAll(
        `SELECT gateway, epoch, lane::VARCHAR, vehicle, ranges, gaps_closed::DOUBLE, duplicates::DOUBLE, last_ingest_ms::DOUBLE,
                last_bronze_id::DOUBLE, last_lag_ms::DOUBLE, max_lag_ms::DOUBLE, series
         FROM silver_streams`,
      )
    ).getRows().map(
      (r): StreamRowData => [String(r[0]), String(r[1]), String(r[2]) as Lane, String(r[3]), String(r[4]), Number(r[5]), Number(r[6]), Number(r[7]), Number(r[8]), r[9] === null ? null : Number(r[9]), r[10] === null ? null : Number(r[10]), r[11] === null ? '{}' : String(r[11])],
    );
    const devices = (await this.conn.runAndReadAll('SELECT device_id, vehicle FROM device_vehicle')).getRows().map(([d, v]): [string, string] => [String(d), String(v)]);
    const snapshot: SilverSnapshot = { streams, devices };
    this.drivers = new Map((await this.conn.runAndReadAll('SELECT driver_id, pseudonym FROM driver_map')).getRows().map(([d, p]) => [String(d), String(p)]));
    const wm = (await this.conn.runAndReadAll(`SELECT value FROM pipeline_state WHERE key = 'silver_watermark'`)).getRows()[0];
    this.watermark = wm === undefined ? 0 : Number(wm[0]);
    try {
      await this.host.load(snapshot, { maxFutureMs: this.opts.maxFutureMs });
    } catch {
      // The worker is gone: carry on in this thread.
      await this.host.close().catch(() => undefined);
      this.host = new InlineBuilder();
      await this.host.load(snapshot, { maxFutureMs: this.opts.maxFutureMs });
    }
  }

  /** The next run of Bronze batches after `after`: at most batchesPerTransaction, and about maxEventsPerTransaction events. */
  private async readChunk(after: number): Promise<Chunk | null> {
    const rows = (
      await this.conn.runAndReadAll(
        `SELECT bronze_id, device_id, enqueued_ms, body, coalesce(event_count, 0) FROM bronze_batches WHERE bronze_id > ? ORDER BY bronze_id LIMIT ?`,
        [after, this.opts.batchesPerTransaction],
      )
    ).getRows();
    if (rows.length === 0) return null;
    const batches: BronzeBatch[] = [];
    let events = 0;
    let lastId = after;
    for (const [id, device, enqueued, body, count] of rows) {
      lastId = Number(id);
      batches.push({ bronzeId: lastId, deviceId: String(device), enqueuedMs: Number(enqueued), body: (body as DuckDBBlobValue).bytes, eventCount: Number(count) });
      events += Number(count);
      if (events >= this.opts.maxEventsPerTransaction) break;
    }
    return { batches, lastId };
  }

  private async write(w: SilverWrite): Promise<void> {
    const created = resolveDrivers(w, this.drivers, this.opts.newPseudonym);
    const after = this.watermark;
    await inTransaction(this.conn, () => writeSilver(this.conn, w, created, after));
    this.watermark = w.lastBronzeId;
  }

  /** Processes one run of Bronze batches in one transaction; zero batches when Silver is up to date. */
  async processNext(): Promise<ProcessResult> {
    const chunk = await this.readChunk(this.watermark);
    if (chunk === null) return { batches: 0, events: 0, watermark: this.watermark };
    try {
      const w = await this.host.build(chunk.batches);
      await this.write(w);
      return { batches: chunk.batches.length, events: w.events, watermark: this.watermark };
    } catch (err) {
      await this.reload();
      throw err;
    }
  }

  /**
   * Processes until Bronze is exhausted, building run k+1 on the worker while run k is written. Any failure
   * discards the runs in flight and reloads the state; the next call resumes at the watermark.
   */
  /**
   * Brings Silver up to Bronze, reading at most `maxChunks` chunks: the background loop bounds it so that Gold is
   * refreshed between rounds while trucks keep sending, instead of waiting until Bronze goes quiet.
   */
  async processAll(maxChunks = Number.POSITIVE_INFINITY): Promise<ProcessResult> {
    let batches = 0;
    let events = 0;
    let readAfter = this.watermark;
    let launched = 0;
    let more = false;
    const launch = async (): Promise<{ p: Promise<SilverWrite>; n: number } | null> => {
      if (launched >= maxChunks) {
        more = (await this.conn.runAndReadAll('SELECT 1 FROM bronze_batches WHERE bronze_id > ? LIMIT 1', [readAfter])).getRows().length > 0;
        return null;
      }
      launched++;
      const chunk = await this.readChunk(readAfter);
      if (chunk === null) return null;
      readAfter = chunk.lastId;
      const p = this.host.build(chunk.batches);
      p.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      return { p, n: chunk.batches.length };
    };
    let inflight = await launch();
    while (inflight !== null) {
      let next: Awaited<ReturnType<typeof launch>> = null;
      try {
        next = await launch();
        const w = await inflight.p;
        await this.write(w);
        batches += inflight.n;
        events += w.events;
      } catch (err) {
        await next?.p.catch(() => undefined);
        await this.reload();
        throw err;
      }
      inflight = next;
    }
    return { batches, events, watermark: this.watermark, ...(more ? { more } : {}) };
  }

  async close(): Promise<void> {
    await this.host.close();
  }
}

function startWorker(): BuilderHost {
  try {
    return WorkerBuilder.start();
  } catch {
    return new InlineBuilder();
  }
}
