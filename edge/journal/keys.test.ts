import { describe, expect, it } from 'vitest';
import { eventKey, laneBounds, seqOfKey } from './keys.ts';

const cmp = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('journal keys', () => {
  it('round-trips seqs up to the largest safe integer', () => {
    for (const seq of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(seqOfKey(eventKey('telemetry', seq))).toBe(seq);
    }
  });

  it('keeps the byte layout journals on disk were written with', () => {
    expect([...eventKey('telemetry', 2 ** 32 + 258)]).toEqual([0x74, 0, 0, 0, 1, 0, 0, 1, 2]);
    expect([...eventKey('alerts', Number.MAX_SAFE_INTEGER)]).toEqual([0x61, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it('sorts by seq in byte order and keeps lanes apart', () => {
    expect(cmp(eventKey('alerts', 9), eventKey('alerts', 10))).toBeLessThan(0);
    expect(cmp(eventKey('alerts', 2 ** 32 - 1), eventKey('alerts', 2 ** 32))).toBeLessThan(0);
    const { gte, lte } = laneBounds('status');
    expect(cmp(eventKey('telemetry', 0), lte)).toBeGreaterThan(0);
    expect(cmp(eventKey('rejects', Number.MAX_SAFE_INTEGER), gte)).toBeLessThan(0);
  });
});
