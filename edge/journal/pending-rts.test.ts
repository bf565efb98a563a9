import { describe, expect, it } from 'vitest';
import { PendingRts } from './pending-rts.ts';

describe('pending receive times', () => {
  it('answers by seq while appends queue and drops what became durable, oldest first', () => {
    const p = new PendingRts(11);
    for (let seq = 11; seq <= 15; seq++) p.push(seq, 1000 + seq);
    expect([p.size, p.get(11), p.get(15), p.get(10), p.get(16)]).toEqual([5, 1011, 1015, undefined, undefined]);
    p.dropThrough(12);
    expect([p.size, p.get(12), p.get(13)]).toEqual([3, undefined, 1013]);
    p.dropThrough(12); // already gone: nothing changes
    expect(p.size).toBe(3);
    p.dropThrough(99); // past the end: empties, and the next push continues the seqs
    expect(p.size).toBe(0);
    p.push(16, 5);
    expect(p.get(16)).toBe(5);
  });

  it('refuses a seq out of order, since lookups count on consecutive seqs', () => {
    const p = new PendingRts(1);
    p.push(1, 0);
    expect(() => p.push(3, 0)).toThrow(/out of order/);
  });

  it('keeps answering correctly across its compaction of the dropped front', () => {
    const p = new PendingRts(1);
    let next = 1;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 1500; i++, next++) p.push(next, next * 2);
      p.dropThrough(next - 201); // keeps the newest 200: next - 200 .. next - 1
      expect(p.size).toBe(200);
      expect([p.get(next - 201), p.get(next - 200), p.get(next - 1)]).toEqual([undefined, (next - 200) * 2, (next - 1) * 2]);
    }
  });
});
