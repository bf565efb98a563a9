import { describe, expect, it } from 'vitest';
import { BlockTable } from './block-table.ts';

describe('journal block table', () => {
  it('finds the block holding a seq, and nothing between or outside blocks', () => {
    const t = new BlockTable();
    t.add(1, 3); // 1-3
    t.add(4, 1); // 4
    t.add(10, 5); // 10-14 (5-9 were never stored, e.g. a lane migrated from single-event values)
    expect(t.find(0)).toBeUndefined();
    expect(t.find(1)).toEqual([1, 3]);
    expect(t.find(3)).toEqual([1, 3]);
    expect(t.find(4)).toEqual([4, 4]);
    expect(t.find(7)).toBeUndefined();
    expect(t.find(14)).toEqual([10, 14]);
    expect(t.find(15)).toBeUndefined();
  });

  it('refuses overlapping or empty blocks', () => {
    const t = new BlockTable();
    t.add(5, 5);
    expect(() => t.add(9, 1)).toThrow(RangeError);
    expect(() => t.add(20, 0)).toThrow(RangeError);
    t.add(10, 1);
    expect(t.size).toBe(2);
  });

  it('drops blocks from the oldest end and keeps finding the rest while growing and compacting', () => {
    const t = new BlockTable();
    let next = 1;
    const blocks: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const n = 1 + (i % 7);
      t.add(next, n);
      blocks.push([next, next + n - 1]);
      next += n;
      if (i % 10 === 9) t.dropBelow(blocks[i - 5]![0]); // keeps the last 6 blocks or so
    }
    const kept = blocks.filter(([, last]) => last >= blocks[4994]![0]);
    expect(t.size).toBe(kept.length);
    for (const [first, last] of kept) {
      expect(t.find(first)).toEqual([first, last]);
      expect(t.find(last)).toEqual([first, last]);
    }
    expect(t.find(blocks[0]![0])).toBeUndefined();
    t.dropBelow(next);
    expect(t.size).toBe(0);
    t.add(next, 2);
    expect(t.find(next + 1)).toEqual([next, next + 1]);
  });
});
