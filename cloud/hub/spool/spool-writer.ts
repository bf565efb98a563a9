import type { DeviceConnectionEvent } from '../hub-source.ts';
import type { HubTelemetry, IngestSink } from '../ingest-sink.ts';
import type { ExportTarget } from '../../storage/export-target.ts';
import { encodeSegment, type SpoolRecord } from './segment-codec.ts';
import { segmentKey } from './segment-key.ts';

export interface SpoolWriterOptions {
  /** Names this process in segment keys; unique per process (see writerName). */
  writer: string;
  /** How long the first message of a segment waits for company before the segment is written. */
  flushDelayMs: number;
  maxRecords: number;
  /** Approximate payload bytes per segment (message bodies plus a fixed allowance per record). */
  maxBytes: number;
  now?: () => number;
}

export interface SpoolWriterStats {
  segmentsWritten: number;
  recordsWritten: number;
  writeFailures: number;
  /** Epoch ms of the first failure since the last successful write, or null while writes succeed. */
  failingSince: number | null;
}

export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
}

interface Pending {
  records: SpoolRecord[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  bytes: number;
}

const RECORD_OVERHEAD = 256;

/**
 * The ingest replica's sink: messages accepted from Event Hubs are grouped into segments and written to the shared
 * spool, and `accept` resolves only once the segment holding the message is stored. The partition handler
 * checkpoints after that, so a checkpoint never passes a message the spool does not have (store before checkpoint,
 * as Bronze does in a single-process deployment).
 */
export class SpoolWriter implements IngestSink {
  private pending: Pending = { records: [], waiters: [], bytes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly writes = new Set<Promise<void>>();
  private counter = 0;
  private closed = false;
  private readonly now: () => number;
  readonly stats: SpoolWriterStats = { segmentsWritten: 0, recordsWritten: 0, writeFailures: 0, failingSince: null };

  constructor(
    private readonly target: ExportTarget,
    private readonly opts: SpoolWriterOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  accept(msg: HubTelemetry): Promise<void> {
    if (this.closed) return Promise.reject(new SpoolWriteError('the spool writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.waiters.push({ resolve, reject });
      this.add({ kind: 'telemetry', msg }, msg.body.length);
    });
  }

  /** A connection notice rides along with the next segment; nothing waits for it (notices are advisory). */
  note(event: DeviceConnectionEvent): void {
    if (!this.closed) this.add({ kind: 'connection', event }, 0);
  }

  /** Writes what is pending now, without waiting for the delay. */
  flush(): Promise<void> {
    return this.cut();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cut();
    await Promise.allSettled([...this.writes]);
  }

  private add(record: SpoolRecord, bodyBytes: number): void {
    const p = this.pending;
    p.records.push(record);
    p.bytes += bodyBytes + RECORD_OVERHEAD;
    if (p.records.length >= this.opts.maxRecords || p.bytes >= this.opts.maxBytes) void this.cut();
    else this.timer ??= setTimeout(() => void this.cut(), this.opts.flushDelayMs);
  }

  private cut(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.pending;
    if (group.records.length === 0) return Promise.resolve();
    this.pending = { records: [], waiters: [], bytes: 0 };
    const cutAt = this.now();
    const key = segmentKey(cutAt, this.opts.writer, this.counter++);
    const write = (async () => {
      try {
        await this.target.putBytes(key, encodeSegment({ writer: this.opts.writer, createdAt: cutAt, records: group.records }));
      } catch (err) {
        this.stats.writeFailures++;
        this.stats.failingSince ??= this.now();
        const e = new SpoolWriteError(`could not write spool segment ${key}: ${(err as Error).message}`, { cause: err });
        for (const w of group.waiters) w.reject(e);
        return;
      }
      this.stats.segmentsWritten++;
      this.stats.recordsWritten += group.records.length;
      this.stats.failingSince = null;
      for (const w of group.waiters) w.resolve();
    })();
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
    return write;
  }
}
