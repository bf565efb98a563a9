/**
 * Where each block of a lane starts and how many events it holds (see block-format.ts), so that a seq finds its
 * LevelDB key without a read. Blocks are added in seq order and leave from the oldest end; 12 bytes per block in
 * typed arrays, since a journal offline for days at low rates holds hundreds of thousands of small blocks. No I/O.
 */
export class BlockTable {
  private starts = new Float64Array(64);
  private counts = new Uint32Array(64);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  /** Adds the block [start, start + count - 1]; it must lie above every block already held. */
  add(start: number, count: number): void {
    if (!(count >= 1)) throw new RangeError(`block at ${start} needs at least one event`);
    if (this.tail > this.head) {
      const last = this.tail - 1;
      if (start < this.starts[last]! + this.counts[last]!) throw new RangeError(`block at ${start} overlaps the block at ${this.starts[last]}`);
    }
    if (this.tail === this.starts.length) this.grow();
    this.starts[this.tail] = start;
    this.counts[this.tail] = count;
    this.tail += 1;
  }

  /** The block holding `seq`, as [first, last] seqs; undefined when no block holds it. */
  find(seq: number): [number, number] | undefined {
    let lo = this.head;
    let hi = this.tail - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= seq) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < this.head) return undefined;
    const start = this.starts[hi]!;
    const last = start + this.counts[hi]! - 1;
    return seq <= last ? [start, last] : undefined;
  }

  /** Forgets the blocks that end below `seq` (their events are all gone). */
  dropBelow(seq: number): void {
    while (this.head < this.tail && this.starts[this.head]! + this.counts[this.head]! - 1 < seq) this.head += 1;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  private grow(): void {
    const n = this.tail - this.head;
    if (n * 2 <= this.starts.length) {
      // At least half is free (blocks left from the front): compact in place.
      this.starts.copyWithin(0, this.head, this.tail);
      this.counts.copyWithin(0, this.head, this.tail);
    } else {
      const starts = new Float64Array(this.starts.length * 2);
      const counts = new Uint32Array(this.counts.length * 2);
      starts.set(this.starts.subarray(this.head, this.tail));
      counts.set(this.counts.subarray(this.head, this.tail));
      this.starts = starts;
      this.counts = counts;
    }
    this.head = 0;
    this.tail = n;
  }
}
