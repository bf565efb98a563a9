/**
 * Failed CONNECTs per client address. Once an address has failed `limit` times in a window, its CONNECTs are refused
 * (CONNACK 3, as IoT Hub answers when it throttles) without reading the registry or checking a signature, until the
 * window ends. Device keys are 256-bit random, so this is not about guessing them: it bounds the work and the log
 * lines a misconfigured or hostile peer costs. Trucks behind one carrier NAT share an address, so the default limit
 * is far above what a few misconfigured gateways retrying with backoff produce.
 */
import { FailureLimiter } from '../../shared/auth/failure-limiter.ts';

export interface ConnectLimiterOptions {
  /** Failures per address and window; 0 turns the limiter off. */
  limit: number;
  windowS: number;
  now?: () => number;
}

export interface Throttle {
  retryAfterS: number;
  /** True for the first refusal of an address in a window: log it loudly once, count the rest. */
  first: boolean;
}

export class ConnectLimiter {
  private readonly failures: FailureLimiter | null;
  private readonly noticed = new Map<string, number>();
  private readonly now: () => number;

  constructor(opts: ConnectLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.failures = opts.limit > 0 ? new FailureLimiter({ limit: opts.limit, windowMs: opts.windowS * 1000, now: this.now }) : null;
  }

  /** Null when the address may try; otherwise how long it must wait. */
  check(address: string): Throttle | null {
    const retryAfterS = this.failures?.retryAfterS(address) ?? 0;
    if (retryAfterS <= 0) {
      this.noticed.delete(address);
      return null;
    }
    const until = this.noticed.get(address);
    const first = until === undefined || until <= this.now();
    if (first) {
      // Bounded like the limiter's own table: forget expired notices before remembering a new one.
      if (this.noticed.size >= 10_000) for (const [k, t] of this.noticed) if (t <= this.now()) this.noticed.delete(k);
      this.noticed.set(address, this.now() + retryAfterS * 1000);
    }
    return { retryAfterS, first };
  }

  /** Counts a failed CONNECT of this address. */
  failed(address: string): void {
    this.failures?.fail(address);
  }
}
