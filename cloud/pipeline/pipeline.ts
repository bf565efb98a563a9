/**
 * The medallion pipeline as one object: open it on a data folder, hand its Bronze sink to the hub, and it keeps
 * Silver, Gold and the Parquet export up to date in the background (shortly after each Bronze commit). Replay,
 * retention and erase run through the same serialised worker, so they never interleave with processing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { IngestSink } from '../hub/ingest-sink.ts';
import { AzureBlobExportTarget } from '../storage/azure-blob-target.ts';
import { compactDatabase, DB_FILE, openDatabase } from '../storage/duckdb.ts';
import type { ExportTarget } from '../storage/export-target.ts';
import { LocalExportTarget } from '../storage/local-target.ts';
import { BronzeSink, type BronzeStats } from './bronze/bronze-sink.ts';
import { exportAll, exportDirty, type ExportResult } from './export/export-parquet.ts';
import { partitionKey, planGoldSlice } from './gold/plan-gold.ts';
import { readDirtyPartitions, refreshGold, refreshGoldPartitions, type GoldResult } from './gold/refresh-gold.ts';
import { digestAll, type TableDigest } from './ops/canonical.ts';
import { eraseSubject, type EraseReport, type EraseSubject } from './ops/erase.ts';
import { clearDerived } from './ops/replay.ts';
import { enforceRetention, type RetentionResult } from './ops/retention.ts';
import { PipelineQueries } from './queries.ts';
import { createSchema } from './schema.ts';
import { parsePipelineSettings, type ExportTargetSettings, type PipelineSettings } from './settings.ts';
import { SilverProcessor, type ProcessResult } from './silver/process-bronze.ts';

export interface PipelineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLogger: PipelineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface OpenPipelineOptions {
  dataDir: string;
  /** Raw settings (validated and defaulted here) or already parsed ones. */
  settings?: unknown;
  /** Overrides settings.export.target (tests, embedding). */
  exportTarget?: ExportTarget;
  logger?: PipelineLogger;
  /** Clock for retention (tests). */
  now?: () => number;
  /** Driver pseudonym generator (tests); random by default. */
  newPseudonym?: (driverId: string) => string;
}

export interface CatchUpResult {
  silver: ProcessResult;
  gold: GoldResult;
}

export interface RoundResult extends CatchUpResult {
  /** When the loop has more to do without a new Bronze commit: 0 for at once, null for nothing. */
  nextInMs: number | null;
}

export function makeExportTarget(s: ExportTargetSettings, dataDir: string): ExportTarget {
  if (s.kind === 'local') return new LocalExportTarget(s.dir ?? join(dataDir, 'export'));
  return new AzureBlobExportTarget({
    ...(s.connectionString !== undefined ? { connectionString: s.connectionString } : {}),
    ...(s.containerUrl !== undefined ? { containerUrl: s.containerUrl } : {}),
    ...(s.container !== undefined ? { container: s.container } : {}),
    prefix: s.prefix,
    createIfMissing: s.createIfMissing,
  });
}

/** Silver chunks per background round before a Gold slice (each chunk is up to silver.batchesPerTransaction batches). */
const BACKGROUND_CHUNKS_PER_ROUND = 4;

export class Pipeline {
  /** The query helpers the API uses (own connection, read-only use). */
  readonly queries: PipelineQueries;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Number.POSITIVE_INFINITY;
  /** When this process last refreshed each Gold partition that is dirty or was refreshed within loop.goldEveryS. */
  private readonly goldRefreshedAt = new Map<string, number>();
  private exportTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private lastError: unknown = null;

  private constructor(
    readonly dataDir: string,
    readonly settings: PipelineSettings,
    private readonly instance: DuckDBInstance,
    private readonly worker: DuckDBConnection,
    private readonly bronze: BronzeSink,
    private readonly silver: SilverProcessor,
    readonly exportTarget: ExportTarget | null,
    private readonly log: PipelineLogger,
    private readonly now: () => number,
    queryConn: DuckDBConnection,
  ) {
    this.queries = new PipelineQueries(queryConn);
  }

