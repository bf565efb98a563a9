/**
 * Fixed-window limiter for failed authentications, per client address. Once a client has failed `limit` times in
 * the current window, every request it makes is refused until the window ends, so guessing tokens costs a window
 * per `limit` guesses. Memory is bounded: at most `maxClients` windows are kept.
 */
export interface FailureLimiterOptions {
  limit?: number;
  windowMs?: number;
  maxClients?: number;
  now?: () => number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(opts: FailureLimiterOptions = {}) {
    this.limit = opts.limit ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxClients = opts.maxClients ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Seconds the client must wait (for Retry-After), or 0 when it may try. */
  retryAfterS(client: string): number {
    const w = this.windows.get(client);
    if (!w) return 0;
    const left = w.start + this.windowMs - this.now();
    if (left <= 0) {
      this.windows.delete(client);
      return 0;
    }
    return w.failures >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure; returns true when this failure used up the client's allowance. */
  fail(client: string): boolean {
    const now = this.now();
    let w = this.windows.get(client);
    if (!w || now >= w.start + this.windowMs) {
      if (!w && this.windows.size >= this.maxClients) this.prune(now);
      w = { start: now, failures: 0 };
      this.windows.set(client, w);
    }
    w.failures++;
    return w.failures === this.limit;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now >= w.start + this.windowMs) this.windows.delete(k);
    // Still full of live windows: drop the oldest rather than grow without bound.
    while (this.windows.size >= this.maxClients) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }

  get clients(): number {
    return this.windows.size;
  }
}
