import { describe, expect, it } from 'vitest';
import { addRange, emptyRanges, highestDone, isDone, nextNotDone, parseRanges, raiseFloor } from './seq-ranges.ts';

describe('seq ranges', () => {
  it('advances the floor for head acks', () => {
    let s = emptyRanges();
    s = addRange(s, 1, 10);
    expect(s).toEqual({ floor: 10, ranges: [] });
    s = addRange(s, 5, 12);
    expect(s).toEqual({ floor: 12, ranges: [] });
    expect(addRange(s, 3, 7)).toBe(s);
  });

  it('keeps islands above a gap and folds them in when the gap closes', () => {
    let s = addRange(emptyRanges(), 1, 5);
    s = addRange(s, 20, 30);
    s = addRange(s, 10, 12);
    expect(s).toEqual({ floor: 5, ranges: [[10, 12], [20, 30]] });
    s = addRange(s, 13, 19);
    expect(s).toEqual({ floor: 5, ranges: [[10, 30]] });
    s = addRange(s, 6, 9);
    expect(s).toEqual({ floor: 30, ranges: [] });
  });

  it('raises the floor: islands at or below it dropped, one it reaches absorbed, the rest kept', () => {
    const s = addRange(addRange(addRange(addRange(emptyRanges(2), 5, 6), 10, 12), 14, 20), 30, 31);
    expect(raiseFloor(s, 1)).toBe(s);
    expect(raiseFloor(s, 8)).toEqual({ floor: 8, ranges: [[10, 12], [14, 20], [30, 31]] });
    expect(raiseFloor(s, 13)).toEqual({ floor: 20, ranges: [[30, 31]] });
    expect(raiseFloor(s, 11)).toEqual({ floor: 12, ranges: [[14, 20], [30, 31]] });
    expect(raiseFloor(s, 40)).toEqual({ floor: 40, ranges: [] });
  });

  it('merges adjacent and overlapping islands', () => {
    let s = addRange(emptyRanges(), 10, 12);
    s = addRange(s, 13, 14);
    s = addRange(s, 16, 18);
    s = addRange(s, 11, 17);
    expect(s).toEqual({ floor: 0, ranges: [[10, 18]] });
  });

  it('answers membership, highest done and next not done', () => {
    const s = addRange(addRange(addRange(emptyRanges(), 1, 3), 6, 7), 9, 9);
    expect([1, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => isDone(s, n))).toEqual([true, true, false, false, true, true, false, true, false]);
    expect(highestDone(s)).toBe(9);
    expect(nextNotDone(s, 0)).toBe(4);
    expect(nextNotDone(s, 4)).toBe(5);
    expect(nextNotDone(s, 5)).toBe(8);
    expect(nextNotDone(s, 8)).toBe(10);
    expect(highestDone(emptyRanges(4))).toBe(4);
  });

  it('rejects invalid ranges', () => {
    expect(() => addRange(emptyRanges(), 0, 3)).toThrow(RangeError);
    expect(() => addRange(emptyRanges(), 5, 4)).toThrow(RangeError);
    expect(() => addRange(emptyRanges(), 1.5, 4)).toThrow(RangeError);
  });

  it('round-trips through its persisted form and refuses garbage', () => {
    const s = addRange(addRange(emptyRanges(2), 5, 6), 9, 12);
    expect(parseRanges(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(() => parseRanges({ floor: 'x', ranges: [] })).toThrow(TypeError);
    expect(() => parseRanges({ floor: 1, ranges: [[3]] })).toThrow(TypeError);
    expect(() => parseRanges(null)).toThrow(TypeError);
  });
});
