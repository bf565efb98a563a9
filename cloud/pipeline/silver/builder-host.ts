/**
 * Where Bronze batches are turned into Silver rows (decode, validate, upcast, dedup): on a worker thread, so that
 * it overlaps with the main thread's DuckDB writes and uses the second core, or inline (fallback, and when
 * threads are off). Both keep their own copy of the Silver state, loaded from a snapshot of the database.
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../../../shared/package-root.ts';
import type { Lane } from '../../../shared/contracts/types.ts';
import { streamKey } from '../bronze/batch-meta.ts';
import { parseSeries } from './resend-filter.ts';
import { parseSeqState } from './seq-tracker.ts';
import { emptySilverOutput, emptySilverState, expectedEvents, SilverBuilder, type BronzeBatch, type SilverOptions, type SilverState, type SilverWrite, type StreamRowData } from './to-silver.ts';

export interface SilverSnapshot {
  streams: StreamRowData[];
  devices: [device: string, vehicle: string][];
}

export function stateFromSnapshot(s: SilverSnapshot): SilverState {
  const st = emptySilverState();
  for (const [device, epoch, lane, vehicle, ranges, gapsClosed, duplicates, lastIngestMs, lastBronzeId, lastLagMs, maxLagMs, series] of s.streams) {
    st.streams.set(streamKey(device, epoch, lane as Lane), {
      device,
      epoch,
      lane: lane as Lane,
      vehicle,
      seq: parseSeqState(ranges, gapsClosed),
      duplicates,
      lastIngestMs,
      lastBronzeId,
      lastLagMs,
      maxLagMs,
      series: parseSeries(series),
    });
  }
  for (const [d, v] of s.devices) st.deviceVehicle.set(d, v);
  return st;
}

export interface BuilderHost {
  readonly threaded: boolean;
  load(snapshot: SilverSnapshot, opts: SilverOptions): Promise<void>;
  build(batches: BronzeBatch[]): Promise<SilverWrite>;
  close(): Promise<void>;
}

export class InlineBuilder implements BuilderHost {
  readonly threaded = false;
  private state: SilverState = emptySilverState();
  private opts: SilverOptions = { maxFutureMs: 86_400_000 };

  async load(snapshot: SilverSnapshot, opts: SilverOptions): Promise<void> {
    this.state = stateFromSnapshot(snapshot);
    this.opts = opts;
  }

  async build(batches: BronzeBatch[]): Promise<SilverWrite> {
    const b = new SilverBuilder(this.state, this.opts, emptySilverOutput(expectedEvents(batches)));
    for (const x of batches) b.add(x);
    return b.finish();
  }

  async close(): Promise<void> {}
}

export type WorkerRequest =
  | { id: number; type: 'load'; snapshot: SilverSnapshot; opts: SilverOptions }
  | { id: number; type: 'build'; batches: BronzeBatch[] };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type WorkerReply = { id: number; ok: true; write?: SilverWrite } | { id: number; ok: false; error: string };

export class WorkerBuilder implements BuilderHost {
  readonly threaded = true;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      p.resolve(r);
    });
    const fail = (err: Error): void => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`Silver worker exited (code ${code})`)));
    // Idle, the worker must not keep the process alive; while a call is pending it must (see call()).
    worker.unref();
  }

  /** Starts the worker thread (TypeScript through tsx's loader, as the CLI does). */
  static start(): WorkerBuilder {
    const boot = pathToFileURL(packagePath('cloud', 'pipeline', 'silver', 'silver-worker-boot.mjs'));
    const entry = pathToFileURL(packagePath('cloud', 'pipeline', 'silver', 'silver-worker.ts')).href;
    return new WorkerBuilder(new Worker(boot, { workerData: { entry } }));
  }

  get failed(): Error | null {
    return this.dead;
  }

  private call(req: WithoutId<WorkerRequest>): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<WorkerReply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  async load(snapshot: SilverSnapshot, opts: SilverOptions): Promise<void> {
    const r = await this.call({ type: 'load', snapshot, opts });
    if (!r.ok) throw new Error(`Silver worker: ${r.error}`);
  }

  async build(batches: BronzeBatch[]): Promise<SilverWrite> {
    const r = await this.call({ type: 'build', batches });
    if (!r.ok) throw new Error(`Silver worker: ${r.error}`);
    if (!r.write) throw new Error('Silver worker: empty reply');
    return r.write;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
