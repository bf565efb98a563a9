import { describe, expect, it } from 'vitest';
import type { AlertV2, ReadingValue } from '../../shared/contracts/types.ts';
import { createAlertEngine, type AlertEngine } from './engine.ts';
import { inBand, narrow, newBand, settle, watch, type BandWatcher } from './quiet-bands.ts';
import { Drive, T0, ruleSet } from './test-kit.ts';
import { mulberry32 } from '../../test/support/mulberry32.ts';

describe('quiet band helpers', () => {
  it('intersects off bands, with open ends', () => {
    const b = newBand<string>();
    narrow(b, { signal: 's', lo: -Infinity, hi: 100 });
    narrow(b, { signal: 's', lo: 10, hi: Infinity });
    narrow(b, { signal: 's', lo: -Infinity, hi: 90 });
    expect([b.lo, b.hi, b.skipped]).toEqual([10, 90, 3]);
    expect([inBand(b, 10), inBand(b, 10.01), inBand(b, 89.99), inBand(b, 90)]).toEqual([false, true, true, false]);
    expect(inBand(b, Number.NaN)).toBe(false);
  });

  it('a watcher that changes state drops every band it watched; dropped bands are forgotten on the next watch', () => {
    const w: BandWatcher = { quiet: true, bands: [] };
    const a = newBand<string>();
    const b = newBand<string>();
    watch(w, a);
    watch(w, b);
    settle(w, true);
    expect([a.valid, b.valid]).toEqual([true, true]);
    settle(w, false);
    expect([a.valid, b.valid, w.bands.length]).toEqual([false, false, 0]);
    const c = newBand<string>();
    const other: BandWatcher = { quiet: false, bands: [a, c] };
    watch(other, newBand<string>());
    expect(other.bands).toHaveLength(2);
    expect(other.bands[0]).toBe(c);
  });
});

describe('skipping settled-off rules', () => {
  const rules = [
    { id: 'hot', type: 'threshold', signal: 'coolant_temp', threshold: 105, clear: 100, forS: 30, cooldownS: 0 },
    { id: 'cold', type: 'threshold', signal: 'coolant_temp', direction: 'below', threshold: 0, clear: 5, cooldownS: 0 },
  ];

  it('skips while values stay strictly inside the band, and evaluates again at its edge', () => {
    const d = new Drive(rules);
    d.read('coolant_temp', 90);
    expect(d.engine.counters().quietSkipped).toBe(0);
    d.t += 1000;
    d.read('coolant_temp', 91);
    d.t += 1000;
    d.read('coolant_temp', 99.9);
    expect(d.engine.counters().quietSkipped).toBe(4);
    // Exactly at the clear level the verdict is "hold", not "off": both rules are evaluated again.
    d.t += 1000;
    d.read('coolant_temp', 100);
    expect(d.engine.counters().quietSkipped).toBe(4);
    expect(d.engine.counters().evaluations).toBe(8);
    d.t += 1000;
    d.read('coolant_temp', 105);
    d.hold('coolant_temp', 106, 31_000);
    expect(d.states('hot')).toEqual(['raised']);
  });

  it('a raised alert is evaluated on every reading, while the others on its signal are still skipped', () => {
    const d = new Drive([...rules, { id: 'warm', type: 'threshold', signal: 'coolant_temp', threshold: 95, cooldownS: 0 }]);
    d.read('coolant_temp', 96);
    expect(d.states('warm')).toEqual(['raised']);
    const before = d.engine.counters().quietSkipped;
    for (let k = 0; k < 5; k++) {
      d.t += 1000;
      d.read('coolant_temp', 97);
    }
    // hot and cold skipped each time (after the reading that built the band); warm, raised, never is.
    expect(d.engine.counters().quietSkipped - before).toBe(10);
    d.t += 1000;
    d.read('coolant_temp', 80);
    expect(d.states('warm')).toEqual(['raised', 'cleared']);
  });

  it('a gated threshold is never skipped: its verdict also depends on the gate, which may go stale', () => {
    const d = new Drive([{ id: 'g', type: 'threshold', signal: 'x', threshold: 10, when: { signal: 'y', op: '>', value: 0 } }]);
    // With the gate open the rule settles off like any threshold; only its gate keeps it from being skipped.
    d.read('y', 1);
    for (let k = 0; k < 5; k++) {
      d.t += 1000;
      d.read('x', 1);
    }
    expect(d.engine.counters().quietSkipped).toBe(0);
  });
});

