/**
 * Which dirty Gold partitions the background loop refreshes next. Gold recomputes a whole (vehicle, day) from
 * Silver, so its cost grows with the day's events; refreshing every dirty partition after every Bronze commit made
 * one round cost the whole fleet's day so far, and Silver waited behind it. The loop now takes one slice at a time,
 * bounded by Silver events, and refreshes a partition at most every `everyMs`. Pure: no I/O.
 */

export interface DirtyPartition {
  vehicle: string;
  dayMs: number;
  /** Silver events of the partition (quality_daily.valid): what a refresh will read. */
  events: number;
}

export interface GoldSlicePolicy {
  /** A partition refreshed at `t` is not refreshed again before `t + everyMs`. */
  everyMs: number;
  /** Silver events per slice; a single larger partition still makes a slice of its own. */
  maxEvents: number;
  maxPartitions: number;
}

export interface GoldSlicePlan {
  slice: DirtyPartition[];
  /** When the next slice is due: `now` if more partitions are eligible already, null if none is dirty. */
  nextDueMs: number | null;
}

export const partitionKey = (vehicle: string, dayMs: number): string => `${vehicle}\u0000${dayMs}`;

/**
 * Eligible partitions are those never refreshed (by this process) or refreshed at least `everyMs` ago; the longest
 * waiting go first (never refreshed before all), then by vehicle and day so that the order is deterministic.
 */
export function planGoldSlice(
  dirty: readonly DirtyPartition[],
  lastRefreshMs: ReadonlyMap<string, number>,
  nowMs: number,
  policy: GoldSlicePolicy,
): GoldSlicePlan {
  const eligible: { p: DirtyPartition; last: number }[] = [];
  let nextDue = Number.POSITIVE_INFINITY;
  for (const p of dirty) {
    const last = lastRefreshMs.get(partitionKey(p.vehicle, p.dayMs));
    // A refresh stamped in the future means the clock stepped back: due now rather than held off for that long.
    if (last === undefined || last > nowMs || nowMs - last >= policy.everyMs) eligible.push({ p, last: last === undefined || last > nowMs ? Number.NEGATIVE_INFINITY : last });
    else nextDue = Math.min(nextDue, last + policy.everyMs);
  }
  eligible.sort((a, b) => a.last - b.last || (a.p.vehicle < b.p.vehicle ? -1 : a.p.vehicle > b.p.vehicle ? 1 : a.p.dayMs - b.p.dayMs));
  const slice: DirtyPartition[] = [];
  let events = 0;
  for (const { p } of eligible) {
    const n = Number.isFinite(p.events) && p.events > 0 ? p.events : 0;
    if (slice.length > 0 && (slice.length >= policy.maxPartitions || events + n > policy.maxEvents)) break;
    slice.push(p);
    events += n;
  }
  if (slice.length < eligible.length) nextDue = nowMs;
  return { slice, nextDueMs: Number.isFinite(nextDue) ? nextDue : null };
}
