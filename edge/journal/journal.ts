/**
 * The gateway's durable journal: a thin adapter over LevelDB (`level`). See index.ts for the API contract.
 *
 * One serialized writer does every write (appends, ack deletions, evictions and their meta records), so batches
 * commit in seq order and lane meta snapshots are never applied out of order. Group commit is adaptive: a batch is
 * written as soon as no write is running; items arriving meanwhile form the next batch. At low rates a short commit
 * delay (like MySQL's binlog_group_commit_sync_delay) lets a few items share one fsync: the oldest queued item waits
 * at most `commitDelayMs`, and alerts, a full `commitNoDelayCount`, flushes and closing never wait. The delay is
 * only worth it while other items do arrive during it: an appender that waits for each append before the next (one
 * sensor with one message in flight) gains nothing, so when delays stop gathering company they are skipped, with
 * an occasional probe to notice when company comes back.
 *
 * In-memory state is derived from disk: any failed write rejects everything queued, closes the database (LevelDB
 * refuses writes after a failed one) and rebuilds the state by reopening and scanning. Seqs are re-derived from the
 * keys actually stored, so a failed batch leaves neither a gap nor a reused seq, even if it did land on disk.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import type { Lane, LaneStatus, StampedEvent, EpochMs } from '../../shared/contracts/types.ts';
import { LANES } from '../../shared/contracts/types.ts';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { planEviction, type LaneUsage } from './eviction-policy.ts';
import { JournalBusyError, JournalFullError, JournalUnavailableError, JournalWriteError } from './errors.ts';
import { assertReadableFormat, markFormat, readFormatFile } from './format-marker.ts';
import { EVENT_KEY_BYTES, META_BOOT, META_EPOCH, eventKey, laneBounds, laneMetaKey, seqOfKey } from './keys.ts';
import { LaneIndex } from './lane-index.ts';
import { BlockTable } from './block-table.ts';
import { blockEvents, blockSpan, encodeBlock } from './block-format.ts';
import { PendingRts } from './pending-rts.ts';
import { addRange, emptyRanges, highestDone, isDone, nextNotDone, parseRanges, raiseFloor, type SeqRanges } from './seq-ranges.ts';
import { JournalSettingsSchema, type JournalSettings, type JournalSettingsInput } from './settings.ts';
import { LaneCursor, type ReadChunk } from './cursor.ts';
import { foldTelemetry } from './rollup.ts';

/** A StampedEvent before the journal gives it a seq. */
export type JournalItem = StampedEvent extends infer E ? (E extends StampedEvent ? Omit<E, 'seq'> : never) : never;

/** `level`'s type omits the ClassicLevel-only maintenance methods that exist at runtime in Node. */
export type JournalDb = Level<Uint8Array, Uint8Array> & {
  compactRange(start: Uint8Array, end: Uint8Array): Promise<void>;
};

export type JournalState = 'open' | 'recovering' | 'closing' | 'closed';

export interface JournalEvents {
  /** A batch holding appends of these lanes is durable: cursors can read further. */
  committed: [lanes: Lane[]];
  /** A write batch is durable: how long it took (fsync included) and how many appends it held. */
  wrote: [durationMs: number, puts: number];
  state: [state: JournalState];
  /** A write or reopen failed. The journal recovers by itself; appends reject meanwhile. */
  fault: [error: Error];
  evicted: [lane: Lane, events: number, bytes: number];
  /** Old telemetry folded to make room: `events` of them (also told as evicted) became `written` rollups and positions. */
  downsampled: [lane: Lane, events: number, written: number];
  compacted: [durationMs: number];
  /** A stored event did not decode: dropped and counted as evicted so that its lane keeps moving (told once per event). */
  undecodable: [lane: Lane, seq: number, reason: string];
}

/** Fault injection used ONLY by tests: runs before each batch write; throwing (or closing `db`) fails the write. */
export interface JournalTestHooks {
  beforeWrite?: (db: JournalDb, batch: { puts: number; folded: number }) => void | Promise<void>;
}

export interface JournalLaneStatus extends LaneStatus {
  /** Next seq to be assigned. */
  nextSeq: number;
  /** Highest durably stored seq (readers never see past it). */
  committedSeq: number;
  /** Appends refused since open because the cap left no room (not persisted). */
  refused: number;
  /** Acknowledged islands above lastAckedSeq (live-first acks waiting for the gap below to close). */
  ackedIslands: number;
}

export interface JournalStatus {
  state: JournalState;
  epoch: string;
  bootId: string;
  capBytes: number;
  liveBytes: number;
  /** Size of the database folder, measured every maintenance interval. */
  diskBytes: number;
  queuedEvents: number;
  droppedBestEffort: number;
  /** Stored events (or damaged blocks) that no longer decode: dropped as evictions so that their lanes keep moving. */
  undecodable: number;
  lanes: Record<Lane, JournalLaneStatus>;
}

interface PersistedLane {
  floor: number;
  ranges: Array<[number, number]>;
  lastAckAt: EpochMs | null;
  evicted: number;
  downsampled: number;
}

/** A lane's ack and eviction state as stored in its meta record. */
interface LaneMeta {
  done: SeqRanges;
  lastAckAt: EpochMs | null;
  evicted: number;
  downsampled: number;
}

interface LaneRuntime {
  readonly lane: Lane;
  index: LaneIndex;
  /** Which stored block holds each seq: a lane's appends in one write batch share one LevelDB value. */
  blocks: BlockTable;
  nextSeq: number;
  committedSeq: number;
  /** Bytes of queued (not yet durable) appends; they are not evictable. */
  pendingBytes: number;
  pendingRt: PendingRts;
  /** Done seqs as acks arrive (cursors and stats use this). */
  done: SeqRanges;
  lastAckAt: EpochMs | null;
  evicted: number;
  /** Of `evicted`, the events folded by downsampling. */
  downsampled: number;
  /** What the next batch persists: updated only by items inside a batch, so a snapshot never runs ahead of its deletes. */
  persisted: LaneMeta;
  /** Seqs a cursor has read and not yet seen acknowledged: they may be on their way to the cloud, so never folded. */
  handedOut: SeqRanges;
  /** Downsampling has looked at every seq up to here (since open): what is still live below it cannot be folded. */
  foldedThrough: number;
  head: { seq: number; rt: EpochMs } | null;
  headLoading: boolean;
  refused: number;
}

/** Told once per append: `(null, seq)` when it is durable, `(error, 0)` when it was refused or its write failed. */
export type AppendDone = (err: Error | null, seq: number) => void;

