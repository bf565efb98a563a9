import { describe, expect, it } from 'vitest';
import type { AlertV2 } from '../../shared/contracts/types.ts';
import { createAlertEngine } from './engine.ts';
import { AlertConfigError } from './errors.ts';
import { Drive, ruleSet, T0 } from './test-kit.ts';

const hot = { id: 'hot', type: 'threshold', signal: 'coolant_temp', threshold: 105, clear: 100, forS: 30 };
const fast = { ...hot, forS: 0, cooldownS: 0 };

/** Drives a fixed script and returns every alert. */
function script(): AlertV2[] {
  const d = new Drive([hot, { id: 'dtc', type: 'dtc' }]);
  d.pos(51.9, 4.4);
  d.hold('coolant_temp', 108, 40_000);
  d.read('dm1', '110:0:red');
  d.hold('coolant_temp', 95, 5000);
  d.advance(120_000);
  d.hold('coolant_temp', 110, 31_000);
  return d.all;
}

describe('alert lifecycle', () => {
  it('raised, updated and cleared share one id; raisedAt, peak and last position are carried', () => {
    const d = new Drive([{ ...hot, updateEveryS: 5 }]);
    d.pos(51.9, 4.4);
    d.hold('coolant_temp', 106, 30_000);
    d.hold('coolant_temp', 109, 10_000);
    d.read('coolant_temp', 90);
    const [raised, updated, cleared] = d.all;
    expect(d.states()).toEqual(['raised', 'updated', 'cleared']);
    expect(new Set(d.all.map((a) => a.id)).size).toBe(1);
    expect(raised).toMatchObject({ v: 2, vehicle: 'T1', severity: 'warning', raisedAt: T0 + 30_000, peak: 106 });
    expect(updated).toMatchObject({ peak: 109, raisedAt: T0 + 30_000 });
    expect(cleared).toMatchObject({ value: 90, peak: 109, raisedAt: T0 + 30_000, position: { lat: 51.9, lon: 4.4 } });
    expect(cleared?.sensorTime).toBe(d.t);
  });

  it('ids are deterministic: a replay of the same inputs gives the same alerts', () => {
    const a = script();
    expect(a.length).toBeGreaterThan(3);
    expect(script()).toEqual(a);
    // A later raise of the same rule gets a new id.
    const hotIds = a.filter((x) => x.ruleId === 'hot' && x.state === 'raised').map((x) => x.id);
    expect(hotIds).toHaveLength(2);
    expect(hotIds[0]).not.toBe(hotIds[1]);
  });

  it('dedup: an active alert is not raised again while the condition lasts', () => {
    const d = new Drive([fast]);
    d.hold('coolant_temp', 110, 600_000);
    expect(d.states()).toEqual(['raised']);
  });

  it('cooldown: no re-raise within cooldownS after a clear; raises when it ends if the condition still holds', () => {
    const d = new Drive([{ ...fast, cooldownS: 60 }]);
    d.read('coolant_temp', 110);
    d.read('coolant_temp', 90);
    d.t += 1000;
    d.hold('coolant_temp', 110, 58_000);
    expect(d.states()).toEqual(['raised', 'cleared']);
    d.hold('coolant_temp', 110, 2000);
    expect(d.states()).toEqual(['raised', 'cleared', 'raised']);
    expect(d.all[2]?.raisedAt).toBe(T0 + 60_000);
  });

  it('each alert has its own peak, even when raised right after a clear', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 120);
    d.read('coolant_temp', 90);
    d.read('coolant_temp', 106);
    d.read('coolant_temp', 90);
    expect(d.all.map((a) => [a.state, a.peak])).toEqual([
      ['raised', 120],
      ['cleared', 120],
      ['raised', 106],
      ['cleared', 106],
    ]);
  });

  it('clearForS: the clear condition must last', () => {
    const d = new Drive([{ ...fast, clearForS: 10 }]);
    d.read('coolant_temp', 110);
    d.hold('coolant_temp', 90, 9000);
    d.read('coolant_temp', 102);
    d.hold('coolant_temp', 90, 9000);
    expect(d.states()).toEqual(['raised']);
    d.hold('coolant_temp', 90, 1000);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('keys state by vehicle', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 110, { vehicle: 'A' });
    d.read('coolant_temp', 110, { vehicle: 'B' });
    d.read('coolant_temp', 90, { vehicle: 'A' });
    expect(d.all.map((a) => `${a.vehicle}:${a.state}`)).toEqual(['A:raised', 'B:raised', 'A:cleared']);
    expect(d.engine.activeAlerts().map((a) => a.vehicle)).toEqual(['B']);
  });

  it('activeAlerts lists announced active alerts as last emitted', () => {
    const d = new Drive([fast, { id: 'dtc', type: 'dtc' }]);
    d.read('coolant_temp', 110);
    d.read('dm1', '110:0:red,100:1:amber');
    d.t += 5000;
    const active = d.engine.activeAlerts();
    expect(active.map((a) => [a.ruleId, a.state, a.sensorTime])).toEqual([
      ['hot', 'raised', T0],
      ['dtc', 'raised', T0],
      ['dtc', 'raised', T0],
    ]);
  });
  it('activeAlerts still describes the last measured value after the signal goes stale', () => {
    // Rules reuse one verdict object per evaluation; the engine must keep a copy of the one it describes.
    const d = new Drive([fast], { maxValueAgeMs: 10_000 });
    d.read('coolant_temp', 110);
    d.advance(20_000); // the value is stale now: later evaluations carry no value
    const [active] = d.engine.activeAlerts();
    expect(active?.message).toContain('coolant_temp 110');
  });
});

