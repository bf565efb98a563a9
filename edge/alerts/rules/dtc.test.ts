import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const rule = { id: 'dtc', type: 'dtc' };

describe('dtc rule', () => {
  it('one alert per active code with amber or red lamp; severity follows the lamp', () => {
    const d = new Drive([rule]);
    d.read('dm1', '110:0:red:2,100:1:amber,96:3:off,97:4:mil');
    expect(d.all.map((a) => [a.state, a.value, a.severity])).toEqual([
      ['raised', 110, 'critical'],
      ['raised', 100, 'warning'],
    ]);
    expect(d.all[0]?.message).toContain('SPN 110 FMI 0, red lamp, 2 occurrence(s)');
    expect(new Set(d.all.map((a) => a.id)).size).toBe(2);
  });

  it('a code missing from the next DM1 clears; the others stay', () => {
    const d = new Drive([rule]);
    d.read('dm1', '110:0:red,100:1:amber');
    d.t += 1000;
    d.read('dm1', '100:1:amber');
    d.t += 1000;
    d.read('dm1', '');
    expect(d.all.map((a) => `${a.state}:${a.value}`)).toEqual(['raised:110', 'raised:100', 'cleared:110', 'cleared:100']);
    expect(d.engine.activeAlerts()).toEqual([]);
  });

  it('a stale or non-string DM1 holds every code', () => {
    const d = new Drive([{ ...rule, maxAgeS: 5 }]);
    d.read('dm1', '110:0:red');
    d.advance(60_000);
    d.t += 1000;
    d.read('dm1', 7);
    expect(d.states()).toEqual(['raised']);
  });

  it('filters by lamp and SPN', () => {
    const d = new Drive([{ ...rule, lamps: ['red'], spns: [110] }]);
    d.read('dm1', '110:0:amber,110:1:red,100:1:red');
    expect(d.all.map((a) => a.value)).toEqual([110]);
    expect(d.all[0]?.message).toContain('FMI 1');
  });
});
