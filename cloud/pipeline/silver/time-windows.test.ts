import { describe, expect, it } from 'vitest';
import { BUCKET_MS, bucketRanges, rangeFilter, rangesOf, TimeBuckets } from './time-windows.ts';

const T = Date.UTC(2024, 2, 4, 6);

describe('time windows', () => {
  it('covers every added time with whole buckets, joining adjacent ones', () => {
    const b = new TimeBuckets();
    for (const t of [T + 5, T + BUCKET_MS + 1, T + 2 * BUCKET_MS - 1, T + 3_600_000]) b.add(t);
    const r = b.ranges();
    expect(r).toEqual([
      [T, T + 2 * BUCKET_MS - 1],
      [T + 3_600_000, T + 3_600_000 + BUCKET_MS - 1],
    ]);
  });

  it('keeps a days-old backlog and live data as separate narrow ranges', () => {
    const live = Array.from({ length: 100 }, (_, i) => T + 3 * 86_400_000 + i * 1000);
    const backlog = Array.from({ length: 100 }, (_, i) => T + i * 500);
    const r = rangesOf([...live, ...backlog]);
    expect(r).toHaveLength(2);
    for (const t of [...live, ...backlog]) expect(r.some(([lo, hi]) => lo <= t && t <= hi)).toBe(true);
    expect(r[1]![0] - r[0]![1]).toBeGreaterThan(2 * 86_400_000);
  });

  it('merges the closest ranges first when there are too many', () => {
    // Buckets 0, 2, 10, 11, 30: the spans between them are 2, 8 and 19 buckets apart.
    const r = bucketRanges([0, 2, 10, 11, 30], 2);
    expect(r).toEqual([
      [0, 12 * BUCKET_MS - 1],
      [30 * BUCKET_MS, 31 * BUCKET_MS - 1],
    ]);
    expect(bucketRanges([5, 1, 9], 1)).toEqual([[BUCKET_MS, 10 * BUCKET_MS - 1]]);
  });

  it('renders a scan filter, FALSE when there is nothing to match', () => {
    expect(rangeFilter('event_ms', [])).toBe('FALSE');
    expect(rangeFilter('event_ms', [[1, 2], [5, 9]])).toBe('(event_ms BETWEEN 1 AND 2 OR event_ms BETWEEN 5 AND 9)');
  });
});
