import { describe, expect, it } from 'vitest';
import type { ReadingV2, RollupV2, StampedEvent } from '../../shared/contracts/types.ts';
import { validateRollup } from '../../shared/contracts/validate.ts';
import { foldTelemetry } from './rollup.ts';

const T = 1_700_000_040_000; // a multiple of 60 s
let nextSeq = 1;
const reading = (t: number, value: ReadingV2['value'], over: Partial<ReadingV2> = {}): StampedEvent => ({
  seq: nextSeq++,
  rt: t + 7,
  kind: 'reading',
  body: { v: 2, vehicle: 'truck-1', sensor: 'ecu', signal: 'coolant_temp', value, unit: 'C', sensorTime: t, quality: 'good', spn: 110, ...over },
});
const position = (t: number, lat: number): StampedEvent => ({
  seq: nextSeq++,
  rt: t + 3,
  kind: 'position',
  body: { v: 2, vehicle: 'truck-1', sensor: 'gps', lat, lon: 10, sensorTime: t },
});
const rollups = (items: ReturnType<typeof foldTelemetry>['out']): RollupV2[] =>
  items.flatMap((i) => (i.kind === 'rollup' ? [i.body as RollupV2] : []));

describe('foldTelemetry', () => {
  it('folds a window of readings into count, min, max, mean, first and last, with the newest rt', () => {
    const ev = [reading(T + 1000, 90), reading(T + 2000, 94), reading(T + 59_999, 86)];
    const { consumed, out } = foldTelemetry(ev, 60_000);
    expect(consumed).toEqual(ev.map((e) => e.seq));
    expect(out).toEqual([
      {
        rt: T + 59_999 + 7,
        kind: 'rollup',
        body: { v: 2, vehicle: 'truck-1', sensor: 'ecu', signal: 'coolant_temp', unit: 'C', sensorTime: T, windowMs: 60_000, count: 3, min: 86, max: 94, mean: 90, first: T + 1000, last: T + 59_999, bad: 0, spn: 110 },
      },
    ]);
    expect(validateRollup(out[0]!.body).ok).toBe(true);
  });

  it('splits by window of sensor time (a reading exactly at a boundary opens the next window), not by arrival', () => {
    const ev = [reading(T + 60_000, 2), reading(T + 1, 1), reading(T + 70_000, 4), reading(T + 2, 3)];
    const r = rollups(foldTelemetry(ev, 60_000).out);
    expect(r.map((x) => [x.sensorTime, x.count, x.min, x.max])).toEqual([
      [T, 2, 1, 3],
      [T + 60_000, 2, 2, 4],
    ]);
  });

  it('keeps sensors, signals, units and SPNs apart', () => {
    const ev = [
      reading(T + 1, 1), reading(T + 2, 2),
      reading(T + 3, 10, { sensor: 'ecu2' }), reading(T + 4, 20, { sensor: 'ecu2' }),
      reading(T + 5, 100, { unit: 'F' }), reading(T + 6, 200, { unit: 'F' }),
      reading(T + 7, 5, { spn: 175 }), reading(T + 8, 6, { spn: 175 }),
    ];
    const r = rollups(foldTelemetry(ev, 60_000).out);
    expect(r.map((x) => x.mean).sort((a, b) => a! - b!)).toEqual([1.5, 5.5, 15, 150]);
  });

  it('counts bad readings and non-finite values apart from the figures, and gives null figures when nothing is usable', () => {
    const mixed = [reading(T + 1, 5), reading(T + 2, 999, { quality: 'bad' }), reading(T + 3, 7, { quality: 'suspect' }), reading(T + 4, Number.NaN)];
    const [m] = rollups(foldTelemetry(mixed, 60_000).out);
    expect(m).toMatchObject({ count: 2, bad: 2, min: 5, max: 7, mean: 6, first: T + 1, last: T + 4 });
    const allBad = [reading(T + 1, 1, { quality: 'bad' }), reading(T + 2, 2, { quality: 'bad' })];
    const [b] = rollups(foldTelemetry(allBad, 60_000).out);
    expect(b).toMatchObject({ count: 0, bad: 2, min: null, max: null, mean: null });
    expect(validateRollup(b).ok).toBe(true);
  });

  it('folds booleans as 0 and 1 and leaves text readings alone', () => {
    const ev = [reading(T + 1, true, { signal: 'door_open', unit: '' }), reading(T + 2, false, { signal: 'door_open', unit: '' }), reading(T + 3, true, { signal: 'door_open', unit: '' })];
    const text = [reading(T + 4, 'P0217', { signal: 'dtc', unit: '' }), reading(T + 5, 'P0218', { signal: 'dtc', unit: '' })];
    const { consumed, out } = foldTelemetry([...ev, ...text], 60_000);
    expect(consumed).toEqual(ev.map((e) => e.seq));
    expect(rollups(out)[0]).toMatchObject({ count: 3, min: 0, max: 1, mean: 2 / 3 });
  });

  it('keeps a v1 reading (ts, no quality) as good, and a rollup of one leaves its reading alone', () => {
    const v1: StampedEvent = { seq: nextSeq++, rt: T + 10, kind: 'reading', body: { v: 1, vehicle: 'truck-1', sensor: 'ecu', signal: 'coolant_temp', value: 80, unit: 'C', ts: T + 9 } };
    const v2 = reading(T + 11, 82, { spn: undefined });
    const lone = reading(T + 120_000, 1);
    const { consumed, out } = foldTelemetry([v1, v2, lone], 60_000);
    expect(consumed).toEqual([v1.seq, v2.seq]);
    expect(rollups(out)).toHaveLength(1);
    expect(rollups(out)[0]).toMatchObject({ count: 2, mean: 81, first: T + 9, last: T + 11 });
    expect(rollups(out)[0]).not.toHaveProperty('spn');
  });

  it('reads a reading without v as v1 (its time is ts)', () => {
    const body = { vehicle: 'truck-1', sensor: 'ecu', signal: 'coolant_temp', value: 1, unit: 'C', ts: T + 5 };
    const ev = [1, 2].map((seq) => ({ seq: 5000 + seq, rt: T, kind: 'reading', body }) as unknown as StampedEvent);
    expect(rollups(foldTelemetry(ev, 60_000).out)[0]).toMatchObject({ sensorTime: T, first: T + 5, last: T + 5, count: 2 });
  });

  it('keeps the newest position of each window as it was, even when positions arrive out of order', () => {
    const ev = [position(T + 30_000, 2), position(T + 50_000, 3), position(T + 10_000, 1), position(T + 61_000, 4)];
    const { consumed, out } = foldTelemetry(ev, 60_000);
    expect(consumed).toEqual(ev.slice(0, 3).map((e) => e.seq));
    expect(out).toEqual([{ rt: T + 50_000 + 3, kind: 'position', body: ev[1]!.body }]);
  });

  it('never consumes rollups, alerts or other kinds, so folding twice gains nothing the second time', () => {
    const ev = [reading(T + 1, 1), reading(T + 2, 3), reading(T + 3, 5)];
    const first = foldTelemetry(ev, 60_000);
    const again = first.out.map((item, i) => ({ ...item, seq: 1000 + i }) as StampedEvent);
    expect(foldTelemetry(again, 60_000)).toEqual({ consumed: [], out: [] });
  });

  it('merges the rollups of one window, and the readings of that window not yet folded, into one', () => {
    const first = foldTelemetry([reading(T + 1, 10), reading(T + 2, 20)], 60_000);
    const second = foldTelemetry([reading(T + 30_000, 40), reading(T + 30_001, 50, { quality: 'bad' }), reading(T + 30_002, 60)], 60_000);
    const late = reading(T + 59_000, 0);
    const again = [...first.out, ...second.out].map((item, i) => ({ ...item, seq: 9000 + i }) as StampedEvent);
    const merged = foldTelemetry([...again, late], 60_000);
    expect(merged.consumed).toEqual([late.seq, 9000, 9001]);
    expect(rollups(merged.out)).toEqual([
      expect.objectContaining({ sensorTime: T, count: 5, bad: 1, min: 0, max: 60, mean: 26, first: T + 1, last: T + 59_000 }),
    ]);
    expect(validateRollup(rollups(merged.out)[0]).ok).toBe(true);
  });

  it('leaves a rollup of another window length alone', () => {
    const r = foldTelemetry([reading(T + 1, 1), reading(T + 2, 3)], 60_000).out.map((item, i) => ({ ...item, seq: 9100 + i }) as StampedEvent);
    const later = [reading(T + 3, 5), reading(T + 4, 7)];
    expect(foldTelemetry([...r, ...later], 30_000).consumed).toEqual(later.map((e) => e.seq));
  });

  it('keeps mean between min and max when rounding would not', () => {
    const ev = Array.from({ length: 3 }, (_, i) => reading(T + i, 0.1));
    const [r] = rollups(foldTelemetry(ev, 60_000).out);
    expect(r!.mean).toBe(0.1);
    expect(validateRollup(r).ok).toBe(true);
  });

  it('puts the output oldest window first, whatever the order of the input', () => {
    const ev = [reading(T + 120_001, 1), reading(T + 120_002, 1), position(T + 5, 1), position(T + 6, 1), reading(T + 1, 1), reading(T + 2, 1)];
    const windows = foldTelemetry(ev, 60_000).out.map((i) => Math.floor((i.body as { sensorTime: number }).sensorTime / 60_000));
    expect(windows).toEqual([...windows].sort((a, b) => a - b));
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => foldTelemetry([], 0)).toThrow(RangeError);
    expect(() => foldTelemetry([], 1.5)).toThrow(RangeError);
  });
});
