/**
 * Tracks which events of one partition batch are done, in delivery order. Completions may arrive in any
 * order (several sink.accept calls in flight); the checkpoint may only move to the end of the unbroken run of
 * done events from the start, so a restart never skips an event that was not stored.
 */
export class AckTracker {
  private readonly done: boolean[];
  private prefix = 0;
  private failedAt: number | undefined;

  constructor(readonly size: number) {
    this.done = new Array<boolean>(size).fill(false);
  }

  /** Marks event `index` as durably handled. Returns true when the done prefix grew. */
  complete(index: number): boolean {
    if (index < 0 || index >= this.size) throw new RangeError(`index ${index} outside batch of ${this.size}`);
    this.done[index] = true;
    const before = this.prefix;
    while (this.prefix < this.size && this.done[this.prefix] && (this.failedAt === undefined || this.prefix < this.failedAt)) {
      this.prefix++;
    }
    return this.prefix > before;
  }

  /** Marks event `index` as not stored: the prefix can never pass it. */
  fail(index: number): void {
    if (index < 0 || index >= this.size) throw new RangeError(`index ${index} outside batch of ${this.size}`);
    this.failedAt = this.failedAt === undefined ? index : Math.min(this.failedAt, index);
  }

  /** Index of the last event that may be checkpointed, or -1 when none. */
  get checkpointIndex(): number {
    return this.prefix - 1;
  }

  /** Index of the earliest failed event, if any. */
  get firstFailure(): number | undefined {
    return this.failedAt;
  }

  get allDone(): boolean {
    return this.prefix === this.size;
  }
}
