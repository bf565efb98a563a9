/**
 * Piecewise-constant signals for Gold: each sample holds its value until the next sample of the same series, for
 * at most `maxHoldMs` (after that the value is unknown), and never past the window end. Durations (idle time,
 * minutes out of range, door open) are integrals of predicates over several such series.
 */

export interface Sample<T> {
  t: number;
  v: T;
  /**
   * How long this sample holds instead of its series' maxHoldMs: a rollup's mean stands for a whole window of
   * readings, however closely the day's raw samples are spaced.
   */
  holdMs?: number;
}

const holdOf = <T>(smp: Sample<T>, s: Series<T>): number => smp.holdMs ?? s.maxHoldMs;

/**
 * The longest hold of a sample list's own (0 without any), found once per list: a day's durations sweep the same
 * lists once per trip and stop. Lists are built whole before they are swept and never changed after.
 */
const ownHolds = new WeakMap<readonly Sample<unknown>[], number>();
function longestOwnHold(samples: readonly Sample<unknown>[]): number {
  let longest = ownHolds.get(samples);
  if (longest === undefined) {
    longest = 0;
    for (const x of samples) if (x.holdMs !== undefined && x.holdMs > longest) longest = x.holdMs;
    ownHolds.set(samples, longest);
  }
  return longest;
}

export interface Series<T> {
  samples: Sample<T>[];
  maxHoldMs: number;
  /** Value already in force at the window start (carried over from before it), if any. */
  initial?: T;
}

/**
 * Calls `visit(from, to, values)` for consecutive sub-intervals of [start, end) in which every series is constant;
 * `values[i]` is undefined where series i is unknown. Samples must be sorted by time. `values` is reused between
 * calls.
 */
export function sweep<T extends readonly Series<unknown>[]>(
  start: number,
  end: number,
  series: T,
  visit: (from: number, to: number, values: { [K in keyof T]: T[K] extends Series<infer V> ? V | undefined : never }) => void,
): void {
  const cuts: number[] = [start, end];
  const idx: number[] = [];
  for (const s of series) {
    const smp = s.samples;
    // Only samples inside the window, and expiries inside it, can change a value there: binary search both ranges.
    for (let k = firstAfter(smp, start); k < smp.length && smp[k]!.t < end; k++) cuts.push(smp[k]!.t);
    const longest = Math.max(s.maxHoldMs, longestOwnHold(smp));
    for (let k = firstAfter(smp, start - longest); k < smp.length && smp[k]!.t < end; k++) {
      const expiry = smp[k]!.t + holdOf(smp[k]!, s);
      if (expiry > start && expiry < end) cuts.push(expiry);
    }
    // The sample in force at the window start.
    idx.push(firstAfter(smp, start) - 1);
  }
  const points = Float64Array.from(new Set(cuts)).sort();
  // One values array, refilled per interval: visitors must not keep it.
  const values: unknown[] = series.map(() => undefined);
  for (let p = 0; p + 1 < points.length; p++) {
    const from = points[p]!;
    const to = points[p + 1]!;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      let k = idx[i]!;
      while (k + 1 < s.samples.length && s.samples[k + 1]!.t <= from) k++;
      idx[i] = k;
      if (k < 0) values[i] = s.initial;
      else {
        const smp = s.samples[k]!;
        values[i] = from < smp.t + holdOf(smp, s) ? smp.v : undefined;
      }
    }
    visit(from, to, values as never);
  }
}

/** Index of the first sample with t > x (binary search), or samples.length. */
function firstAfter<V>(samples: Sample<V>[], x: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Total ms in [start, end) during which `pred` holds. */
export function durationWhere<T extends readonly Series<unknown>[]>(
  start: number,
  end: number,
  series: T,
  pred: (values: { [K in keyof T]: T[K] extends Series<infer V> ? V | undefined : never }) => boolean,
): number {
  let total = 0;
  sweep(start, end, series, (from, to, values) => {
    if (pred(values)) total += to - from;
  });
  return total;
}

/** Maximal intervals in [start, end) during which `pred` holds (adjacent sub-intervals merged). */
export function intervalsWhere<T extends readonly Series<unknown>[]>(
  start: number,
  end: number,
  series: T,
  pred: (values: { [K in keyof T]: T[K] extends Series<infer V> ? V | undefined : never }) => boolean,
): [number, number][] {
  const out: [number, number][] = [];
  sweep(start, end, series, (from, to, values) => {
    if (!pred(values)) return;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === from) last[1] = to;
    else out.push([from, to]);
  });
  return out;
}

/** The latest sample at or before t, or undefined. Samples sorted by time. */
export function valueAt<T>(samples: Sample<T>[], t: number): T | undefined {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? samples[lo - 1]!.v : undefined;
}

/**
 * How long a sampled value is trusted: until the next sample, but at most three typical intervals of its series
 * (the median gap of the day), so that a signal that stops (engine speed after the engine is switched off) stops
 * counting within seconds, and never more than `capMs`.
 */
export function holdFor<V>(samples: Sample<V>[], capMs: number): number {
  // Samples with a hold of their own (rollups) say nothing about the spacing of the raw ones.
  const raw = longestOwnHold(samples) > 0 ? samples.filter((x) => x.holdMs === undefined) : samples;
  if (raw.length < 2) return capMs;
  const gaps: number[] = [];
  for (let i = 1; i < raw.length; i++) {
    const g = raw[i]!.t - raw[i - 1]!.t;
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return capMs;
  gaps.sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1]!;
  return Math.min(capMs, Math.max(1000, 3 * median));
}
