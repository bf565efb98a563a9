/**
 * Which sequence numbers of one stream (gateway, journal epoch, lane) have been seen, as sorted disjoint
 * closed intervals. A gateway numbers each lane 1, 2, 3, ... so the set stays a handful of intervals: one per
 * gap still open. This answers dedup (seen before?), open gaps (holes below the highest seq) and gaps closed
 * later (a hole that a late batch filled completely), without keeping one key per event.
 */

export type Interval = [lo: number, hi: number];

export interface SeqState {
  /** Sorted, disjoint, non-adjacent closed intervals. */
  ranges: Interval[];
  /**
   * Holes that later deliveries filled completely. A seq landing inside a hole (not at its edge) splits it into two
   * holes, and each counts when it closes; gateways resend whole batches, so splits are rare in practice.
   */
  gapsClosed: number;
}

export function emptySeqState(): SeqState {
  return { ranges: [], gapsClosed: 0 };
}

/** Index of the first interval whose hi >= seq (binary search), or ranges.length. */
function firstEndingAtOrAfter(ranges: Interval[], seq: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]![1] < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function hasSeq(state: SeqState, seq: number): boolean {
  const r = state.ranges;
  // Fast path: the common case is "just after the last interval".
  const last = r[r.length - 1];
  if (last === undefined || seq > last[1]) return false;
  const i = firstEndingAtOrAfter(r, seq);
  const iv = r[i];
  return iv !== undefined && iv[0] <= seq;
}

/**
 * Adds one seq. Returns false (and changes nothing) when it was already present.
 * Filling the last missing number of a hole counts one closed gap.
 */
export function addSeq(state: SeqState, seq: number): boolean {
  const r = state.ranges;
  const last = r[r.length - 1];
  if (last === undefined) {
    r.push([seq, seq]);
    return true;
  }
  if (seq === last[1] + 1) {
    last[1] = seq;
    return true;
  }
  if (seq > last[1] + 1) {
    r.push([seq, seq]);
    return true;
  }
  const i = firstEndingAtOrAfter(r, seq);
  const cur = r[i]!;
  if (cur[0] <= seq) return false;
  const prev = i > 0 ? r[i - 1]! : undefined;
  const joinsPrev = prev !== undefined && prev[1] + 1 === seq;
  const joinsCur = cur[0] - 1 === seq;
  if (joinsPrev && joinsCur) {
    // The hole between prev and cur was exactly this seq: it is now closed.
    prev[1] = cur[1];
    r.splice(i, 1);
    state.gapsClosed++;
  } else if (joinsPrev) {
    prev[1] = seq;
  } else if (joinsCur) {
    cur[0] = seq;
  } else {
    r.splice(i, 0, [seq, seq]);
  }
  return true;
}

/** Holes between the lowest and highest seen seq: how many and how many numbers they miss. */
export function openGaps(state: SeqState): { gaps: number; missing: number } {
  let missing = 0;
  const r = state.ranges;
  for (let i = 1; i < r.length; i++) missing += r[i]![0] - r[i - 1]![1] - 1;
  return { gaps: Math.max(0, r.length - 1), missing };
}

/** True when every seq in [lo, hi] is present. */
export function coversRange(state: SeqState, lo: number, hi: number): boolean {
  if (hi < lo) return true;
  const r = state.ranges;
  const i = firstEndingAtOrAfter(r, lo);
  const iv = r[i];
  return iv !== undefined && iv[0] <= lo && iv[1] >= hi;
}

/** Adds a whole range (used for Bronze coverage). */
export function addRange(state: SeqState, lo: number, hi: number): void {
  if (hi < lo) return;
  const r = state.ranges;
  const last = r[r.length - 1];
  if (last === undefined || lo > last[1] + 1) {
    r.push([lo, hi]);
    return;
  }
  // Merge with every interval that overlaps or touches [lo, hi].
  const i = firstEndingAtOrAfter(r, lo - 1);
  let newLo = lo;
  let newHi = hi;
  let j = i;
  while (j < r.length && r[j]![0] <= hi + 1) {
    newLo = Math.min(newLo, r[j]![0]);
    newHi = Math.max(newHi, r[j]![1]);
    j++;
  }
  const closed = Math.max(0, j - i - 1);
  r.splice(i, j - i, [newLo, newHi]);
  state.gapsClosed += closed;
}

export function serialiseSeqState(state: SeqState): string {
  return JSON.stringify(state.ranges);
}

export function parseSeqState(ranges: string, gapsClosed: number): SeqState {
  const parsed: unknown = JSON.parse(ranges);
  if (!Array.isArray(parsed)) throw new Error('sequence ranges must be a JSON array');
  const out: Interval[] = [];
  for (const iv of parsed) {
    if (!Array.isArray(iv) || typeof iv[0] !== 'number' || typeof iv[1] !== 'number') throw new Error('bad sequence range');
    out.push([iv[0], iv[1]]);
  }
  return { ranges: out, gapsClosed };
}