type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };
type MetaPut = { key: Uint8Array; value: Uint8Array };

/** `fold`: the downsampling round an item belongs to; the writer never splits one between batches. */
type Item =
  | { t: 'put'; lane: Lane; seq: number; value: Uint8Array; bytes: number; done: AppendDone; fold?: number }
  | { t: 'ack'; lane: Lane; lo: number; hi: number; at: EpochMs; keys: Uint8Array[]; events: number; bytes: number; resolve: () => void; reject: (e: Error) => void }
  | { t: 'evict'; lane: Lane; lo: number; hi: number; keys: Uint8Array[]; events: number; bytes: number; downsampled: number; fold?: number };

/** One lane's appends in one write batch: stored as one block under the key of `first`. */
interface Block {
  lane: Lane;
  first: number;
  values: Uint8Array[];
}

const packr = new Packr({ useRecords: false });
const SCAN_CHUNK = 1000;
/**
 * Events one downsampling round folds: bounds its memory. Larger rounds split fewer windows across rollups.
 */
const DOWNSAMPLE_CHUNK = 2000;
/**
 * ...read and decoded this many per turn of the event loop, which the rest of the gateway, alerts included, waits
 * for (decoding and folding 2,000 in one turn took 10-40 ms on a busy 2-core machine).
 */
const DOWNSAMPLE_READ = 500;
/** Commit delays are skipped while fewer puts than this join them on average... */
const DELAY_MIN_GAIN = 0.5;
/** ...except for one probe this often. */
const DELAY_PROBE_EVERY_MS = 500;

export class Journal extends EventEmitter<JournalEvents> {
  private db: JournalDb;
  private readonly lanes = {} as Record<Lane, LaneRuntime>;
  private stateValue: JournalState = 'open';
  private queue: Item[] = [];
  private queuedPuts = 0;
  private writing = false;
  private drainScheduled = false;
  private commitTimer: NodeJS.Timeout | null = null;
  /** performance.now() when the queue last went from empty to not empty. */
  private queuedSince = 0;
  private alertQueued = false;
  /** Puts queued when the pending commit delay began, or null when no delay is pending. */
  private delayFromPuts: number | null = null;
  /** Smoothed count of puts that joined during a commit delay; below DELAY_MIN_GAIN the delay is skipped. */
  private delayGain = 1;
  private lastDelayProbe = 0;
  private idleWaiters: Array<() => void> = [];
  private failureStreak = 0;
  private droppedBestEffort = 0;
  private undecodableValue = 0;
  private diskBytesValue = 0;
  private deletedSinceCompaction = 0;
  private compacting: Promise<void> | null = null;
  private recovering: Promise<void> | null = null;
  private downsampling: Promise<void> | null = null;
  /** Downsampling rounds started: each one's writes carry its number, so that the writer keeps them together. */
  private folds = 0;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private wakeRecovery: (() => void) | null = null;

  private constructor(
    readonly settings: Readonly<JournalSettings>,
    readonly epoch: string,
    /** Increments on every Journal.open of this folder. */
    readonly bootCounter: number,
    db: JournalDb,
    private readonly testHooks: JournalTestHooks | undefined,
  ) {
    super();
    this.db = db;
  }

  /** `${epoch}:${bootCounter}`: new on every open, so the cloud can tell gateway restarts apart. */
  get bootId(): string {
    return `${this.epoch}:${this.bootCounter}`;
  }

  get state(): JournalState {
    return this.stateValue;
  }