  static async open(opts: OpenPipelineOptions): Promise<Pipeline> {
    const settings = parsePipelineSettings(opts.settings ?? {});
    await compactIfPending(opts.dataDir);
    const { instance } = await openDatabase(opts.dataDir, {
      ...(settings.duckdb.threads !== undefined ? { threads: settings.duckdb.threads } : {}),
      ...(settings.duckdb.memoryLimit !== undefined ? { memoryLimit: settings.duckdb.memoryLimit } : {}),
    });
    try {
      const worker = await instance.connect();
      await createSchema(worker);
      const bronzeConn = await instance.connect();
      const queryConn = await instance.connect();
      let wake: () => void = () => undefined;
      const bronze = await BronzeSink.open(bronzeConn, { onCommitted: () => wake() });
      const silver = await SilverProcessor.open(worker, {
        maxFutureMs: settings.silver.maxFutureS * 1000,
        workerThread: settings.silver.workerThread,
        batchesPerTransaction: settings.silver.batchesPerTransaction,
        maxEventsPerTransaction: settings.silver.maxEventsPerTransaction,
        ...(opts.newPseudonym ? { newPseudonym: opts.newPseudonym } : {}),
      });
      const target = opts.exportTarget ?? (settings.export.enabled ? makeExportTarget(settings.export.target, opts.dataDir) : null);
      const p = new Pipeline(opts.dataDir, settings, instance, worker, bronze, silver, target, opts.logger ?? silentLogger, opts.now ?? Date.now, queryConn);
      wake = () => p.wake();
      return p;
    } catch (err) {
      instance.closeSync();
      throw err;
    }
  }

  /** Bronze: give this to the hub endpoint. `accept` resolves once the batch is committed in DuckDB. */
  get sink(): IngestSink {
    return this.bronze;
  }

  get bronzeStats(): BronzeStats {
    return this.bronze.stats;
  }

  /** The last background error, if the loop is currently failing (cleared by a successful run). */
  get error(): unknown {
    return this.lastError;
  }

  /** Starts background processing: after Bronze commits (debounced), the export timer and the retention timer. */
  start(): void {
    this.running = true;
    this.wake();
    const exportMs = this.settings.export.everyS * 1000;
    if (this.exportTarget !== null && exportMs > 0) {
      this.exportTimer = setInterval(() => void this.exclusive(() => this.exportOnce()).catch((err) => this.fail(err, 'export')), exportMs);
      this.exportTimer.unref();
    }
    const retentionMs = this.settings.retention.everyHours * 3_600_000;
    void this.runRetention().catch((err) => this.fail(err, 'retention'));
    this.retentionTimer = setInterval(() => void this.runRetention().catch((err) => this.fail(err, 'retention')), retentionMs);
    this.retentionTimer.unref();
  }

