import type { EpochMs } from '../../shared/contracts/types.ts';

/**
 * Receive times of one lane's queued (not yet durable) appends, oldest first. Appends take consecutive seqs and
 * become durable in seq order, so a queue indexed by offset does what a Map from seq did, without a hash-table
 * entry (and its reallocations) per message. No I/O.
 */
export class PendingRts {
  private rts: EpochMs[] = [];
  private head = 0;
  /** Seq of rts[head]. */
  private first: number;

  /** `firstSeq`: the seq the next push will hold. */
  constructor(firstSeq: number) {
    this.first = firstSeq;
  }

  get size(): number {
    return this.rts.length - this.head;
  }

  /** Adds the rt of seq `first + size`. */
  push(seq: number, rt: EpochMs): void {
    if (seq !== this.first + this.size) throw new RangeError(`pending seq ${seq} out of order (expected ${this.first + this.size})`);
    this.rts.push(rt);
  }

  /** Drops every seq up to and including `seq` (it became durable). */
  dropThrough(seq: number): void {
    const n = Math.min(seq - this.first + 1, this.size);
    if (n <= 0) return;
    this.head += n;
    this.first += n;
    if (this.head === this.rts.length) {
      this.rts.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.rts.length) {
      this.rts = this.rts.slice(this.head);
      this.head = 0;
    }
  }

  get(seq: number): EpochMs | undefined {
    const off = seq - this.first;
    return off >= 0 && off < this.size ? this.rts[this.head + off] : undefined;
  }
}
