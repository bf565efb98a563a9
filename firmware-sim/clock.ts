/**
 * Simulated time. The clock advances in fixed ticks (TICK_MS of simulated time) and calls its listeners once per
 * tick, in order; the models never see wall-clock time. Driven either by hand (`advance`, for tests and fast
 * runs) or in real time at a speedup (`start`): 144x plays a day in ten minutes. When the machine cannot keep up,
 * the clock falls behind and catches up in bursts; it never skips a tick.
 */
import { TICK_MS } from './sim-time.ts';

export type TickListener = (simNow: number, tickMs: number) => void;

export interface SimClockOptions {
  startMs: number;
  /** Simulated seconds per real second. */
  speedup: number;
  tickMs?: number;
  /** The clock stops by itself at this simulated time. */
  endMs?: number;
  /**
   * The clock never runs past this time (read on every step), e.g. `Date.now`: a simulation that starts in the
   * past plays at the speedup until it reaches the present, then follows real time, so it never makes data from
   * the future.
   */
  notAfter?: () => number;
}

/** Where a clock started `realElapsedMs` ago at `speedup` should be now (pure). */
export function targetSimTime(startMs: number, speedup: number, realElapsedMs: number): number {
  return startMs + realElapsedMs * speedup;
}

/** Real milliseconds the clock may spend ticking before it lets I/O run. */
const SLICE_MS = 8;

export class SimClock {
  readonly startMs: number;
  readonly speedup: number;
  readonly tickMs: number;
  readonly endMs: number;
  private readonly notAfter: (() => number) | null;
  now: number;
  private readonly listeners: TickListener[] = [];
  private readonly timers: { at: number; fn: () => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private realStart = 0;
  private simAtRealStart = 0;
  private running = false;
  private endWaiters: (() => void)[] = [];

  constructor(opts: SimClockOptions) {
    if (!(opts.speedup > 0)) throw new RangeError('speedup must be positive');
    this.startMs = opts.startMs;
    this.speedup = opts.speedup;
    this.tickMs = opts.tickMs ?? TICK_MS;
    this.endMs = opts.endMs ?? Infinity;
    this.notAfter = opts.notAfter ?? null;
    this.now = opts.startMs;
  }

  /** Called once per tick with the new simulated time. Returns an unsubscribe function. */
  onTick(fn: TickListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Runs `fn` on the first tick at or after simulated time `at`. */
  at(at: number, fn: () => void): void {
    this.timers.push({ at, fn });
    this.timers.sort((a, b) => a.at - b.at);
  }

  get ended(): boolean {
    return this.now >= this.endMs;
  }

  /** Advances `ticks` ticks at once, synchronously (no real time involved). */
  advance(ticks = 1): void {
    for (let i = 0; i < ticks && !this.ended; i++) this.tick();
  }

  /** Advances synchronously until `simMs` (or the end). */
  advanceTo(simMs: number): void {
    while (this.now + this.tickMs <= simMs && !this.ended) this.tick();
  }

  private tick(): void {
    this.now += this.tickMs;
    for (const fn of this.listeners.slice()) fn(this.now, this.tickMs);
    while (this.timers.length && (this.timers[0]?.at ?? Infinity) <= this.now) this.timers.shift()?.fn();
    if (this.ended) this.finish();
  }

  /** Where simulated time should be now: the speedup's target, capped by the end and by `notAfter`. */
  private target(): { target: number; capped: boolean } {
    const bySpeed = targetSimTime(this.simAtRealStart, this.speedup, performance.now() - this.realStart);
    const cap = this.notAfter?.() ?? Infinity;
    return { target: Math.min(this.endMs, bySpeed, cap), capped: cap < bySpeed };
  }

  /** How far simulated time lags behind where it should be, simulated ms (0 when stopped). */
  get lagMs(): number {
    if (!this.running) return 0;
    return Math.max(0, this.target().target - this.now);
  }

  /** True while `notAfter` holds the clock back to real time. */
  get following(): boolean {
    return this.running && this.target().capped;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts following real time at the speedup. */
  start(): void {
    if (this.running || this.ended) return;
    this.running = true;
    this.realStart = performance.now();
    this.simAtRealStart = this.now;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves when the clock reaches its end time. */
  finished(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  private finish(): void {
    this.stop();
    const waiters = this.endWaiters;
    this.endWaiters = [];
    for (const w of waiters) w();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  private run(): void {
    if (!this.running) return;
    const { target, capped } = this.target();
    const sliceEnd = performance.now() + SLICE_MS;
    while (this.running && this.now + this.tickMs <= target && !this.ended) {
      this.tick();
      if (performance.now() > sliceEnd) break;
    }
    if (!this.running) return;
    // Behind: yield to I/O and come straight back; on time: sleep until the next tick is due.
    const behind = this.now + this.tickMs <= target;
    // Held back by `notAfter`, the target moves at real time, not at the speedup.
    const untilNext = (this.now + this.tickMs - target) / (capped ? 1 : this.speedup);
    this.schedule(behind ? 0 : Math.max(1, Math.min(50, untilNext)));
  }
}
