/**
 * In-memory index of one lane's live events: the stored size of each seq, kept in chunks of 4096 Uint32 slots
 * (4 bytes per event between the oldest live event and the newest). It makes backlog counters O(1), tells an ack
 * which keys exist without reading LevelDB, and tells eviction how many of the oldest events free N bytes.
 * Size 0 marks a seq that is not live (acked, evicted, or never written). No I/O.
 */

const CHUNK = 4096;

export class LaneIndex {
  private chunks: (Uint32Array | undefined)[] = [];
  private liveInChunk: number[] = [];
  /** Seq held by slot 0 of chunks[0]. */
  private base: number;
  /** Lowest seq that may still be live; everything below is not. */
  private head: number;
  private endSeq: number;
  private count = 0;
  private totalBytes = 0;

  /** `firstSeq`: the lowest seq this index may ever hold (lane floor + 1). */
  constructor(firstSeq: number) {
    this.base = firstSeq - ((firstSeq - 1) % CHUNK);
    this.head = firstSeq;
    this.endSeq = firstSeq;
  }

  get liveEvents(): number {
    return this.count;
  }

  get liveBytes(): number {
    return this.totalBytes;
  }

  /** One past the highest seq ever added. */
  get end(): number {
    return this.endSeq;
  }

  /** Adds a live seq. Seqs arrive in increasing order; skipped seqs are not live. */
  add(seq: number, bytes: number): void {
    if (seq < this.endSeq) throw new RangeError(`seq ${seq} added out of order (end ${this.endSeq})`);
    if (!(bytes > 0) || bytes > 0xffffffff) throw new RangeError(`invalid size ${bytes} for seq ${seq}`);
    const off = seq - this.base;
    const ci = Math.floor(off / CHUNK);
    while (this.chunks.length <= ci) {
      this.chunks.push(undefined);
      this.liveInChunk.push(0);
    }
    const chunk = (this.chunks[ci] ??= new Uint32Array(CHUNK));
    chunk[off % CHUNK] = bytes;
    this.liveInChunk[ci]! += 1;
    this.count += 1;
    this.totalBytes += bytes;
    this.endSeq = seq + 1;
    if (this.count === 1) this.head = seq;
  }

  size(seq: number): number {
    if (seq < this.head || seq >= this.endSeq) return 0;
    const off = seq - this.base;
    return this.chunks[Math.floor(off / CHUNK)]?.[off % CHUNK] ?? 0;
  }

  has(seq: number): boolean {
    return this.size(seq) > 0;
  }

  /** Marks one seq not live; returns the bytes it held (0 if it was not live). */
  remove(seq: number): number {
    const bytes = this.size(seq);
    if (bytes === 0) return 0;
    const off = seq - this.base;
    const ci = Math.floor(off / CHUNK);
    this.chunks[ci]![off % CHUNK] = 0;
    this.count -= 1;
    this.totalBytes -= bytes;
    if ((this.liveInChunk[ci]! -= 1) === 0) this.chunks[ci] = undefined;
    if (seq === this.head) this.advanceHead();
    return bytes;
  }

  /** Removes the live seqs in [lo, hi], calling `each` for each one in order. */
  removeRange(lo: number, hi: number, each?: (seq: number, bytes: number) => void): { events: number; bytes: number } {
    let events = 0;
    let bytes = 0;
    const from = Math.max(lo, this.head);
    const to = Math.min(hi, this.endSeq - 1);
    for (let seq = from; seq <= to; seq++) {
      const off = seq - this.base;
      const ci = Math.floor(off / CHUNK);
      if (this.liveInChunk[ci] === 0) {
        seq = this.base + (ci + 1) * CHUNK - 1; // whole chunk is empty: skip it
        continue;
      }
      const b = this.remove(seq);
      if (b > 0) {
        events += 1;
        bytes += b;
        each?.(seq, b);
      }
    }
    return { events, bytes };
  }

  /** Whether any seq in [fromSeq, toSeq] is live. */
  anyLive(fromSeq: number, toSeq: number): boolean {
    let found = false;
    this.scanFrom(fromSeq, toSeq, () => {
      found = true;
      return false;
    });
    return found;
  }

  /** The oldest live seq, if any. */
  firstLive(): number | undefined {
    return this.count > 0 ? this.head : undefined;
  }

  /** Visits live seqs from the oldest while `visit` returns true, never past `maxSeq`. */
  scanLive(maxSeq: number, visit: (seq: number, bytes: number) => boolean): void {
    this.scanFrom(this.head, maxSeq, visit);
  }

  /** Visits live seqs in [fromSeq, maxSeq] in order while `visit` returns true; empty chunks are skipped whole. */
  scanFrom(fromSeq: number, maxSeq: number, visit: (seq: number, bytes: number) => boolean): void {
    const to = Math.min(maxSeq, this.endSeq - 1);
    for (let seq = Math.max(fromSeq, this.head); seq <= to; seq++) {
      const off = seq - this.base;
      const ci = Math.floor(off / CHUNK);
      const chunk = this.chunks[ci];
      if (chunk === undefined) {
        seq = this.base + (ci + 1) * CHUNK - 1;
        continue;
      }
      const b = chunk[off % CHUNK]!;
      if (b > 0 && !visit(seq, b)) return;
    }
  }

  private advanceHead(): void {
    if (this.count === 0) {
      // Empty: restart the chunk array at the end so memory does not grow with the lane's history.
      this.chunks = [];
      this.liveInChunk = [];
      this.base = this.endSeq - ((this.endSeq - 1) % CHUNK);
      this.head = this.endSeq;
      return;
    }
    while (this.liveInChunk[0] === 0) {
      this.chunks.shift();
      this.liveInChunk.shift();
      this.base += CHUNK;
      this.head = Math.max(this.head, this.base);
    }
    while (this.size(this.head) === 0) this.head += 1;
  }
}
