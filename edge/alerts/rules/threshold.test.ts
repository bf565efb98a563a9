import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const coolant = {
  id: 'hot',
  type: 'threshold',
  signal: 'coolant_temp',
  threshold: 105,
  clear: 100,
  forS: 30,
  cooldownS: 60,
};

describe('threshold rule', () => {
  it('a value exactly at the threshold raises once the duration has passed', () => {
    const d = new Drive([coolant]);
    expect(d.hold('coolant_temp', 105, 29_000)).toEqual([]);
    const [a] = d.hold('coolant_temp', 105, 1000);
    expect(a).toMatchObject({ state: 'raised', ruleId: 'hot', value: 105, threshold: 105, peak: 105, signal: 'coolant_temp' });
    expect(a?.raisedAt).toBe(a?.sensorTime);
  });

  it('the duration elapses on tick without new readings', () => {
    const d = new Drive([coolant]);
    d.read('coolant_temp', 107);
    expect(d.advance(29_000)).toEqual([]);
    expect(d.advance(1000).map((a) => a.state)).toEqual(['raised']);
  });

  it('a dip below the threshold restarts the duration', () => {
    const d = new Drive([coolant]);
    d.hold('coolant_temp', 106, 20_000);
    d.read('coolant_temp', 103); // inside the hysteresis band: not "on"
    d.hold('coolant_temp', 106, 29_000);
    expect(d.all).toEqual([]);
    d.hold('coolant_temp', 106, 1000);
    expect(d.states()).toEqual(['raised']);
  });

  it('hysteresis: values between clear and threshold keep it active; the clear level itself does not clear', () => {
    const d = new Drive([coolant]);
    d.hold('coolant_temp', 106, 30_000);
    d.hold('coolant_temp', 101, 10_000);
    d.hold('coolant_temp', 100, 10_000);
    expect(d.states()).toEqual(['raised']);
    const [c] = d.read('coolant_temp', 99.9);
    expect(c).toMatchObject({ state: 'cleared', value: 99.9, peak: 106 });
  });

  it('direction below: at the threshold raises, above clear clears, peak is the minimum', () => {
    const d = new Drive([{ id: 'low', type: 'threshold', signal: 'battery_voltage', direction: 'below', threshold: 23, clear: 24 }]);
    d.read('battery_voltage', 23);
    d.advance(1000);
    d.read('battery_voltage', 22.1);
    d.read('battery_voltage', 24);
    d.read('battery_voltage', 24.01);
    expect(d.all.map((a) => [a.state, a.peak])).toEqual([
      ['raised', 23],
      ['cleared', 22.1],
    ]);
  });

  it('NaN, missing and non-numeric values are ignored, and do not clear or raise', () => {
    const d = new Drive([{ ...coolant, forS: 0 }]);
    d.read('coolant_temp', 110);
    d.read('coolant_temp', Number.NaN);
    d.read('coolant_temp', Number.POSITIVE_INFINITY);
    d.read('coolant_temp', 'hot');
    d.engine.onReading({ ...d.reading('coolant_temp', 1), value: undefined as unknown as number }, d.t);
    d.engine.onReading({ ...d.reading('coolant_temp', 1), value: null as unknown as number }, d.t);
    expect(d.states()).toEqual(['raised']);
    expect(d.engine.counters().invalid).toBe(4);
    expect(d.engine.activeAlerts()).toHaveLength(1);
  });

  it('a stale value counts as missing: it cannot complete a duration', () => {
    const d = new Drive([{ ...coolant, maxAgeS: 20 }]);
    d.read('coolant_temp', 110);
    d.advance(120_000);
    expect(d.all).toEqual([]);
  });

  it('a stale value does not clear an active alert either', () => {
    const d = new Drive([{ ...coolant, forS: 0, maxAgeS: 20 }]);
    d.read('coolant_temp', 110);
    d.advance(600_000);
    expect(d.states()).toEqual(['raised']);
    expect(d.engine.activeAlerts()).toHaveLength(1);
  });

  it('flapping around the threshold: hysteresis and cooldown bound the messages', () => {
    const d = new Drive([{ ...coolant, forS: 0, clear: 104, cooldownS: 300 }]);
    for (let i = 0; i < 600; i++) {
      d.read('coolant_temp', i % 2 ? 103.5 : 105.5);
      d.t += 1000;
    }
    // One raise/clear pair per cooldown (300 s): at 0, then after 300 s, out of 600 s.
    expect(d.states()).toEqual(['raised', 'cleared', 'raised', 'cleared']);
    expect(d.engine.counters().cooldownBlocked).toBeGreaterThan(0);
  });

  it('updates a rising peak at most once per updateEveryS', () => {
    const d = new Drive([{ ...coolant, forS: 0, updateEveryS: 60 }]);
    for (let i = 0; i < 130; i++) {
      d.read('coolant_temp', 106 + i / 10);
      d.t += 1000;
    }
    const updates = d.all.filter((a) => a.state === 'updated');
    expect(updates.map((a) => a.peak)).toEqual([112, 118]);
    expect(new Set(d.all.map((a) => a.id)).size).toBe(1);
  });

  it('accepts boolean readings as 1/0', () => {
    const d = new Drive([{ id: 'on', type: 'threshold', signal: 'pto', threshold: 1 }]);
    d.read('pto', true);
    expect(d.states()).toEqual(['raised']);
  });

  it('converts units to canonical before comparing (F to C)', () => {
    const d = new Drive([{ ...coolant, forS: 0 }]);
    d.read('coolant_temp', 221, { unit: 'F' }); // 105 C
    expect(d.all[0]?.value).toBeCloseTo(105, 6);
  });
});