  /**
   * Opens (creating if needed) the journal folder, restores lane seqs, acks and counters, and scans the lanes to
   * rebuild the byte accounting, and marks the folder with this code's format (format-marker.ts). Throws
   * SettingsError for bad settings, JournalFormatError (before anything is opened or written) when a newer release
   * wrote the folder, or LevelDB's error if the folder cannot be opened.
   */
  static async open(input: JournalSettingsInput, opts: { testHooks?: JournalTestHooks } = {}): Promise<Journal> {
    const settings = validateSettings(JournalSettingsSchema, input, 'journal');
    const format = await readFormatFile(settings.dir);
    assertReadableFormat(settings.dir, format);
    const db = openDb(settings.dir);
    await db.open();
    try {
      await markFormat(settings.dir, format);
      const epochRaw = await db.get(META_EPOCH);
      const epoch = epochRaw ? Buffer.from(epochRaw).toString('utf8') : randomBytes(8).toString('hex');
      const bootRaw = await db.get(META_BOOT);
      const bootCounter = (bootRaw ? Number(Buffer.from(bootRaw).toString('utf8')) : 0) + 1;
      await db.batch(
        [
          { type: 'put', key: META_EPOCH, value: Buffer.from(epoch) },
          { type: 'put', key: META_BOOT, value: Buffer.from(String(bootCounter)) },
        ],
        { sync: true },
      );
      const j = new Journal(settings, epoch, bootCounter, db, opts.testHooks);
      await j.load(db);
      j.maintenanceTimer = setInterval(() => void j.maintain(), settings.maintenanceIntervalMs).unref();
      void j.measureDisk();
      return j;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  // ---------------------------------------------------------------- appends

  /**
   * Stores one event. Resolves with its seq once the batch holding it is durable; promises resolve in call order
   * (so PUBACKs can follow arrival order). Rejects with JournalUnavailableError, JournalFullError, JournalWriteError
   * (nothing stored: do not acknowledge) or, for best-effort appends over the queue limit, JournalBusyError.
   */
  append(lane: Lane, item: JournalItem, opts: { bestEffort?: boolean } = {}): Promise<number> {
    return new Promise<number>((resolve, reject) => this.enqueuePut(lane, item, (err, seq) => (err ? reject(err) : resolve(seq)), opts.bestEffort === true));
  }

  /**
   * `append` with a callback: `done(null, seq)` once durable, or `done(error)` with the same errors `append` rejects
   * with (a refusal is told on a later tick, never inside this call). The broker's hot path uses it: one callback per
   * message instead of a promise chain that lives until the fsync.
   */
  appendThen(lane: Lane, item: JournalItem, done: AppendDone): void {
    this.enqueuePut(lane, item, done, false);
  }

  /** QoS 0: same queue and order, never rejects; a failure or a full queue only counts as dropped. */
  appendBestEffort(lane: Lane, item: JournalItem): void {
    this.enqueuePut(lane, item, this.bestEffortDone, true);
  }

  private readonly bestEffortDone: AppendDone = (err) => {
    if (err && !(err instanceof JournalBusyError)) this.droppedBestEffort += 1; // busy drops are counted where they happen
  };

  private enqueuePut(lane: Lane, item: JournalItem, done: AppendDone, bestEffort: boolean): void {
    if (this.stateValue !== 'open') return refuse(done, new JournalUnavailableError(this.stateValue));
    const L = this.lanes[lane];
    if (!L) return refuse(done, new TypeError(`unknown lane ${String(lane)}`));
    if (!Number.isFinite(item.rt)) return refuse(done, new TypeError('journal item needs a finite rt'));
    if (bestEffort && this.queuedPuts >= this.settings.maxQueuedBestEffort) {
      this.droppedBestEffort += 1;
      return refuse(done, new JournalBusyError());
    }
    const seq = L.nextSeq;
    let value: Uint8Array;
    try {
      value = packr.pack({ seq, rt: item.rt, kind: item.kind, body: item.body }) as Uint8Array;
    } catch (err) {
      return refuse(done, new TypeError(`journal item cannot be encoded: ${(err as Error).message}`));
    }
    const bytes = EVENT_KEY_BYTES + value.length;
    const full = this.makeRoom(lane, bytes);
    if (full) {
      L.refused += 1;
      return refuse(done, full);
    }
    this.queuePut(L, seq, value, bytes, item.rt, done);
    this.kick();
  }

  /** Takes `seq` (the lane's next) for an encoded event that has room, and queues its write. */
  private queuePut(L: LaneRuntime, seq: number, value: Uint8Array, bytes: number, rt: EpochMs, done: AppendDone, fold?: number): void {
    L.nextSeq = seq + 1;
    L.index.add(seq, bytes);
    L.pendingBytes += bytes;
    L.pendingRt.push(seq, rt);
    if (L.head === null) L.head = { seq, rt };
    this.enqueue(fold === undefined ? { t: 'put', lane: L.lane, seq, value, bytes, done } : { t: 'put', lane: L.lane, seq, value, bytes, done, fold });
    this.queuedPuts += 1;
  }

  // ---------------------------------------------------------------- acks

  /** Acknowledges everything in the lane up to `uptoSeq` (inclusive): deletes it and advances lastAckedSeq. */
  ack(lane: Lane, uptoSeq: number): Promise<void> {
    const floor = this.lanes[lane]?.done.floor ?? 0;
    if (uptoSeq <= floor) return Promise.resolve();
    return this.ackRange(lane, floor + 1, uptoSeq);
  }

  /**
   * Acknowledges [fromSeq, toSeq] (inclusive) anywhere in the lane, e.g. a live batch above an unsent backlog.
   * lastAckedSeq advances when the gap below closes. Resolves once the deletion is durable; idempotent.
   * Throws RangeError for seqs not yet durably stored.
   */
  ackRange(lane: Lane, fromSeq: number, toSeq: number): Promise<void> {
    if (this.stateValue !== 'open') return Promise.reject(new JournalUnavailableError(this.stateValue));
    const L = this.lanes[lane];
    if (!L) return Promise.reject(new TypeError(`unknown lane ${String(lane)}`));
    if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || fromSeq < 1 || toSeq < fromSeq) {
      return Promise.reject(new RangeError(`invalid ack range [${fromSeq}, ${toSeq}]`));
    }
    if (toSeq > L.committedSeq) {
      return Promise.reject(new RangeError(`cannot ack ${lane} seq ${toSeq}: only ${L.committedSeq} is stored`));
    }
    const at = Date.now();
    L.done = addRange(L.done, fromSeq, toSeq);
    L.lastAckAt = at;
    const { keys, events, bytes } = this.removeLive(L, fromSeq, toSeq);
    this.refreshHead(L);
    return new Promise<void>((resolve, reject) => {
      this.enqueue({ t: 'ack', lane, lo: fromSeq, hi: toSeq, at, keys, events, bytes, resolve, reject });
      this.kick();
    });
  }

  // ---------------------------------------------------------------- reads

  /**
   * A cursor over durably stored, unacknowledged events of a lane, in seq order, starting after `afterSeq`
   * (default: lastAckedSeq) and ending at `untilSeq` (inclusive; default: no end, it follows new appends).
   */
  cursor(lane: Lane, opts: { afterSeq?: number; untilSeq?: number } = {}): LaneCursor {
    return new LaneCursor(
      { read: (a, u, me, mb, d) => this.read(lane, a, u, me, mb, d), lastAckedSeq: () => this.lanes[lane].done.floor },
      lane,
      opts.afterSeq ?? this.lanes[lane].done.floor,
      opts.untilSeq ?? null,
    );
  }

  /**
   * Live first with backfill: splits a lane at its current tail (minus `recent` events to resend the newest state).
   * `live` follows new appends from the split; `backlog` reads the older unsent events oldest first and ends at the
   * split (null when there is none). Ack each chunk with ackRange(lane, first, last).
   */
  liveAndBacklog(lane: Lane, opts: { recent?: number } = {}): { live: LaneCursor; backlog: LaneCursor | null } {
    const L = this.lanes[lane];
    const split = Math.max(L.done.floor, L.committedSeq - Math.max(0, opts.recent ?? 0));
    return {
      live: this.cursor(lane, { afterSeq: split }),
      backlog: split > L.done.floor ? this.cursor(lane, { afterSeq: L.done.floor, untilSeq: split }) : null,
    };
  }

  /**
   * Reads by key, not by scan: the lane index says which seqs after `afterSeq` are live (stored, not acked or
   * evicted) and how large each is, so the chunk is chosen in memory and fetched with one getMany. This never wades
   * through tombstones of acked events, and it holds no native memory afterwards: classic-level keeps each closed
   * iterator's native state until V8 collects its handle, which V8 does not hurry to do because it cannot see that
   * memory (measured: ~250 bytes per event read, never returned while the heap stayed calm, 455 MB RSS after a 1M
   * drain), while a getMany frees its buffers when it completes.
   */
  private async read(lane: Lane, afterSeq: number, untilSeq: number | null, maxEvents: number, maxBytes: number, decode: boolean): Promise<ReadChunk> {
    const L = this.lanes[lane];
    const out: ReadChunk = { events: [], encoded: [], seqs: [], bytes: 0, lastSeq: afterSeq };
    const upper = Math.min(untilSeq ?? Number.MAX_SAFE_INTEGER, L.committedSeq);
    let after = afterSeq;
    // Loops only when everything chosen was acked or evicted while its values were being fetched.
    while (out.seqs.length === 0 && after < upper) {
      if (this.stateValue !== 'open' && this.stateValue !== 'closing') throw new JournalUnavailableError(this.stateValue);
      const seqs: number[] = [];
      let bytes = 0;
      let full = false;
      L.index.scanFrom(after + 1, upper, (seq, b) => {
        if (seqs.length > 0 && bytes + b > maxBytes) {
          full = true;
          return false;
        }
        seqs.push(seq);
        bytes += b;
        full = seqs.length >= maxEvents;
        return !full;
      });
      if (seqs.length === 0) {
        // Nothing live up to `upper`: the rest of the range is acked or evicted.
        out.lastSeq = upper;
        break;
      }
      await this.fetchInto(L, seqs, decode, out);
      after = seqs.at(-1)!;
      out.lastSeq = full ? after : upper;
    }
    // Below the done floor nothing is live: without raising it, the gaps acks and evictions leave between reads
    // would keep islands here for as long as the journal is open.
    if (out.seqs.length > 0) L.handedOut = raiseFloor(addRange(L.handedOut, out.seqs[0]!, out.seqs.at(-1)!), L.done.floor);
    return out;
  }

  /** Fetches the stored values of `seqs` (ascending) into `out`, decoded with `decode`; skips what is no longer live. */
  private async fetchInto(L: LaneRuntime, seqs: number[], decode: boolean, out: ReadChunk): Promise<void> {
    const lane = L.lane;
    // One fetch per block: consecutive seqs mostly share one.
    const starts: number[] = [];
    const which: number[] = [];
    let block: [number, number] | undefined;
    for (const seq of seqs) {
      if (!block || seq > block[1]) {
        block = L.blocks.find(seq) ?? [seq, seq];
        starts.push(block[0]);
      }
      which.push(starts.length - 1);
    }
    let values: (Uint8Array | undefined)[];
    try {
      values = await this.db.getMany(starts.map((first) => eventKey(lane, first)));
    } catch (err) {
      // The database was closed underneath this read by a failed write: report it as the state it is.
      if (this.stateValue !== 'open' && this.stateValue !== 'closing') throw new JournalUnavailableError(this.stateValue);
      throw err;
    }
    const split: Array<Uint8Array[] | null | undefined> = [];
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]!;
      const b = which[i]!;
      const stored = values[b];
      if (stored === undefined || !L.index.has(seq)) continue;
      if (split[b] === undefined) split[b] = blockEvents(stored);
      const v = split[b]?.[seq - starts[b]!];
      if (v === undefined) {
        this.dropUndecodable(L, seq, `stored block of ${stored.length} bytes is damaged`);
        continue;
      }
      if (decode) {
        const event = decodeEvent(v, seq);
        if (typeof event === 'string') {
          this.dropUndecodable(L, seq, `${event} (${v.length} bytes, starting ${Buffer.from(v.subarray(0, 32)).toString('hex')})`);
          continue;
        }
        out.events.push(event);
      }
      out.seqs.push(seq);
      out.encoded.push(v);
      out.bytes += EVENT_KEY_BYTES + v.length;
    }
  }

  /**
   * A stored event that does not decode would stop its lane for good (every read would fail on it), and acks cover
   * only what was sent. It is dropped as an eviction instead: done, counted in the lane's evictions (so the cloud
   * sees the gap as accounted for), deleted, and told with its reason.
   */
  private dropUndecodable(L: LaneRuntime, seq: number, reason: string): void {
    if (!L.index.has(seq)) return;
    this.evictRange(L, seq, seq);
    this.kick();
    this.undecodableValue += 1;
    this.emit('undecodable', L.lane, seq, reason);
  }

  // ---------------------------------------------------------------- stats

  /** O(1). oldestUnsentMs may lag a moment behind an ack or eviction (the new head's rt is read asynchronously). */
  laneStatus(lane: Lane): JournalLaneStatus {
    const L = this.lanes[lane];
    return {
      backlogEvents: L.index.liveEvents,
      backlogBytes: L.index.liveBytes,
      oldestUnsentMs: L.head?.rt ?? null,
      lastAckedSeq: L.done.floor,
      lastAckAt: L.lastAckAt,
      evicted: L.evicted,
      downsampled: L.downsampled,
      nextSeq: L.nextSeq,
      committedSeq: L.committedSeq,
      refused: L.refused,
      ackedIslands: L.done.ranges.length,
    };
  }

  status(): JournalStatus {
    const lanes = {} as Record<Lane, JournalLaneStatus>;
    for (const lane of LANES) lanes[lane] = this.laneStatus(lane);
    return {
      state: this.stateValue,
      epoch: this.epoch,
      bootId: this.bootId,
      capBytes: this.settings.capBytes,
      liveBytes: this.liveBytes(),
      diskBytes: this.diskBytesValue,
      queuedEvents: this.queuedPuts,
      droppedBestEffort: this.droppedBestEffort,
      undecodable: this.undecodableValue,
      lanes,
    };
  }

  get diskBytes(): number {
    return this.diskBytesValue;
  }

  committedSeq(lane: Lane): number {
    return this.lanes[lane].committedSeq;
  }

  lastAckedSeq(lane: Lane): number {
    return this.lanes[lane].done.floor;
  }

  private liveBytes(): number {
    let sum = 0;
    for (const lane of LANES) sum += this.lanes[lane].index.liveBytes;
    return sum;
  }

  // ---------------------------------------------------------------- maintenance

  /** Measures the folder size now (it is also measured every maintenance interval). */
  async measureDisk(): Promise<number> {
    let sum = 0;
    try {
      for (const name of await readdir(this.settings.dir)) {
        sum += await stat(join(this.settings.dir, name)).then((s) => s.size, () => 0);
      }
    } catch {
      return this.diskBytesValue;
    }
    this.diskBytesValue = sum;
    return sum;
  }

  /** Compacts the whole key space, dropping tombstones of acked/evicted events. Runs at most one at a time. */
  compact(): Promise<void> {
    if (this.compacting) return this.compacting;
    if (this.stateValue !== 'open') return Promise.resolve();
    const started = performance.now();
    this.deletedSinceCompaction = 0;
    this.compacting = this.db
      .compactRange(new Uint8Array([0]), new Uint8Array([0xff]))
      .then(async () => {
        this.emit('compacted', performance.now() - started);
        await this.measureDisk();
      })
      .catch((err: unknown) => {
        this.emit('fault', err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.compacting = null;
      });
    return this.compacting;
  }

  private async maintain(): Promise<void> {
    if (this.stateValue !== 'open') return;
    if (this.deletedSinceCompaction >= this.settings.compactAfterDeletedBytes) await this.compact();
    else await this.measureDisk();
  }

  /** Resolves when everything queued so far has been written (or rejected). */
  flushed(): Promise<void> {
    if (!this.writing && !this.drainScheduled && this.queue.length === 0) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.kick(true);
    return idle;
  }

  /** Writes what is queued, then closes. Appends after this reject with JournalUnavailableError. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed' || this.stateValue === 'closing') return this.flushed();
    const wasRecovering = this.stateValue === 'recovering';
    this.setState('closing');
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    await this.downsampling;
    if (wasRecovering) {
      this.wakeRecovery?.();
      await this.recovering;
    }
    await this.flushed();
    await this.compacting;
    this.setState('closed');
    await this.db.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------- internals: capacity

  /** Makes room for `bytes` in `lane` by scheduling evictions; returns the error to reject with if it may not. */
  private makeRoom(lane: Lane, bytes: number): JournalFullError | null {
    const cap = this.settings.capBytes;
    if (bytes > cap) return new JournalFullError(lane, 'larger-than-cap');
    const over = this.liveBytes() + bytes - cap;
    if (over <= 0) return null;
    const usage = {} as Record<Lane, LaneUsage>;
    for (const l of LANES) usage[l] = { evictableBytes: this.lanes[l].index.liveBytes - this.lanes[l].pendingBytes };
    let plan = planEviction(usage, lane, over + this.settings.evictionSlackBytes);
    if (!plan.ok) plan = planEviction(usage, lane, over);
    if (!plan.ok) return new JournalFullError(lane, plan.reason);
    for (const { lane: victim, bytes: need } of plan.take) this.evictOldest(this.lanes[victim], need);
    return null;
  }

  private evictOldest(L: LaneRuntime, need: number): void {
    const lo = L.index.firstLive();
    if (lo === undefined || lo > L.committedSeq) return;
    let hi = lo;
    let freed = 0;
    L.index.scanLive(L.committedSeq, (seq, b) => {
      hi = seq;
      freed += b;
      return freed < need;
    });
    this.evictRange(L, lo, hi);
  }

  // ---------------------------------------------------------------- internals: downsampling

  /** Starts folding old telemetry (rollup.ts) when the journal is fuller than downsampleAtPercent of its cap. */
  private maybeDownsample(): void {
    if (this.downsampling || !this.overDownsampleMark()) return;
    this.downsampling = this.downsampleRounds()
      .catch((err: unknown) => {
        // A read that met a reopening database ends the run; the next commit starts another.
        if (!(err instanceof JournalUnavailableError)) this.emit('fault', new Error(`downsampling failed: ${(err as Error).message}`));
      })
      .finally(() => {
        this.downsampling = null;
      });
  }

  private overDownsampleMark(): boolean {
    const { downsampleWindowMs, downsampleAtPercent, capBytes } = this.settings;
    return downsampleWindowMs > 0 && this.stateValue === 'open' && this.liveBytes() > (capBytes * downsampleAtPercent) / 100;
  }

  private async downsampleRounds(): Promise<void> {
    const L = this.lanes.telemetry;
    while (this.overDownsampleMark() && L.foldedThrough < L.committedSeq) {
      if (!(await this.downsampleRound(L))) return;
    }
  }

  /**
   * One round over the oldest live events no cursor has read (those may already be on their way to the cloud).
   * What replaces them and their evictions are queued in one call as one fold, which the writer puts in one write
   * batch (see cut). Returns false when the round had to give up (the events changed while it read them, or the
   * replacement would not fit without evicting): the next commit tries again.
   */
  private async downsampleRound(L: LaneRuntime): Promise<boolean> {
    const seqs: number[] = [];
    const upper = L.committedSeq;
    let through = upper;
    const take = (seq: number): boolean => {
      seqs.push(seq);
      if (seqs.length < DOWNSAMPLE_CHUNK) return true;
      through = seq;
      return false;
    };
    // Between the islands of read seqs, which a connected uplink keeps at the tail: never one seq at a time.
    let from = nextNotDone(L.handedOut, Math.max(L.foldedThrough, L.done.floor));
    while (from <= upper && seqs.length < DOWNSAMPLE_CHUNK) {
      const island = L.handedOut.ranges.find((r) => r[0] > from);
      const to = Math.min(upper, island ? island[0] - 1 : upper);
      L.index.scanFrom(from, to, take);
      from = nextNotDone(L.handedOut, to);
    }
    const chunk: ReadChunk = { events: [], encoded: [], seqs: [], bytes: 0, lastSeq: 0 };
    for (let i = 0; i < seqs.length; i += DOWNSAMPLE_READ) await this.fetchInto(L, seqs.slice(i, i + DOWNSAMPLE_READ), true, chunk);
    // Decoding and folding in separate turns of the event loop: sensors and alerts get their turn in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { consumed, out } = foldTelemetry(chunk.events, this.settings.downsampleWindowMs);
    if (consumed.length > 0) {
      if (this.stateValue !== 'open' || consumed.some((seq) => !L.index.has(seq) || isDone(L.handedOut, seq))) return false;
      // Replacement and evictions go out in one write batch (LevelDB applies a batch whole): a crash leaves the
      // readings or the rollups, never both and never neither.
      const fold = ++this.folds;
      if (!this.putWithoutEviction(L, out, fold)) return false;
      // Each consumed seq is an eviction whose data lives on in what was appended: evicted - downsampled is what was lost.
      for (const [lo, hi] of liveRuns(L.index, consumed)) this.evictRange(L, lo, hi, fold);
      this.kick();
      this.emit('downsampled', L.lane, consumed.length, out.length);
    }
    L.foldedThrough = Math.max(L.foldedThrough, through);
    return true;
  }

  /** Queues `items` as durable appends if they fit under the cap as it is; false (nothing queued) if they do not. */
  private putWithoutEviction(L: LaneRuntime, items: JournalItem[], fold: number): boolean {
    const values = items.map((item, i) => packr.pack({ seq: L.nextSeq + i, rt: item.rt, kind: item.kind, body: item.body }) as Uint8Array);
    const bytes = values.reduce((sum, v) => sum + EVENT_KEY_BYTES + v.length, 0);
    if (this.liveBytes() + bytes > this.settings.capBytes) return false;
    for (let i = 0; i < items.length; i++) this.queuePut(L, L.nextSeq, values[i]!, EVENT_KEY_BYTES + values[i]!.length, items[i]!.rt, ignoreDone, fold);
    return true;
  }

  /** Evicts the live seqs in [lo, hi]: done, counted, and deleted by the next batch. `fold`: by that downsampling round. */
  private evictRange(L: LaneRuntime, lo: number, hi: number, fold?: number): void {
    const { keys, events, bytes } = this.removeLive(L, lo, hi);
    L.done = addRange(L.done, lo, hi);
    L.evicted += events;
    const downsampled = fold === undefined ? 0 : events;
    L.downsampled += downsampled;
    this.enqueue(fold === undefined ? { t: 'evict', lane: L.lane, lo, hi, keys, events, bytes, downsampled } : { t: 'evict', lane: L.lane, lo, hi, keys, events, bytes, downsampled, fold });
    this.refreshHead(L);
    this.emit('evicted', L.lane, events, bytes);
  }

  /**
   * Takes the live seqs in [lo, hi] out of the lane index and returns the keys of the blocks that no longer hold a
   * live event: those can be deleted. A block with events still live stays stored, and its done events are skipped
   * when it is read or loaded.
   */
  private removeLive(L: LaneRuntime, lo: number, hi: number): { keys: Uint8Array[]; events: number; bytes: number } {
    const keys: Uint8Array[] = [];
    let block: [number, number] | undefined;
    const settle = (): void => {
      if (block && !L.index.anyLive(block[0], block[1])) keys.push(eventKey(L.lane, block[0]));
    };
    // Seqs come in order, so every seq of the previous block inside [lo, hi] is already removed when it settles.
    const { events, bytes } = L.index.removeRange(lo, hi, (seq) => {
      if (block && seq <= block[1]) return;
      settle();
      block = L.blocks.find(seq) ?? [seq, seq];
    });
    settle();
    L.blocks.dropBelow(L.index.firstLive() ?? L.index.end);
    return { keys, events, bytes };
  }

  // ---------------------------------------------------------------- internals: writer

  private enqueue(item: Item): void {
    if (this.queue.length === 0) this.queuedSince = performance.now();
    if (item.t === 'put' && item.lane === 'alerts') this.alertQueued = true;
    this.queue.push(item);
  }

  /**
   * Starts a write if none is running, after the commit delay if one applies (`urgent` skips it). Deferred to the
   * check phase of the event loop so that appends issued in the same turn (e.g. every appender woken by the previous
   * batch's resolutions) join one batch instead of the first going out alone. Not process.nextTick: that runs before
   * promise continuations, and so before aedes delivers an alert the same message raised (building a batch put
   * 0.17 ms at the median, 0.43 ms at p90 between the rule firing and the display, measured at 100 msgs/s).
   */
  private kick(urgent = false): void {
    if (this.writing || this.drainScheduled || this.queue.length === 0 || !this.accepting()) return;
    const wait = urgent ? 0 : this.commitWait();
    if (wait > 0) {
      this.delayFromPuts ??= this.queuedPuts;
      // Not unref'd: appenders await this write, so it must keep the process alive.
      this.commitTimer ??= setTimeout(() => {
        this.commitTimer = null;
        this.kick(true);
      }, wait);
      return;
    }
    if (this.commitTimer) {
      clearTimeout(this.commitTimer);
      this.commitTimer = null;
    }
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  private accepting(): boolean {
    return this.stateValue === 'open' || this.stateValue === 'closing';
  }

  /** Writes one batch, then schedules the next: whatever queued up meanwhile. */
  private async drain(): Promise<void> {
    if (this.writing || this.queue.length === 0 || !this.accepting()) return this.notifyIdle();
    this.writing = true;
    this.noteDelayGain();
    const batch = this.cut();
    let failure: { err: unknown } | null = null;
    let started = 0;
    try {
      const meta = this.metaOps(batch);
      const blocks = blocksOf(batch);
      // Registered before the write: nothing reads, acks or evicts a seq before it is durable, and a failed write
      // rebuilds every table from disk.
      for (const blk of blocks) this.lanes[blk.lane].blocks.add(blk.first, blk.values.length);
      if (this.testHooks?.beforeWrite) await this.testHooks.beforeWrite(this.db, describeBatch(batch));
      started = performance.now();
      await writeItems(this.db, batch, blocks, meta, this.settings.sync);
    } catch (err) {
      failure = { err };
    }
    this.writing = false;
    if (failure) this.onWriteFailure(batch, failure.err);
    else {
      this.onDurable(batch);
      this.emit('wrote', performance.now() - started, describeBatch(batch).puts);
    }
    this.kick();
    this.notifyIdle();
  }

  /** Milliseconds the queue may still wait for more items to share its fsync; 0 or less: write now. */
  private commitWait(): number {
    const { commitDelayMs, commitNoDelayCount } = this.settings;
    if (commitDelayMs === 0 || this.alertQueued || this.queuedPuts >= commitNoDelayCount) return 0;
    if (this.stateValue !== 'open' || this.idleWaiters.length > 0) return 0;
    const now = performance.now();
    if (this.delayFromPuts === null && this.delayGain < DELAY_MIN_GAIN) {
      if (now - this.lastDelayProbe < DELAY_PROBE_EVERY_MS) return 0;
      this.lastDelayProbe = now;
    }
    return this.queuedSince + commitDelayMs - now;
  }

  /** Learns, at each write that followed a commit delay, how many puts joined during it. */
  private noteDelayGain(): void {
    if (this.delayFromPuts === null) return;
    this.delayGain = 0.7 * this.delayGain + 0.3 * (this.queuedPuts - this.delayFromPuts);
    this.delayFromPuts = null;
  }

  private notifyIdle(): void {
    if (this.writing || this.drainScheduled || (this.queue.length > 0 && this.accepting())) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** The next batch: as many queued items as fit the count and byte caps (always at least one). */
  private cut(): Item[] {
    let n = 0;
    let events = 0;
    let bytes = 0;
    for (const item of this.queue) {
      const e = item.t === 'put' ? 1 : item.keys.length;
      const b = item.t === 'put' ? item.bytes : item.keys.length * EVENT_KEY_BYTES;
      if (n > 0 && (events + e > this.settings.maxBatchEvents || bytes + b > this.settings.maxBatchBytes)) break;
      n += 1;
      events += e;
      bytes += b;
    }
    // A downsampling round is written whole, past the caps if need be (its size is bounded by the round).
    const foldOf = (i: number): number | undefined => {
      const item = this.queue[i];
      return item !== undefined && item.t !== 'ack' ? item.fold : undefined;
    };
    while (n < this.queue.length && foldOf(n) !== undefined && foldOf(n) === foldOf(n - 1)) n += 1;
    const batch = this.queue.splice(0, n);
    this.alertQueued = this.queue.some((i) => i.t === 'put' && i.lane === 'alerts');
    return batch;
  }

  /** The lane meta records a batch's acks and evictions change, applied to what the next snapshot persists. */
  private metaOps(batch: Item[]): MetaPut[] {
    const ops: MetaPut[] = [];
    const dirty = new Set<LaneRuntime>();
    for (const item of batch) {
      if (item.t === 'put') continue;
      const L = this.lanes[item.lane];
      L.persisted.done = addRange(L.persisted.done, item.lo, item.hi);
      if (item.t === 'ack') L.persisted.lastAckAt = item.at;
      else {
        L.persisted.evicted += item.events;
        L.persisted.downsampled += item.downsampled;
      }
      dirty.add(L);
    }
    for (const L of dirty) ops.push({ key: laneMetaKey(L.lane), value: packr.pack(persistedLane(L.persisted)) as Uint8Array });
    return ops;
  }

  private onDurable(batch: Item[]): void {
    this.failureStreak = 0;
    const appended = new Set<Lane>();
    for (const item of batch) {
      if (item.t === 'put') {
        const L = this.lanes[item.lane];
        L.committedSeq = item.seq;
        L.pendingBytes -= item.bytes;
        L.pendingRt.dropThrough(item.seq);
        this.queuedPuts -= 1;
        appended.add(item.lane);
        item.done(null, item.seq);
      } else {
        this.deletedSinceCompaction += item.bytes;
        if (item.t === 'ack') item.resolve();
      }
    }
    if (appended.size > 0) this.emit('committed', [...appended]);
    if (appended.has('telemetry')) this.maybeDownsample();
  }

  private onWriteFailure(batch: Item[], cause: unknown): void {
    const failed = [...batch, ...this.queue];
    this.queue = [];
    this.queuedPuts = 0;
    this.failureStreak += 1;
    const error = new JournalWriteError(cause);
    if (this.stateValue === 'open') this.setState('recovering');
    this.emit('fault', error);
    for (const item of failed) {
      if (item.t === 'put') item.done(error, 0);
      else if (item.t === 'ack') item.reject(error);
    }
    this.recovering ??= this.recover().finally(() => {
      this.recovering = null;
    });
  }

  /** Closes the refusing database and reopens it with backoff until it works or the journal is closed. */
  private async recover(): Promise<void> {
    await this.db.close().catch(() => undefined);
    let delay = Math.min(this.settings.reopenMinMs * 2 ** Math.max(0, this.failureStreak - 1), this.settings.reopenMaxMs);
    for (;;) {
      if (this.stateValue !== 'recovering') return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wakeRecovery = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeRecovery = null;
      if (this.stateValue !== 'recovering') return;
      const db = openDb(this.settings.dir);
      try {
        await db.open();
        await this.load(db);
        this.db = db;
        if (this.stateValue !== 'recovering') return; // closed meanwhile: close() closes this.db
        this.setState('open');
        return;
      } catch (err) {
        await db.close().catch(() => undefined);
        this.emit('fault', err instanceof Error ? err : new Error(String(err)));
        delay = Math.min(delay * 2, this.settings.reopenMaxMs);
      }
    }
  }

  private setState(s: JournalState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    this.emit('state', s);
  }

  // ---------------------------------------------------------------- internals: load

  /** Restores every lane from disk: persisted ack/evict state, then a scan of the stored events. */
  private async load(db: JournalDb): Promise<void> {
    const cleanup: BatchOp[] = [];
    const damaged: Array<[Lane, number, string]> = [];
    const fresh = {} as Record<Lane, LaneRuntime>;
    for (const lane of LANES) {
      const metaRaw = await db.get(laneMetaKey(lane));
      const meta = metaRaw ? parseLaneMeta(packr.unpack(metaRaw)) : { done: emptyRanges(), lastAckAt: null, evicted: 0, downsampled: 0 };
      const index = new LaneIndex(meta.done.floor + 1);
      const blocks = new BlockTable();
      let maxSeq = 0;
      let metaChanged = false;
      const torn: { block: { key: Uint8Array; first: number; span: number; bytes: number } | null } = { block: null };
      /**
       * A damaged block's events are lost. Their seqs stay taken and count as evicted, so nothing is lost silently.
       * Its header's count is believed only up to the next stored key (`limit`): a damaged header must not make a
       * good block after it look done.
       */
      const settleTorn = (limit: number): void => {
        const t = torn.block;
        if (!t) return;
        torn.block = null;
        const last = Math.min(t.first + t.span - 1, limit);
        maxSeq = Math.max(maxSeq, last);
        let lost = 0;
        for (let seq = t.first; seq <= last; seq++) if (!isDone(meta.done, seq)) lost += 1;
        if (lost > 0) {
          meta.done = addRange(meta.done, t.first, last);
          meta.evicted += lost;
          metaChanged = true;
          this.undecodableValue += 1;
          damaged.push([lane, t.first, `stored block of ${t.bytes} bytes is damaged; it held seqs ${t.first}-${last}, ${lost} of them not yet sent`]);
        }
        cleanup.push({ type: 'del', key: t.key });
      };
      let head: LaneRuntime['head'] = null;
      const it = db.iterator({ ...laneBounds(lane), highWaterMarkBytes: 1024 * 1024, fillCache: false });
      try {
        for (;;) {
          const entries = (await it.nextv(SCAN_CHUNK)) as Array<[Uint8Array, Uint8Array]>;
          if (entries.length === 0) break;
          for (const [k, v] of entries) {
            const first = seqOfKey(k);
            settleTorn(first - 1);
            const events = blockEvents(v);
            if (events === null) {
              torn.block = { key: k, first, span: blockSpan(v), bytes: v.length };
              continue;
            }
            maxSeq = first + events.length - 1;
            let live = 0;
            for (let i = 0; i < events.length; i++) {
              const seq = first + i;
              if (isDone(meta.done, seq)) continue;
              live += 1;
              if (head === null) head = { seq, rt: rtOf(events[i]!) };
              index.add(seq, EVENT_KEY_BYTES + events[i]!.length);
            }
            // Done but still stored: a crash between a meta snapshot and its deletes. Finish the delete.
            if (live === 0) cleanup.push({ type: 'del', key: k });
            else blocks.add(first, events.length);
          }
        }
        settleTorn(Number.MAX_SAFE_INTEGER);
      } finally {
        await it.close();
      }
      if (metaChanged) cleanup.push({ type: 'put', key: laneMetaKey(lane), value: packr.pack(persistedLane(meta)) as Uint8Array });
      const last = Math.max(maxSeq, highestDone(meta.done));
      fresh[lane] = {
        lane,
        index,
        blocks,
        nextSeq: last + 1,
        committedSeq: last,
        pendingBytes: 0,
        pendingRt: new PendingRts(last + 1),
        done: meta.done,
        lastAckAt: meta.lastAckAt,
        evicted: meta.evicted,
        downsampled: meta.downsampled,
        persisted: { ...meta },
        // Kept across a reopen after a failed write: what cursors read before it may still be on its way.
        handedOut: this.lanes[lane]?.handedOut ?? emptyRanges(meta.done.floor),
        foldedThrough: meta.done.floor,
        head,
        headLoading: false,
        refused: this.lanes[lane]?.refused ?? 0,
      };
    }
    if (cleanup.length > 0) await writeBatch(db, cleanup, this.settings.sync);
    Object.assign(this.lanes, fresh);
    // Told on a later turn: whoever opens the journal attaches its listeners after open() resolves.
    if (damaged.length > 0) setImmediate(() => damaged.forEach(([lane, seq, why]) => this.emit('undecodable', lane, seq, why)));
  }

  /** Keeps `head` (the oldest unsent event's rt) current; reads the new head when it is not in memory. */
  private refreshHead(L: LaneRuntime): void {
    const first = L.index.firstLive();
    if (first === undefined) {
      L.head = null;
      return;
    }
    if (L.head?.seq === first) return;
    const rt = L.pendingRt.get(first);
    if (rt !== undefined) {
      L.head = { seq: first, rt };
      return;
    }
    if (L.headLoading) return;
    L.headLoading = true;
    const start = L.blocks.find(first)?.[0] ?? first;
    this.db
      .get(eventKey(L.lane, start))
      .then((stored) => {
        const v = stored && blockEvents(stored)?.[first - start];
        if (v && L.index.firstLive() === first) L.head = { seq: first, rt: rtOf(v) };
      })
      .catch(() => undefined)
      .finally(() => {
        L.headLoading = false;
        if (this.stateValue === 'open' && L.index.firstLive() !== first) this.refreshHead(L);
      });
  }
}

/** A stored event, or why it is not one: it must decode, and to the seq it is stored under. */
function decodeEvent(encoded: Uint8Array, seq: number): StampedEvent | string {
  let event: unknown;
  try {
    event = packr.unpack(encoded);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const held = (event as Partial<StampedEvent> | null)?.seq;
  return held === seq ? (event as StampedEvent) : `decodes to ${held === undefined ? 'something without a seq' : `seq ${String(held)}`}, stored as seq ${seq}`;
}

/** An event's receive time; one that does not decode counts as received now (a read will drop it as undecodable). */
function rtOf(encoded: Uint8Array): EpochMs {
  try {
    const rt = (packr.unpack(encoded) as Partial<StampedEvent> | null)?.rt;
    if (typeof rt === 'number') return rt;
  } catch {
    // fall through
  }
  return Date.now();
}

/** Refusals are told on a later tick, as a promise rejection would be: callers may still be setting up. */
function refuse(done: AppendDone, err: Error): void {
  process.nextTick(done, err, 0);
}

/**
 * One batch: the deletions, the appends as one block per lane, then the lane meta records. Keys are made here
 * rather than at append, so they do not live (and get promoted by the GC) while the item waits for its fsync.
 */
async function writeItems(db: JournalDb, batch: Item[], blocks: Block[], meta: MetaPut[], sync: boolean): Promise<void> {
  const b = db.batch();
  for (const item of batch) if (item.t !== 'put') for (const key of item.keys) b.del(key);
  // A block of one is stored as the bare event: the same thing to a reader, without the header.
  for (const blk of blocks) b.put(eventKey(blk.lane, blk.first), blk.values.length === 1 ? blk.values[0]! : encodeBlock(blk.values));
  for (const op of meta) b.put(op.key, op.value);
  await b.write({ sync });
}

/** A batch's appends as blocks: per lane, each run of consecutive seqs (a lane's appends in a batch are one run). */
function blocksOf(batch: Item[]): Block[] {
  const blocks: Block[] = [];
  const open = new Map<Lane, Block>();
  for (const item of batch) {
    if (item.t !== 'put') continue;
    let blk = open.get(item.lane);
    if (!blk || blk.first + blk.values.length !== item.seq) {
      blk = { lane: item.lane, first: item.seq, values: [] };
      blocks.push(blk);
      open.set(item.lane, blk);
    }
    blk.values.push(item.value);
  }
  return blocks;
}

/** A chained batch: measured 3-10x faster than the array form of batch() for 1000 ops (less per-op checking). */
async function writeBatch(db: JournalDb, ops: BatchOp[], sync: boolean): Promise<void> {
  const b = db.batch();
  for (const op of ops) {
    if (op.type === 'put') b.put(op.key, op.value);
    else b.del(op.key);
  }
  await b.write({ sync });
}

function openDb(dir: string): JournalDb {
  return new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' }) as JournalDb;
}

function persistedLane(p: LaneMeta): PersistedLane {
  return { floor: p.done.floor, ranges: p.done.ranges.map((r) => [r[0], r[1]]), lastAckAt: p.lastAckAt, evicted: p.evicted, downsampled: p.downsampled };
}

function parseLaneMeta(v: unknown): LaneMeta {
  const o = v as Partial<PersistedLane> | null;
  const done = parseRanges(o);
  const lastAckAt = typeof o?.lastAckAt === 'number' ? o.lastAckAt : null;
  const evicted = typeof o?.evicted === 'number' ? o.evicted : 0;
  // Journals written before downsampling existed have no count: nothing was folded then.
  const downsampled = typeof o?.downsampled === 'number' ? o.downsampled : 0;
  return { done, lastAckAt, evicted, downsampled };
}


/** A downsampling append has nobody waiting for it: a failed write is told as a fault and rebuilt from disk. */
function ignoreDone(): void {}

/**
 * Splits `seqs` (ascending, all live) into ranges [lo, hi] that hold no other live seq, so that evicting the ranges
 * evicts exactly these seqs.
 */
function liveRuns(index: LaneIndex, seqs: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const seq of seqs) {
    const run = runs.at(-1);
    if (run && (seq === run[1] + 1 || !index.anyLive(run[1] + 1, seq - 1))) run[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}

/** What a batch holds, for test hooks: appends, and events evicted by downsampling. */
function describeBatch(batch: readonly Item[]): { puts: number; folded: number } {
  let puts = 0;
  let folded = 0;
  for (const item of batch) {
    if (item.t === 'put') puts += 1;
    else if (item.t === 'evict') folded += item.downsampled;
  }
  return { puts, folded };
}
