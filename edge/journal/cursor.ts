/**
 * A read position in one lane. Each `next` reads the following chunk with a fresh short-lived iterator bounded by
 * `gt: position` (never from the head of the lane, which would wade through tombstones of acked events), so
 * reads see new appends and never hold a LevelDB snapshot between calls.
 */
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';

export interface ReadChunk {
  /** Decoded events (empty when read with `decode: false`). */
  events: StampedEvent[];
  /** The stored msgpack encoding of each event, as written (ship it without re-encoding). */
  encoded: Uint8Array[];
  seqs: number[];
  /** Stored bytes of the chunk (key + value), the unit of the journal's byte accounting. */
  bytes: number;
  /** Seq the cursor moved to (may pass acked or evicted seqs that were skipped). */
  lastSeq: number;
}

export interface ReadLimits {
  /** Most events in one chunk. Default 1000. */
  maxEvents?: number;
  /** Most bytes in one chunk; a single larger event is still returned alone. Default 256 KiB. */
  maxBytes?: number;
  /** Decode to StampedEvent objects (default true); with false only `encoded` and `seqs` are filled. */
  decode?: boolean;
}

/** What a cursor needs from the journal. */
export interface CursorSource {
  read(afterSeq: number, untilSeq: number | null, maxEvents: number, maxBytes: number, decode: boolean): Promise<ReadChunk>;
  lastAckedSeq(): number;
}

export class LaneCursor {
  private pos: number;

  constructor(
    private readonly source: CursorSource,
    readonly lane: Lane,
    /** The cursor reads seqs greater than this. */
    readonly startAfter: number,
    /** Inclusive end, or null to follow new appends forever. */
    readonly untilSeq: number | null,
  ) {
    this.pos = startAfter;
  }

  /** Highest seq this cursor has moved past. */
  get position(): number {
    return this.pos;
  }

  /** True once a bounded cursor has passed its end. A following cursor is never exhausted. */
  get exhausted(): boolean {
    return this.untilSeq !== null && this.pos >= this.untilSeq;
  }

  /**
   * The next chunk of unacknowledged, durably stored events in seq order. An empty chunk means caught up
   * (wait for the journal's 'committed' event). Rejects with JournalUnavailableError while the journal reopens.
   */
  async next(limits: ReadLimits = {}): Promise<ReadChunk> {
    const maxEvents = Math.max(1, limits.maxEvents ?? 1000);
    const maxBytes = Math.max(1, limits.maxBytes ?? 256 * 1024);
    if (this.exhausted) return { events: [], encoded: [], seqs: [], bytes: 0, lastSeq: this.pos };
    const chunk = await this.source.read(this.pos, this.untilSeq, maxEvents, maxBytes, limits.decode ?? true);
    this.pos = Math.max(this.pos, chunk.lastSeq);
    return chunk;
  }

  /**
   * Moves back to re-read what was sent but not acknowledged (e.g. after a reconnect): to `afterSeq`, by default
   * the later of the cursor's start and the lane's lastAckedSeq. Acked islands are skipped on the way.
   */
  rewind(afterSeq?: number): void {
    this.pos = afterSeq ?? Math.max(this.startAfter, this.source.lastAckedSeq());
  }
}
