/**
 * A durable IngestSink: an append-only LevelDB spool of hub telemetry, the default until the pipeline's Bronze
 * layer takes over. `accept` resolves only after the record is on disk (sync write through adaptive group commit).
 * Records keep deviceId and messageId so a consumer can drop the duplicates that at-least-once delivery brings.
 */
import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { pack, unpack } from 'msgpackr';
import type { HubTelemetry, IngestSink } from './ingest-sink.ts';
import { GroupCommitter } from './group-commit.ts';

export interface SpoolRecord extends HubTelemetry {
  /** Position in the spool, increasing. */
  seq: number;
}

export interface SpoolOptions {
  /** fsync each group commit (default true). false survives a process crash but not a power loss. */
  sync?: boolean;
}

type Db = Level<string, Uint8Array>;
type Stored = [deviceId: string, body: Uint8Array, system: HubTelemetry['system'], properties: Record<string, string>, enqueuedAt: number];

/** Fixed-width hex keeps LevelDB's byte order equal to numeric order. */
const keyOf = (seq: number): string => seq.toString(16).padStart(14, '0');

/** What a consumer dedupes on: the device's messageId when it set one. */
export const idempotencyKey = (r: SpoolRecord): string => `${r.deviceId}\u0000${r.system.messageId ?? `#${r.seq}`}`;

export class SpoolSink implements IngestSink {
  private seq: number;
  private db: Db;
  private broken = false;
  private closed = false;
  private readonly committer: GroupCommitter<HubTelemetry>;

  private constructor(
    readonly dir: string,
    db: Db,
    lastSeq: number,
    private readonly sync: boolean,
  ) {
    this.db = db;
    this.seq = lastSeq;
    this.committer = new GroupCommitter((items) => this.writeBatch(items));
  }

  static async open(dir: string, opts: SpoolOptions = {}): Promise<SpoolSink> {
    await mkdir(dir, { recursive: true });
    const db = await SpoolSink.openDb(dir);
    let last = 0;
    for await (const k of db.keys({ reverse: true, limit: 1 })) last = parseInt(k, 16);
    return new SpoolSink(dir, db, last, opts.sync ?? true);
  }

  private static async openDb(dir: string): Promise<Db> {
    const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.open();
    return db;
  }

  accept(msg: HubTelemetry): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    return this.committer.submit(msg);
  }

  private async writeBatch(items: HubTelemetry[]): Promise<void> {
    // LevelDB refuses every write after a failed one: reopen before trying again.
    if (this.broken) {
      await this.db.close().catch(() => undefined);
      this.db = await SpoolSink.openDb(this.dir);
      this.broken = false;
    }
    const first = this.seq + 1;
    const ops = items.map((m, i) => {
      const value: Stored = [m.deviceId, m.body, m.system, m.properties, m.enqueuedAt];
      return { type: 'put' as const, key: keyOf(first + i), value: pack(value) as Uint8Array };
    });
    try {
      await this.db.batch(ops, { sync: this.sync });
    } catch (err) {
      this.broken = true;
      throw err;
    }
    this.seq += items.length;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Records after `after` (exclusive), oldest first. */
  async read(opts: { after?: number; limit?: number } = {}): Promise<SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    const it = this.db.iterator({ gt: keyOf(opts.after ?? 0), limit: opts.limit ?? 1000, highWaterMarkBytes: 1 << 20 });
    try {
      for await (const [k, v] of it) {
        const [deviceId, body, system, properties, enqueuedAt] = unpack(v) as Stored;
        out.push({ seq: parseInt(k, 16), deviceId, body: new Uint8Array(body), system, properties, enqueuedAt });
      }
    } finally {
      await it.close();
    }
    return out;
  }

  /** Deletes records up to and including `seq`, once a consumer has stored them elsewhere. */
  async trim(throughSeq: number): Promise<void> {
    await this.db.clear({ lte: keyOf(throughSeq) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.drain();
    await this.db.close();
  }
}