  /** Schedules a background round in `delayMs` (sooner if one is already scheduled sooner). */
  private wake(delayMs = this.settings.loop.debounceMs): void {
    if (!this.running || this.closed) return;
    const due = performance.now() + delayMs;
    if (this.timer !== null) {
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = Number.POSITIVE_INFINITY;
      void this.exclusive(() => this.roundUnlocked())
        .then((r) => {
          this.lastError = null;
          if (r.nextInMs !== null) this.wake(r.nextInMs);
        })
        .catch((err) => {
          this.fail(err, 'processing');
          // Retry later; Bronze is durable, nothing is lost meanwhile.
          setTimeout(() => this.wake(), 1000).unref();
        });
    }, delayMs);
  }

  /** Runs one background round now, after anything queued (tests and tools; start() runs them by itself). */
  backgroundRound(): Promise<RoundResult> {
    return this.exclusive(() => this.roundUnlocked());
  }

  /**
   * Silver first, then at most one Gold slice (plan-gold.ts): a Bronze batch waits for one slice at most, never for
   * the whole fleet's Gold, whose cost grows with every partition's day so far.
   */
  private async roundUnlocked(): Promise<RoundResult> {
    const silver = await this.silver.processAll(BACKGROUND_CHUNKS_PER_ROUND);
    const loop = this.settings.loop;
    const everyMs = loop.goldEveryS * 1000;
    const now = this.now();
    const dirty = await readDirtyPartitions(this.worker);
    const plan = planGoldSlice(dirty, this.goldRefreshedAt, now, { everyMs, maxEvents: loop.goldEventsPerSlice, maxPartitions: loop.goldPartitionsPerTransaction });
    const gold = await refreshGoldPartitions(this.worker, this.settings.gold, plan.slice);
    for (const p of plan.slice) this.goldRefreshedAt.set(partitionKey(p.vehicle, p.dayMs), now);
    // Forget stamps that no longer hold anything off; keep those of dirty partitions, which order the queue.
    const stillDirty = new Set(dirty.map((p) => partitionKey(p.vehicle, p.dayMs)));
    for (const [k, t] of this.goldRefreshedAt) if (!stillDirty.has(k) && (now - t >= everyMs || t > now)) this.goldRefreshedAt.delete(k);
    const nextInMs = silver.more ? 0 : plan.nextDueMs === null ? null : Math.max(0, plan.nextDueMs - now);
    return { silver, gold, nextInMs };
  }

  private fail(err: unknown, what: string): void {
    this.lastError = err;
    this.log.error({ err }, `pipeline ${what} failed`);
  }

  /** Runs fn after everything queued before it; one worker transaction at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async catchUpUnlocked(): Promise<CatchUpResult> {
    const silver = await this.silver.processAll();
    const gold: GoldResult = { partitions: 0, vehicles: 0, alerts: 0 };
    for (;;) {
      const g = await refreshGold(this.worker, this.settings.gold, this.settings.loop.goldPartitionsPerTransaction);
      if (g.partitions === 0) break;
      gold.partitions += g.partitions;
      gold.vehicles += g.vehicles;
      gold.alerts += g.alerts;
    }
    return { silver, gold };
  }

  /** Waits for Bronze to commit what it has, then brings Silver and Gold up to date. */
  async processPending(): Promise<CatchUpResult> {
    await this.bronze.drain();
    return this.exclusive(() => this.catchUpUnlocked());
  }

  /** Brings Silver only up to date (benchmarks). */
  async processSilver(): Promise<ProcessResult> {
    await this.bronze.drain();
    return this.exclusive(() => this.silver.processAll());
  }

  /** Recomputes dirty Gold partitions only (benchmarks). */
  async refreshGold(): Promise<GoldResult> {
    return this.exclusive(async () => {
      const gold: GoldResult = { partitions: 0, vehicles: 0, alerts: 0 };
      for (;;) {
        const g = await refreshGold(this.worker, this.settings.gold, this.settings.loop.goldPartitionsPerTransaction);
        if (g.partitions === 0) return gold;
        gold.partitions += g.partitions;
        gold.vehicles += g.vehicles;
        gold.alerts += g.alerts;
      }
    });
  }

  private async exportOnce(): Promise<ExportResult> {
    if (this.exportTarget === null) return { written: 0, deleted: 0 };
    return exportDirty(this.worker, this.exportTarget, join(this.dataDir, 'export-scratch'));
  }

  /** Writes every changed export partition now. */
  async exportNow(): Promise<ExportResult> {
    return this.exclusive(() => this.exportOnce());
  }

  /** Rewrites the whole export (and removes objects of partitions that no longer exist). */
  async exportEverything(): Promise<ExportResult> {
    if (this.exportTarget === null) return { written: 0, deleted: 0 };
    const target = this.exportTarget;
    return this.exclusive(() => exportAll(this.worker, target, join(this.dataDir, 'export-scratch')));
  }

  /** Rebuilds Silver and Gold (and the export) from Bronze. */
  async replay(): Promise<CatchUpResult> {
    await this.bronze.drain();
    return this.exclusive(async () => {
      await clearDerived(this.worker);
      await this.silver.reload();
      const r = await this.catchUpUnlocked();
      if (this.exportTarget !== null) await exportAll(this.worker, this.exportTarget, join(this.dataDir, 'export-scratch'));
      return r;
    });
  }

  async runRetention(nowMs = this.now()): Promise<RetentionResult> {
    return this.exclusive(() => enforceRetention(this.worker, this.settings.retention, nowMs, this.exportTarget));
  }

  /**
   * Removes a vehicle or a driver from every layer and the export, and records an audit row. Pending Bronze is
   * processed first so that nothing of the subject is waiting outside Silver.
   */
  async erase(subject: EraseSubject, opts: { reference?: string } = {}): Promise<EraseReport> {
    await this.bronze.drain();
    const report = await this.exclusive(async () => {
      await this.catchUpUnlocked();
      const r = await eraseSubject(this.worker, subject, { nowMs: this.now(), ...(opts.reference !== undefined ? { reference: opts.reference } : {}) });
      await this.silver.reload();
      await this.catchUpUnlocked();
      if (this.exportTarget !== null) await this.exportOnce();
      // Fold the WAL into the database file so deleted rows are not left in the log.
      await this.worker.run('CHECKPOINT');
      return r;
    });
    await this.bronze.reload();
    return report;
  }

  /**
   * A new connection on the pipeline's database, for readers that need more than the query helpers (the API's
   * time series). Treat it as read-only; close it with closeSync() before the pipeline closes.
   */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('pipeline is closed');
    return this.instance.connect();
  }

  /** Canonical digests of every Silver and Gold table (replay checks). */
  async digest(opts: { exclude?: Readonly<Record<string, readonly string[]>> } = {}): Promise<Record<string, TableDigest>> {
    return this.exclusive(() => digestAll(this.worker, opts));
  }

  /** Stops the background work, drains Bronze, checkpoints and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.exportTimer) clearInterval(this.exportTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.timer = null;
    await this.bronze.close();
    await this.exclusive(async () => {
      try {
        await this.worker.run('CHECKPOINT');
      } catch (err) {
        this.log.warn({ err }, 'checkpoint at close failed');
      }
    });
    this.closed = true;
    await this.silver.close();
    await this.exportTarget?.close();
    this.queries.close();
    this.worker.closeSync();
    this.instance.closeSync();
  }
}

/**
 * After an erase the database file is rewritten (compactDatabase) so that no freed block still holds the subject's
 * bytes. A running pipeline cannot swap its own file, so erase leaves a flag and this runs at the next open (the
 * CLI erase command closes and reopens right away).
 */
export async function compactIfPending(dataDir: string): Promise<boolean> {
  if (!existsSync(join(dataDir, DB_FILE))) return false;
  const { instance } = await openDatabase(dataDir);
  let pending = false;
  try {
    const conn = await instance.connect();
    const has = (await conn.runAndReadAll(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'pipeline_state'`)).getRows()[0]![0];
    if (Number(has) > 0)
      pending = (await conn.runAndReadAll(`SELECT count(*) FROM pipeline_state WHERE key = 'compact_pending'`)).getRows()[0]![0] !== 0n;
    conn.closeSync();
  } finally {
    instance.closeSync();
  }
  if (pending) await compactDatabase(dataDir, (c) => c.run(`DELETE FROM pipeline_state WHERE key = 'compact_pending'`).then(() => undefined));
  return pending;
}

export async function openPipeline(opts: OpenPipelineOptions): Promise<Pipeline> {
  return Pipeline.open(opts);
}