describe('storm protection', () => {
  it('flapping beyond the rate limit: one summary with the count, every announced raise still cleared', () => {
    const d = new Drive([{ ...fast, rateLimit: { maxRaises: 3, windowS: 600 } }]);
    for (let i = 0; i < 1000; i++) {
      d.read('coolant_temp', 110);
      d.read('coolant_temp', 90);
      d.t += 100;
    }
    expect(d.states()).toEqual(['raised', 'cleared', 'raised', 'cleared', 'raised', 'cleared']);
    d.advance(600_000);
    const summaries = d.all.filter((a) => a.state === 'summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ ruleId: 'hot', suppressed: 2 * 997, raisedAt: T0, value: null, threshold: 3 });
    expect(d.engine.counters()).toMatchObject({ raised: 3, cleared: 3, summaries: 1, suppressed: 1994 });
  });

  it('an alert still active when the window ends is announced then', () => {
    const d = new Drive([{ ...fast, rateLimit: { maxRaises: 1, windowS: 60 } }]);
    d.read('coolant_temp', 110);
    d.read('coolant_temp', 90);
    d.read('coolant_temp', 110); // held back
    d.advance(60_000);
    expect(d.states()).toEqual(['raised', 'cleared', 'summary', 'raised']);
    const [first, , summary, late] = d.all;
    expect(summary?.suppressed).toBe(1);
    expect(late?.raisedAt).toBe(T0);
    expect(late?.id).not.toBe(first?.id);
    d.read('coolant_temp', 90);
    expect(d.states().at(-1)).toBe('cleared');
  });
});

describe('kill switch', () => {
  it('a killed rule clears its active alerts once and stays silent until revived', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 110);
    const cleared = d.engine.setKillSwitch({ sensors: [], rules: ['hot'] });
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ state: 'cleared', message: 'hot cleared: silenced by kill switch' });
    d.read('coolant_temp', 90);
    d.read('coolant_temp', 120);
    d.advance(10_000);
    expect(d.all).toHaveLength(1);
    expect(d.engine.counters().killed).toBe(2);
    expect(d.engine.setKillSwitch({ sensors: [], rules: [] })).toEqual([]);
    d.read('coolant_temp', 121);
    expect(d.states()).toEqual(['raised', 'raised']);
  });

  it('a killed sensor: its values are discarded, but it still counts as heard', () => {
    const d = new Drive([fast, { id: 'quiet', type: 'silence', sensor: 'ecu', afterS: 10 }]);
    d.engine.setKillSwitch({ sensors: ['ecu'], rules: [] });
    expect(d.engine.killSwitch()).toEqual({ sensors: ['ecu'], rules: [] });
    for (let i = 0; i < 30; i++) {
      d.read('coolant_temp', 200);
      d.advance(1000);
    }
    expect(d.all).toEqual([]);
    expect(d.engine.counters().killed).toBe(30);
    d.read('coolant_temp', 200, { sensor: 'other' });
    expect(d.states()).toEqual(['raised']);
  });

  it('refuses a malformed kill switch', () => {
    const d = new Drive([fast]);
    expect(() => d.engine.setKillSwitch({ sensors: 'ecu', rules: [] } as unknown as { sensors: string[]; rules: string[] })).toThrow(
      AlertConfigError,
    );
  });
});

