import { describe, expect, it } from 'vitest';
import { JournalSettingsSchema } from '../../../edge/journal/settings.ts';
import { classifyMissing, positionKey, readingKey, type RollupSpan } from './natural-keys.ts';

const W = 60_000;
const T = 1_700_000_040_000; // a multiple of W

describe('classifyMissing', () => {
  const rollup: RollupSpan = { vehicle: 'V', sensor: 'ecu', signal: 'rpm', start: T, windowMs: W, first: T + 1000, last: T + 50_000 };

  it('accounts a missing reading to a rollup of its sensor, signal and window that spans its time', () => {
    const inside = readingKey('V', 'ecu', 'rpm', T + 20_000);
    const afterLast = readingKey('V', 'ecu', 'rpm', T + 55_000);
    const otherSignal = readingKey('V', 'ecu', 'speed', T + 20_000);
    const otherWindow = readingKey('V', 'ecu', 'rpm', T + W + 20_000);
    expect(classifyMissing([inside, afterLast, otherSignal, otherWindow], [rollup], [], W)).toEqual({ inRollup: [inside], thinned: [], lost: [afterLast, otherSignal, otherWindow] });
  });

  it('accounts a missing position to a newer kept position of its sensor and window', () => {
    const kept = positionKey('V', 'gps', T + 59_000);
    const older = positionKey('V', 'gps', T + 10_000);
    const newer = positionKey('V', 'gps', T + W + 1000);
    expect(classifyMissing([older, newer], [], [kept], W)).toEqual({ inRollup: [], thinned: [older], lost: [newer] });
  });

  it("reads the journal's default window from its settings schema", () => {
    expect(JournalSettingsSchema.properties.downsampleWindowMs.default).toBe(W);
  });
});
