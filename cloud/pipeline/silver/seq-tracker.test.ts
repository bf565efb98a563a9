import { describe, expect, it } from 'vitest';
import { addRange, addSeq, coversRange, emptySeqState, hasSeq, openGaps, parseSeqState, serialiseSeqState } from './seq-tracker.ts';

describe('seq tracker', () => {
  it('accepts each seq once and reports duplicates', () => {
    const s = emptySeqState();
    expect([1, 2, 3].map((q) => addSeq(s, q))).toEqual([true, true, true]);
    expect(addSeq(s, 2)).toBe(false);
    expect(s.ranges).toEqual([[1, 3]]);
  });

  // A hole split in two by a seq arriving in its middle becomes two holes; each counts when it closes.
  it('tracks holes and counts a hole as closed only when completely filled', () => {
    const s = emptySeqState();
    for (const q of [1, 2, 6, 7, 10]) addSeq(s, q);
    expect(openGaps(s)).toEqual({ gaps: 2, missing: 3 + 2 }); // 3..5 and 8..9
    addSeq(s, 4);
    expect(s.ranges).toEqual([[1, 2], [4, 4], [6, 7], [10, 10]]);
    expect(s.gapsClosed).toBe(0);
    addSeq(s, 3);
    expect(s.gapsClosed).toBe(1);
    addSeq(s, 5);
    expect(s.gapsClosed).toBe(2);
    expect(s.ranges).toEqual([[1, 7], [10, 10]]);
    expect(hasSeq(s, 5)).toBe(true);
    expect(hasSeq(s, 8)).toBe(false);
    expect(hasSeq(s, 11)).toBe(false);
  });

  it('does not depend on arrival order for the final set', () => {
    const a = emptySeqState();
    const b = emptySeqState();
    const seqs = Array.from({ length: 200 }, (_, i) => i + 1);
    seqs.forEach((q) => addSeq(a, q));
    [...seqs].reverse().forEach((q) => addSeq(b, q));
    expect(b.ranges).toEqual(a.ranges);
  });

  it('merges ranges and answers coverage', () => {
    const s = emptySeqState();
    addRange(s, 1, 10);
    addRange(s, 21, 30);
    expect(coversRange(s, 3, 9)).toBe(true);
    expect(coversRange(s, 9, 22)).toBe(false);
    addRange(s, 11, 20);
    expect(s.ranges).toEqual([[1, 30]]);
    expect(s.gapsClosed).toBe(1);
    addRange(s, 5, 40);
    expect(s.ranges).toEqual([[1, 40]]);
    expect(coversRange(s, 9, 22)).toBe(true);
  });

  it('round-trips through its serialised form', () => {
    const s = emptySeqState();
    for (const q of [1, 3, 4]) addSeq(s, q);
    expect(parseSeqState(serialiseSeqState(s), 2)).toEqual({ ranges: s.ranges, gapsClosed: 2 });
  });
});
