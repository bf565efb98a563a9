import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { BLOCK_MARK, blockEvents, blockSpan, encodeBlock } from './block-format.ts';

const packr = new Packr({ useRecords: false });
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe('journal block format', () => {
  it('round-trips the events of a block, as views in order', () => {
    const events = [bytes(1, 2, 3), bytes(), bytes(9), packr.pack({ seq: 7, rt: 1, kind: 'reading', body: { v: 1.5 } })];
    const block = encodeBlock(events);
    expect(block[0]).toBe(BLOCK_MARK);
    expect(block.length).toBe(5 + 4 * 4 + events.reduce((n, e) => n + e.length, 0));
    const back = blockEvents(block)!;
    expect(back.map((e) => [...e])).toEqual(events.map((e) => [...e]));
    expect(back[0]!.buffer).toBe(block.buffer); // a view, not a copy
  });

  it('reads a single-event value (the layout before blocks) as a block of one', () => {
    const legacy = packr.pack({ seq: 1, rt: 1, kind: 'reading', body: {} });
    expect(legacy[0]).not.toBe(BLOCK_MARK);
    expect(blockEvents(legacy)).toEqual([legacy]);
  });

  it('never emits the block mark as the first byte of a msgpack value', () => {
    for (const v of [{}, [], 0, -1, 1.5, 'x', null, true, { seq: 1 }, new Uint8Array(3)]) expect(packr.pack(v)[0]).not.toBe(BLOCK_MARK);
  });

  it('tells a damaged block apart (null) instead of cutting events out of it', () => {
    const block = encodeBlock([bytes(1, 2), bytes(3)]);
    for (const damaged of [block.subarray(0, block.length - 1), Uint8Array.from([...block, 0]), block.subarray(0, 3), bytes(BLOCK_MARK, 0, 0, 0, 0)]) {
      expect(blockEvents(damaged)).toBeNull();
    }
    const lying = Uint8Array.from(block);
    lying[4] = 200; // claims 200 events
    expect(blockEvents(lying)).toBeNull();
  });

  it('tells how many seqs a stored value covers, a damaged block included', () => {
    const block = encodeBlock([bytes(1), bytes(2), bytes(3)]);
    expect(blockSpan(block)).toBe(3);
    expect(blockSpan(block.subarray(0, block.length - 1))).toBe(3); // damaged body, header intact
    expect(blockSpan(packr.pack({ seq: 1 }))).toBe(1);
    expect(blockSpan(bytes(BLOCK_MARK, 0, 0, 0, 0))).toBe(1);
    expect(blockSpan(bytes(BLOCK_MARK, 0xff, 0xff, 0xff, 0xff))).toBe(1_000_000); // bounded
  });
});
