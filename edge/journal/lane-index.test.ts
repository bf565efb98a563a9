import { describe, expect, it } from 'vitest';
import { LaneIndex } from './lane-index.ts';

describe('lane index', () => {
  it('counts live events and bytes as they are added and removed', () => {
    const ix = new LaneIndex(1);
    for (let s = 1; s <= 10; s++) ix.add(s, 100 + s);
    expect(ix.liveEvents).toBe(10);
    expect(ix.liveBytes).toBe(1055);
    expect(ix.remove(3)).toBe(103);
    expect(ix.remove(3)).toBe(0);
    expect(ix.has(3)).toBe(false);
    expect(ix.liveEvents).toBe(9);
    expect(ix.firstLive()).toBe(1);
    expect(ix.removeRange(1, 5)).toEqual({ events: 4, bytes: 101 + 102 + 104 + 105 });
    expect(ix.firstLive()).toBe(6);
    expect(ix.end).toBe(11);
  });

  it('skips holes and whole empty chunks, across chunk boundaries', () => {
    const ix = new LaneIndex(1);
    for (let s = 1; s <= 20_000; s++) ix.add(s, 10);
    const seen: number[] = [];
    const r = ix.removeRange(4000, 12_000, (seq) => seen.push(seq));
    expect(r).toEqual({ events: 8001, bytes: 80_010 });
    expect(seen[0]).toBe(4000);
    expect(seen.at(-1)).toBe(12_000);
    expect(ix.removeRange(1, 13_000).events).toBe(3999 + 1000);
    expect(ix.firstLive()).toBe(13_001);
    expect(ix.size(13_001)).toBe(10);
    expect(ix.size(12_999)).toBe(0);
    expect(ix.liveEvents).toBe(7000);
  });

  it('accepts gaps on rebuild and starts above a floor', () => {
    const ix = new LaneIndex(5001);
    ix.add(5001, 7);
    ix.add(9000, 8);
    expect(ix.has(5002)).toBe(false);
    expect(ix.liveBytes).toBe(15);
    ix.remove(5001);
    expect(ix.firstLive()).toBe(9000);
    expect(() => ix.add(8999, 1)).toThrow(RangeError);
    expect(() => ix.add(9001, 0)).toThrow(RangeError);
  });

  it('restarts compactly once empty and keeps growing', () => {
    const ix = new LaneIndex(1);
    for (let s = 1; s <= 5000; s++) ix.add(s, 1);
    ix.removeRange(1, 5000);
    expect(ix.firstLive()).toBeUndefined();
    expect(ix.liveEvents).toBe(0);
    ix.add(5001, 3);
    expect(ix.firstLive()).toBe(5001);
    expect(ix.size(5001)).toBe(3);
  });

  it('scans the oldest live seqs up to a bound', () => {
    const ix = new LaneIndex(1);
    for (let s = 1; s <= 10; s++) ix.add(s, s);
    ix.remove(2);
    const seen: number[] = [];
    ix.scanLive(6, (seq) => (seen.push(seq), seen.length < 4));
    expect(seen).toEqual([1, 3, 4, 5]);
    seen.length = 0;
    ix.scanLive(4, (seq) => (seen.push(seq), true));
    expect(seen).toEqual([1, 3, 4]);
  });

  it('scans live seqs from any point, over holes and whole empty chunks, and stops when told', () => {
    const ix = new LaneIndex(1);
    for (let s = 1; s <= 20_000; s++) ix.add(s, s % 7 === 0 ? 20 : 10);
    ix.removeRange(100, 12_500);
    ix.remove(12_502);
    const seen: Array<[number, number]> = [];
    ix.scanFrom(95, 12_505, (seq, b) => (seen.push([seq, b]), true));
    expect(seen).toEqual([95, 96, 97, 98, 99, 12_501, 12_503, 12_504, 12_505].map((seq) => [seq, seq % 7 === 0 ? 20 : 10]));
    const firstTwo: number[] = [];
    ix.scanFrom(1, 20_000, (seq) => (firstTwo.push(seq), firstTwo.length < 2));
    expect(firstTwo).toEqual([1, 2]);
    const past: number[] = [];
    ix.scanFrom(19_999, 50_000, (seq) => (past.push(seq), true));
    expect(past).toEqual([19_999, 20_000]);
  });
});
