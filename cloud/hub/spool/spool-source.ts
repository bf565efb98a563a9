import { notifyConnection, type DeviceConnectionEvent, type HubSource, type MethodResult, type Twin } from '../hub-source.ts';
import type { HubTelemetry, IngestSink } from '../ingest-sink.ts';
import type { ExportTarget } from '../../storage/export-target.ts';
import { decodeSegment, SegmentError, type Segment } from './segment-codec.ts';
import { QUARANTINE_PREFIX, SPOOL_PREFIX, segmentCutAt } from './segment-key.ts';

export type SpoolLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface SpoolSourceOptions {
  /** Wait between listings when the spool is empty; also the first retry delay after a failure (doubling to 30 s). */
  pollIntervalMs: number;
  /** sink.accept calls in flight at once within one segment. */
  concurrency: number;
  log?: SpoolLog;
  now?: () => number;
}

export interface SpoolSourceStats {
  segmentsImported: number;
  recordsImported: number;
  segmentsQuarantined: number;
  importFailures: number;
  /** Segments in the spool at the last listing, minus those imported since. */
  pendingSegments: number;
  /** Age of the oldest segment not yet imported, in ms (0 when none is pending). */
  oldestPendingAgeMs: number;
}

const MAX_BACKOFF_MS = 30_000;

/** A service side that never reads telemetry: the pipeline replica gets telemetry from the spool instead. */
const refuseAll: IngestSink = {
  accept: () => Promise.reject(new Error('the pipeline replica reads telemetry from the spool, not from Event Hubs')),
  close: async () => {},
};

/**
 * The pipeline replica's HubSource: telemetry comes from the spool that the ingest replicas write (each segment is
 * handed to the sink in record order, then deleted once the sink has stored all of it), and everything else —
 * twins, direct methods, C2D, connection polling — goes to `service`, an IoT Hub source that reads no partitions.
 * A crash between storing and deleting imports the segment again; Bronze recognises the redelivered batches.
 * A segment that cannot be decoded is moved to `spool-quarantine/` with the same name, counted, and skipped.
 */
export class SpoolHubSource implements HubSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Keys of the last listing; those before `next` are imported. */
  private listed: string[] = [];
  private next = 0;
  private readonly listeners = new Set<(e: DeviceConnectionEvent) => void>();
  private unsubscribeService: (() => void) | undefined;
  private readonly log: SpoolLog;
  private readonly now: () => number;
  private readonly counters = { segmentsImported: 0, recordsImported: 0, segmentsQuarantined: 0, importFailures: 0 };

  constructor(
    private readonly target: ExportTarget,
    private readonly service: HubSource,
    private readonly opts: SpoolSourceOptions,
  ) {
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
  }

  async start(sink: IngestSink): Promise<void> {
    if (this.running || this.loop) throw new Error('the spool source is already started');
    this.unsubscribeService = this.service.onConnection((e) => this.emit(e));
    await this.service.start(refuseAll);
    this.running = true;
    this.loop = this.run(sink);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.unsubscribeService?.();
    await this.service.stop();
  }

  getTwin(deviceId: string): Promise<Twin> {
    return this.service.getTwin(deviceId);
  }

  updateDesired(deviceId: string, patch: Record<string, unknown>): Promise<Twin> {
    return this.service.updateDesired(deviceId, patch);
  }

  invokeMethod(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult> {
    return this.service.invokeMethod(deviceId, method, payload, timeoutS);
  }

  sendC2D(deviceId: string, body: Uint8Array | string, properties?: Record<string, string>): Promise<void> {
    return this.service.sendC2D(deviceId, body, properties);
  }

  onConnection(listener: (e: DeviceConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): SpoolSourceStats {
    const first = this.listed[this.next];
    const oldest = first === undefined ? null : segmentCutAt(first);
    return {
      ...this.counters,
      pendingSegments: this.listed.length - this.next,
      oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, this.now() - oldest),
    };
  }

  /** Resolves once the spool is empty: everything in it imported or quarantined (tests and benchmarks). */
  async drained(): Promise<void> {
    while (this.running) {
      const keys = await this.target.list(SPOOL_PREFIX);
      if (keys.length === 0) return;
      this.wake?.();
      await new Promise((r) => setTimeout(r, Math.min(50, this.opts.pollIntervalMs)));
    }
  }

  private async run(sink: IngestSink): Promise<void> {
    let delay = this.opts.pollIntervalMs;
    while (this.running) {
      let failed = false;
      let imported = 0;
      const deletes: Promise<void>[] = [];
      try {
        this.listed = await this.target.list(SPOOL_PREFIX);
        this.next = 0;
        // The next segment is read while the current one goes into Bronze; a segment is deleted in the background
        // once Bronze has it, and all those deletes finish before the spool is listed again.
        let fetching = this.listed.length ? this.fetch(this.listed[0] as string) : undefined;
        while (this.running && fetching) {
          const current = await fetching;
          const following = this.listed[this.next + 1];
          fetching = following === undefined ? undefined : this.fetch(following);
          fetching?.catch(() => {});
          const done = await this.importSegment(current, sink);
          if (done) deletes.push(done);
          this.next++;
          imported++;
        }
        await Promise.all(deletes);
      } catch (err) {
        await Promise.allSettled(deletes);
        failed = true;
        this.counters.importFailures++;
        this.log('warn', 'spool import failed; the segment stays and is tried again', { error: String(err), retryInMs: delay });
      }
      if (!this.running) break;
      if (failed) {
        await this.sleep(delay);
        delay = Math.min(MAX_BACKOFF_MS, delay * 2);
      } else {
        delay = this.opts.pollIntervalMs;
        if (imported === 0) await this.sleep(delay);
      }
    }
  }

  private async fetch(key: string): Promise<{ key: string; bytes: Uint8Array | null }> {
    return { key, bytes: await this.target.get(key) };
  }

  /** Stores the segment in the sink; resolves with its pending delete (undefined when there was nothing to import). */
  private async importSegment({ key, bytes }: { key: string; bytes: Uint8Array | null }, sink: IngestSink): Promise<Promise<void> | undefined> {
    if (bytes === null) return undefined;
    let segment: Segment;
    try {
      segment = decodeSegment(bytes);
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      // Copy first, delete second: a crash in between leaves the segment to be quarantined again, never lost.
      await this.target.putBytes(QUARANTINE_PREFIX + key.slice(SPOOL_PREFIX.length), bytes);
      await this.target.delete(key);
      this.counters.segmentsQuarantined++;
      this.log('error', 'quarantined a spool segment that cannot be read', { key, reason: err.message, bytes: bytes.length });
      return undefined;
    }
    await this.acceptAll(segment, sink);
    for (const r of segment.records) if (r.kind === 'connection') this.emit(r.event);
    this.counters.segmentsImported++;
    this.counters.recordsImported += segment.records.length;
    return this.target.delete(key);
  }

  /** Hands the segment's telemetry to the sink in order, `concurrency` at a time; rejects if any is refused. */
  private async acceptAll(segment: Segment, sink: IngestSink): Promise<void> {
    const msgs: HubTelemetry[] = [];
    for (const r of segment.records) if (r.kind === 'telemetry') msgs.push(r.msg);
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < msgs.length) {
        const msg = msgs[next++] as HubTelemetry;
        try {
          await sink.accept(msg);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, this.opts.concurrency), msgs.length) }, worker));
    if (failure !== undefined) throw failure;
  }

  private emit(e: DeviceConnectionEvent): void {
    notifyConnection(this.listeners, e, this.log);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