const MIXED_RULES = (shift: number): unknown[] => [
  { id: 'hot', type: 'threshold', signal: 'temp', threshold: 105 + shift, clear: 100, forS: 3, clearForS: 2, cooldownS: 5, rateLimit: { maxRaises: 2, windowS: 20 } },
  { id: 'hot2', type: 'threshold', signal: 'temp', threshold: 110, cooldownS: 0 },
  { id: 'cold', type: 'threshold', signal: 'temp', direction: 'below', threshold: 2, clear: 4, cooldownS: 1 },
  { id: 'exact', type: 'threshold', signal: 'temp', threshold: 50, forS: 0, cooldownS: 0, maxAgeS: 5 },
  { id: 'volt', type: 'threshold', signal: 'volt', direction: 'below', threshold: 23, clear: 24, forS: 2 },
  { id: 'gated', type: 'threshold', signal: 'temp', threshold: 60, when: { signal: 'speed', op: '>', value: 5 } },
  { id: 'both', type: 'composite', condition: { all: [{ rule: 'exact' }, { signal: 'speed', op: '>', value: 50 }] } },
  { id: 'drop', type: 'rate', signal: 'volt', direction: 'drop', delta: 3, windowS: 10 },
  { id: 'quiet', type: 'silence', sensor: 'probe', afterS: 8 },
];

/** A random walk over the events that change rule state: values near every threshold, bad input, clock steps,
 *  kill switch changes and rule reloads. Both engines get the same events. */
function replay(seed: number, skipQuiet: boolean): { out: AlertV2[][]; active: AlertV2[][]; engine: AlertEngine } {
  const r = mulberry32(seed);
  const engine = createAlertEngine(ruleSet(MIXED_RULES(0)), { skipQuiet, vehicles: ['T1'] });
  const out: AlertV2[][] = [];
  const active: AlertV2[][] = [];
  let t = T0;
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const near = [0, 2, 4, 50, 60, 100, 105, 110, 23, 24];
  const sensorTimes = new Map<string, number>();
  for (let step = 0; step < 4000; step++) {
    const p = r();
    if (p < 0.7) {
      const signal = pick(['temp', 'temp', 'temp', 'volt', 'speed']);
      const sensor = pick(['a', 'b', 'probe']);
      // Half the time a calm value, the other half one at or next to a threshold or clear level.
      const calm = signal === 'temp' ? 20 + r() * 20 : signal === 'volt' ? 26 + r() * 2 : r() * 100;
      let value: ReadingValue = r() < 0.5 ? calm : pick(near) + pick([-0.5, -0.01, 0, 0, 0.01, 0.5, -20, 20]);
      if (r() < 0.02) value = Number.NaN;
      if (r() < 0.02) value = 'n/a';
      if (r() < 0.02) value = r() < 0.5;
      const key = `${sensor}/${signal}`;
      // Mostly increasing sensor times, with duplicates and readings from the past.
      const last = sensorTimes.get(key) ?? t;
      const sensorTime = r() < 0.05 ? last - 5000 : r() < 0.05 ? last : Math.max(last + 1, t);
      sensorTimes.set(key, Math.max(last, sensorTime));
      const quality = r() < 0.03 ? 'bad' : 'good';
      const unit = signal === 'temp' && r() < 0.1 ? 'F' : '';
      out.push(engine.onReading({ v: 2, vehicle: pick(['T1', 'T1', 'T2']), sensor, signal, value, unit, sensorTime, quality }, t));
    } else if (p < 0.9) {
      out.push(engine.tick(t));
    } else if (p < 0.93) {
      const rules = r() < 0.5 ? [] : [pick(['hot', 'cold', 'exact', 'volt', 'drop'])];
      out.push(engine.setKillSwitch({ sensors: r() < 0.3 ? ['b'] : [], rules }, t));
    } else if (p < 0.94) {
      out.push(engine.replaceRules(ruleSet(MIXED_RULES(pick([0, 0, 2, -3]))), t));
    }
    // Time moves in small steps, with an occasional jump forward or back.
    const q = r();
    t += q < 0.005 ? 300_000 : q < 0.01 ? -3000 : Math.floor(r() * 700);
    if (step % 50 === 0) active.push(engine.activeAlerts());
  }
  return { out, active, engine };
}

describe('skipping is exact', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: the same messages, active alerts and counters as an engine that evaluates every rule', (seed) => {
    const skip = replay(seed, true);
    const full = replay(seed, false);
    expect(skip.out).toEqual(full.out);
    expect(skip.active).toEqual(full.active);
    const { quietSkipped, ...rest } = skip.engine.counters();
    const { quietSkipped: none, ...fullRest } = full.engine.counters();
    expect(rest).toEqual(fullRest);
    expect(none).toBe(0);
    // The walk must exercise the skipping, and raise alerts, or it proves nothing.
    expect(quietSkipped).toBeGreaterThan(200);
    expect(skip.out.flat().filter((a) => a.state === 'raised').length).toBeGreaterThan(20);
  });
});
