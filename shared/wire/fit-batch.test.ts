import { describe, expect, it } from 'vitest';
import type { StampedEvent } from '../contracts/types.ts';
import { DEFAULT_TARGET_BYTES, MAX_MESSAGE_BYTES, decodeBatch, encodeBatch, fitBatch } from './index.ts';
import { noiseBytes, sampleHeader } from './test-events.ts';

/** Telemetry-like readings whose values vary, so compressed size grows steadily but not perfectly linearly. */
function readings(count: number, from = 1): StampedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: from + i,
    rt: 1_741_579_200_000 + i * 137,
    kind: 'reading',
    body: {
      v: 2, vehicle: 'TRK-0042', sensor: 'j1939', signal: ['engine_speed', 'coolant_temp', 'fuel_rate'][i % 3]!,
      // `|| 0`: -0 travels as 0, like JSON.
      value: Math.round(Math.sin(i / 7) * 8000) / 8 || 0, unit: 'rpm', sensorTime: 1_741_579_200_000 + i * 137 - 20, quality: 'good',
    },
  }));
}

const reject = (seq: number, rawBytes: number): StampedEvent => ({
  seq, rt: seq, kind: 'reject', body: { topic: 'sensors/x', raw: noiseBytes(rawBytes, seq), reason: 'noise' },
});

const sizeOf = (events: StampedEvent[]): number => encodeBatch(sampleHeader(), events).length;

describe('fitBatch', () => {
  it.each([4096, 10_000, DEFAULT_TARGET_BYTES])('takes the longest prefix that fits in %i bytes', (limit) => {
    const events = readings(12_000);
    const { bytes, taken } = fitBatch(sampleHeader(), events, limit);
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(events.length);
    expect(bytes.length).toBeLessThanOrEqual(limit);
    expect(sizeOf(events.slice(0, taken + 1))).toBeGreaterThan(limit);
    expect(Buffer.from(bytes).equals(Buffer.from(encodeBatch(sampleHeader(), events.slice(0, taken))))).toBe(true);
    expect(decodeBatch(bytes).events).toEqual(events.slice(0, taken));
  });

  it('takes everything when everything fits', () => {
    const events = readings(50);
    const { bytes, taken } = fitBatch(sampleHeader(), events);
    expect(taken).toBe(50);
    expect(decodeBatch(bytes).events).toEqual(events);
  });

  it('never exceeds 256 KB, whatever maxBytes says', () => {
    const events = Array.from({ length: 6 }, (_, i) => reject(i + 1, 60_000));
    const { bytes, taken } = fitBatch(sampleHeader('rejects'), events, 10 * MAX_MESSAGE_BYTES);
    expect(bytes.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(taken).toBe(4);
  });

  it('handles lumpy sizes: a huge event after small ones', () => {
    const events = [...readings(100), reject(101, 50_000), ...readings(100, 102)];
    const { taken } = fitBatch(sampleHeader(), events, 40_000);
    expect(taken).toBe(100);
  });

  it('gives an empty batch for no events', () => {
    const { bytes, taken } = fitBatch(sampleHeader(), []);
    expect(taken).toBe(0);
    expect(decodeBatch(bytes).header.count).toBe(0);
  });

  it('throws oversized when the first event alone does not fit', () => {
    expect(() => fitBatch(sampleHeader('rejects'), [reject(1, 5000), reject(2, 10)], 4096)).toThrow(
      expect.objectContaining({ code: 'oversized' }),
    );
  });

  it('stops before a malformed event, and reports it once it comes first', () => {
    const events = readings(30);
    const broken = [...events.slice(0, 20), { ...events[20]!, kind: 'bogus' } as unknown as StampedEvent, ...events.slice(21)];
    const { taken } = fitBatch(sampleHeader(), broken);
    expect(taken).toBe(20);
    expect(() => fitBatch(sampleHeader(), broken.slice(taken))).toThrow(expect.objectContaining({ code: 'types' }));
  });

  it('refuses a malformed header with types', () => {
    expect(() => fitBatch({ ...sampleHeader(), epoch: '' }, readings(3))).toThrow(expect.objectContaining({ code: 'types' }));
  });
});