describe('hot reload', () => {
  it('unchanged rules keep their state; changed and removed rules clear', () => {
    const other = { id: 'volt', type: 'threshold', signal: 'battery_voltage', direction: 'below', threshold: 23 };
    const dtc = { id: 'dtc', type: 'dtc' };
    const d = new Drive([hot, other, dtc]);
    d.hold('coolant_temp', 110, 20_000); // pending, 20 s of 30
    d.read('battery_voltage', 22);
    d.read('dm1', '110:0:red');
    // Same "hot" (written with other key order), changed "volt", "dtc" removed.
    const out = d.engine.replaceRules(
      ruleSet([{ forS: 30, clear: 100, threshold: 105, signal: 'coolant_temp', type: 'threshold', id: 'hot' }, { ...other, threshold: 22 }]),
    );
    expect(out.map((a) => [a.ruleId, a.state, a.message])).toEqual([
      ['volt', 'cleared', 'volt cleared: rule changed'],
      ['dtc', 'cleared', 'dtc cleared: rule removed'],
    ]);
    d.hold('coolant_temp', 110, 10_000);
    expect(d.all.filter((a) => a.ruleId === 'hot').map((a) => a.state)).toEqual(['raised']); // pending time kept
    expect(d.engine.ruleSet().rules.map((r) => r.id)).toEqual(['hot', 'volt']);
  });

  it('an invalid rule set is refused and the current rules stay in force', () => {
    const d = new Drive([fast]);
    const bad = { version: 1, geofences: [], rules: [{ id: 'x', type: 'threshold', signal: 's', threshold: 'high' }] };
    let err: unknown;
    try {
      d.engine.replaceRules(bad as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AlertConfigError);
    expect((err as AlertConfigError).errors).toEqual(['/rules/0/threshold: must be a number']);
    d.read('coolant_temp', 110);
    expect(d.states()).toEqual(['raised']);
  });

  it('createAlertEngine refuses invalid rules and options with paths', () => {
    expect(() => createAlertEngine({ version: 1 } as never)).toThrow(/\/rules: is required/);
    expect(() => createAlertEngine(ruleSet([]), { maxClockStepMs: -1 })).toThrow(/\/maxClockStepMs: must be > 0/);
  });
});

describe('input edge cases', () => {
  it('duplicates (same sensor time and value) are ignored; same time with a new value is accepted', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 110, { sensorTime: T0 });
    d.read('coolant_temp', 110, { sensorTime: T0 });
    d.read('coolant_temp', 90, { sensorTime: T0 });
    expect(d.states()).toEqual(['raised', 'cleared']);
    expect(d.engine.counters().duplicates).toBe(1);
  });

  it('late readings (older than the newest for that sensor and signal) are ignored', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 110, { sensorTime: T0 + 5000 });
    d.t += 1000;
    d.read('coolant_temp', 90, { sensorTime: T0 + 1000 });
    expect(d.states()).toEqual(['raised']);
    // Another sensor's clock is judged on its own.
    d.read('coolant_temp', 90, { sensorTime: T0, sensor: 'probe' });
    expect(d.states()).toEqual(['raised', 'cleared']);
    expect(d.engine.counters().outOfOrder).toBe(1);
  });

  it('a sensor clock reset (far older timestamp) is accepted as the new reference', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 110, { sensorTime: T0 });
    d.t += 1000;
    d.read('coolant_temp', 90, { sensorTime: 1000 });
    d.t += 1000;
    d.read('coolant_temp', 110, { sensorTime: 2000 });
    expect(d.states()).toEqual(['raised', 'cleared', 'raised']);
    expect(d.engine.counters().sensorClockResets).toBe(1);
  });

  it('bad-quality readings are not used as values', () => {
    const d = new Drive([fast]);
    d.read('coolant_temp', 300, { quality: 'bad' });
    expect(d.all).toEqual([]);
    expect(d.engine.counters().badQuality).toBe(1);
  });

  it('a forward clock jump does not complete a duration across the gap', () => {
    const d = new Drive([hot]);
    d.hold('coolant_temp', 110, 20_000);
    d.t += 3600_000;
    d.read('coolant_temp', 110);
    expect(d.all).toEqual([]);
    expect(d.engine.counters().clockJumpsForward).toBe(1);
    d.hold('coolant_temp', 110, 30_000);
    expect(d.states()).toEqual(['raised']);
  });

  it('a backward clock step freezes time for that step instead of running durations backwards', () => {
    const d = new Drive([hot]);
    d.hold('coolant_temp', 110, 20_000);
    d.t -= 3600_000;
    d.read('coolant_temp', 110, { sensorTime: T0 + 21_000 });
    expect(d.engine.counters().clockStepsBackward).toBe(1);
    d.advance(9000);
    expect(d.all).toEqual([]);
    d.advance(1000);
    expect(d.states()).toEqual(['raised']);
    // Wall time on the alert is the gateway's (stepped back) clock.
    expect(d.all[0]?.sensorTime).toBe(d.t);
  });

  it('malformed calls are counted, not thrown', () => {
    const d = new Drive([fast]);
    expect(d.engine.onReading(null as never, d.t)).toEqual([]);
    expect(d.engine.onReading({ v: 2, vehicle: 'T1' } as never, d.t)).toEqual([]);
    expect(d.engine.onReading(d.reading('coolant_temp', 110), Number.NaN)).toEqual([]);
    expect(d.engine.onReading({ ...d.reading('coolant_temp', 110), sensorTime: Number.NaN }, d.t)).toEqual([]);
    expect(d.engine.tick(Number.NaN)).toEqual([]);
    expect(d.engine.counters()).toMatchObject({ readings: 4, invalid: 4 });
  });

  it('counts evaluations', () => {
    const d = new Drive([fast, { id: 'other', type: 'threshold', signal: 'x', threshold: 1 }]);
    d.read('coolant_temp', 50);
    d.tick();
    expect(d.engine.counters().evaluations).toBe(3);
  });
});
