import { describe, expect, it } from 'vitest';
import { partitionKey, planGoldSlice, type DirtyPartition, type GoldSlicePolicy } from './plan-gold.ts';

const DAY = 86_400_000;
const policy: GoldSlicePolicy = { everyMs: 10_000, maxEvents: 100, maxPartitions: 10 };
const part = (vehicle: string, events: number, dayMs = 0): DirtyPartition => ({ vehicle, dayMs, events });
const names = (ps: readonly DirtyPartition[]): string[] => ps.map((p) => `${p.vehicle}@${p.dayMs / DAY}`);
const stamps = (entries: [string, number, number][]): Map<string, number> => new Map(entries.map(([v, d, t]) => [partitionKey(v, d * DAY), t]));

describe('planGoldSlice', () => {
  it('plans nothing, and no next round, when nothing is dirty', () => {
    expect(planGoldSlice([], new Map(), 1000, policy)).toEqual({ slice: [], nextDueMs: null });
  });

  it('fills a slice up to the event budget, then says the rest is due at once', () => {
    const plan = planGoldSlice([part('C', 40), part('A', 40), part('B', 40)], new Map(), 1000, policy);
    expect(names(plan.slice)).toEqual(['A@0', 'B@0']);
    expect(plan.nextDueMs).toBe(1000);
  });

  it('takes a partition exactly at the budget, and one over it alone', () => {
    expect(names(planGoldSlice([part('A', 60), part('B', 40), part('C', 1)], new Map(), 0, policy).slice)).toEqual(['A@0', 'B@0']);
    expect(names(planGoldSlice([part('A', 5000), part('B', 1)], new Map(), 0, policy).slice)).toEqual(['A@0']);
  });

  it('caps the partitions of a slice', () => {
    const dirty = Array.from({ length: 25 }, (_, i) => part(`V${String(i).padStart(2, '0')}`, 0));
    const plan = planGoldSlice(dirty, new Map(), 0, policy);
    expect(plan.slice).toHaveLength(10);
    expect(plan.nextDueMs).toBe(0);
  });

  it('holds a partition off until everyMs after its last refresh, and says when it is due', () => {
    const last = stamps([['A', 0, 5000]]);
    expect(planGoldSlice([part('A', 1)], last, 14_999, policy)).toEqual({ slice: [], nextDueMs: 15_000 });
    expect(names(planGoldSlice([part('A', 1)], last, 15_000, policy).slice)).toEqual(['A@0']);
  });

  it('reports the earliest due time among held partitions', () => {
    const last = stamps([['A', 0, 8000], ['B', 0, 3000]]);
    expect(planGoldSlice([part('A', 1), part('B', 1)], last, 9000, policy)).toEqual({ slice: [], nextDueMs: 13_000 });
  });

  it('serves never-refreshed partitions first, then the longest waiting, so a busy vehicle cannot starve another', () => {
    const last = stamps([['A', 0, 0], ['B', 0, 50_000], ['C', 0, 20_000]]);
    const dirty = [part('A', 60), part('B', 60), part('C', 60), part('Z', 60)];
    expect(names(planGoldSlice(dirty, last, 100_000, { ...policy, maxEvents: 1 }).slice)).toEqual(['Z@0']);
    expect(names(planGoldSlice(dirty, last, 100_000, { ...policy, maxEvents: 200, maxPartitions: 3 }).slice)).toEqual(['Z@0', 'A@0', 'C@0']);
  });

  it('orders equal waits by vehicle, then day', () => {
    const dirty = [part('B', 1, 2 * DAY), part('A', 1, 3 * DAY), part('B', 1, DAY)];
    expect(names(planGoldSlice(dirty, new Map(), 0, policy).slice)).toEqual(['A@3', 'B@1', 'B@2']);
  });

  it('treats a refresh stamped in the future (the clock stepped back) as due now', () => {
    const plan = planGoldSlice([part('A', 1)], stamps([['A', 0, 1_000_000]]), 5000, policy);
    expect(names(plan.slice)).toEqual(['A@0']);
  });

  it('weighs unusable event counts as zero instead of letting them block or break the budget', () => {
    const plan = planGoldSlice([part('A', Number.NaN), part('B', -5), part('C', 100)], new Map(), 0, policy);
    expect(names(plan.slice)).toEqual(['A@0', 'B@0', 'C@0']);
  });

  it('refreshes on every round when everyMs is 0', () => {
    expect(names(planGoldSlice([part('A', 1)], stamps([['A', 0, 7000]]), 7000, { ...policy, everyMs: 0 }).slice)).toEqual(['A@0']);
  });
});
