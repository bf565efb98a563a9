/**
 * Bookkeeping of "done" sequence numbers in one lane: acknowledged by the cloud or evicted.
 *
 * Live-first uplinks acknowledge sub-ranges that are not at the head of the lane (newest events first, backlog later),
 * so done seqs form a floor (every seq <= floor is done) plus disjoint islands above it. When the gap below an island
 * closes, the floor jumps over it. Pure functions over plain data; values are never mutated.
 */

/** Inclusive range [lo, hi] of seqs. */
export type SeqRange = readonly [lo: number, hi: number];

export interface SeqRanges {
  /** Every seq <= floor is done. 0 when nothing is. */
  readonly floor: number;
  /** Disjoint, sorted, non-adjacent islands, all starting above floor + 1. */
  readonly ranges: readonly SeqRange[];
}

export const emptyRanges = (floor = 0): SeqRanges => ({ floor, ranges: [] });

/** Marks [lo, hi] done. Overlapping, adjacent and already-done input is fine. */
export function addRange(s: SeqRanges, lo: number, hi: number): SeqRanges {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 1 || hi < lo) {
    throw new RangeError(`invalid seq range [${lo}, ${hi}]`);
  }
  if (hi <= s.floor) return s;
  let nlo = Math.max(lo, s.floor + 1);
  let nhi = hi;
  const out: SeqRange[] = [];
  for (const r of s.ranges) {
    if (r[1] + 1 < nlo || r[0] > nhi + 1) out.push(r);
    else {
      nlo = Math.min(nlo, r[0]);
      nhi = Math.max(nhi, r[1]);
    }
  }
  out.push([nlo, nhi]);
  out.sort((a, b) => a[0] - b[0]);
  let floor = s.floor;
  while (out.length > 0 && out[0]![0] <= floor + 1) floor = Math.max(floor, out.shift()![1]);
  return { floor, ranges: out };
}

/** The same set with every seq <= floor added: islands at or below it are dropped, one it reaches is absorbed. */
export function raiseFloor(s: SeqRanges, floor: number): SeqRanges {
  if (floor <= s.floor) return s;
  let f = floor;
  let i = 0;
  while (i < s.ranges.length && s.ranges[i]![0] <= f + 1) f = Math.max(f, s.ranges[i++]![1]);
  return { floor: f, ranges: s.ranges.slice(i) };
}

export function isDone(s: SeqRanges, seq: number): boolean {
  if (seq <= s.floor) return true;
  for (const r of s.ranges) if (seq >= r[0] && seq <= r[1]) return true;
  return false;
}

/** The highest done seq (floor when there are no islands). */
export const highestDone = (s: SeqRanges): number => s.ranges.at(-1)?.[1] ?? s.floor;

/** The first seq after `afterSeq` that is not done. */
export function nextNotDone(s: SeqRanges, afterSeq: number): number {
  let seq = Math.max(afterSeq, s.floor) + 1;
  for (const r of s.ranges) if (seq >= r[0] && seq <= r[1]) seq = r[1] + 1;
  return seq;
}

/** Parses a persisted value back, rejecting anything that is not a valid SeqRanges. */
export function parseRanges(v: unknown): SeqRanges {
  const o = v as { floor?: unknown; ranges?: unknown } | null;
  if (!o || !Number.isSafeInteger(o.floor) || !Array.isArray(o.ranges)) throw new TypeError('invalid persisted seq ranges');
  let s = emptyRanges(o.floor as number);
  for (const r of o.ranges as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2) throw new TypeError('invalid persisted seq range');
    s = addRange(s, r[0] as number, r[1] as number);
  }
  return s;
}
