/**
 * The event times a run of Silver rows covers, as a few closed ranges. The resend check looks for earlier copies
 * only in Silver rows whose event time falls in these ranges, which DuckDB answers from its per-row-group min/max
 * statistics without reading the rest of the table. A run mixing live data with a days-old backlog gives two
 * narrow ranges instead of one that spans the days in between. Pure.
 */

export type TimeRange = [lo: number, hi: number];

/** Granularity of the ranges: a second of a fleet is about one row group of a time-ordered table. */
export const BUCKET_MS = 1000;
/** At most this many ranges per run (each is one OR term of the scan filter); the closest ones are merged first. */
export const MAX_RANGES = 32;

/** Collects the seconds that event times fall in. */
export class TimeBuckets {
  private readonly buckets = new Set<number>();
  private last = Number.NaN;

  add(eventMs: number): void {
    const b = Math.floor(eventMs / BUCKET_MS);
    // Consecutive rows nearly always share the second.
    if (b === this.last) return;
    this.last = b;
    this.buckets.add(b);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Sorted, disjoint ranges of epoch ms covering every added time. */
  ranges(maxRanges = MAX_RANGES): TimeRange[] {
    return bucketRanges([...this.buckets], maxRanges);
  }
}

/** Ranges covering the given buckets: adjacent buckets join, then the smallest gaps close until few enough. */
export function bucketRanges(buckets: number[], maxRanges = MAX_RANGES): TimeRange[] {
  if (buckets.length === 0) return [];
  const sorted = [...buckets].sort((a, b) => a - b);
  const spans: [number, number][] = [];
  for (const b of sorted) {
    const last = spans[spans.length - 1];
    if (last !== undefined && b <= last[1] + 1) last[1] = Math.max(last[1], b);
    else spans.push([b, b]);
  }
  while (spans.length > Math.max(1, maxRanges)) {
    let best = 1;
    for (let i = 2; i < spans.length; i++) if (spans[i]![0] - spans[i - 1]![1] < spans[best]![0] - spans[best - 1]![1]) best = i;
    spans[best - 1]![1] = spans[best]![1];
    spans.splice(best, 1);
  }
  return spans.map(([lo, hi]) => [lo * BUCKET_MS, (hi + 1) * BUCKET_MS - 1]);
}

/** Ranges covering exact times (the losers of a resend check, for the DELETE's scan filter). */
export function rangesOf(times: Iterable<number>, maxRanges = MAX_RANGES): TimeRange[] {
  const b = new TimeBuckets();
  for (const t of times) b.add(t);
  return b.ranges(maxRanges);
}

/** `col BETWEEN lo AND hi OR ...` for integer ranges; FALSE when there are none. */
export function rangeFilter(col: string, ranges: readonly TimeRange[]): string {
  if (ranges.length === 0) return 'FALSE';
  return `(${ranges.map(([lo, hi]) => `${col} BETWEEN ${Math.trunc(lo)} AND ${Math.trunc(hi)}`).join(' OR ')})`;
}
