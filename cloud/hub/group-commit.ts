/**
 * Adaptive group commit: one writer at a time; items that arrive while a write runs form the next batch.
 * A lone item is written at once (no timer), a busy stream is written in large batches, and callers are resolved in
 * submission order, which keeps MQTT PUBACKs in arrival order.
 */
export class GroupCommitter<T> {
  private queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly writeBatch: (items: T[]) => Promise<void>,
    private readonly maxBatch = 4096,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.pump();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when everything submitted so far has been written (or failed). */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.writeBatch(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.running = false;
    for (const r of this.idle.splice(0)) r();
  }
}
