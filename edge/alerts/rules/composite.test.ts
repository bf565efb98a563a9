import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const door = {
  id: 'door_moving',
  type: 'composite',
  condition: {
    all: [
      { signal: 'cargo_door', op: '==', value: true },
      { signal: 'wheel_speed', op: '>', value: 5 },
    ],
  },
  valueSignal: 'wheel_speed',
};

describe('composite rule', () => {
  it('cargo door open while speed > 5 km/h', () => {
    const d = new Drive([door]);
    d.read('cargo_door', true);
    d.read('wheel_speed', 5);
    expect(d.all).toEqual([]);
    d.read('wheel_speed', 12);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 12, signal: 'wheel_speed' });
    d.read('cargo_door', false);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('unknown inputs hold: false AND unknown is false, true AND unknown is unknown', () => {
    const d = new Drive([door]);
    d.read('cargo_door', true);
    d.advance(5000);
    expect(d.all).toEqual([]);
    d.read('wheel_speed', 30);
    expect(d.states()).toEqual(['raised']);
    const e = new Drive([{ ...door, condition: { any: [{ signal: 'a', op: '>', value: 1 }, { signal: 'b', op: '>', value: 1 }] } }]);
    e.read('a', 0);
    e.read('b', 2);
    expect(e.states()).toEqual(['raised']);
  });

  it('clearCondition gives hysteresis', () => {
    const d = new Drive([
      {
        ...door,
        clearCondition: { any: [{ signal: 'cargo_door', op: '==', value: false }, { signal: 'wheel_speed', op: '<=', value: 2 }] },
      },
    ]);
    d.read('cargo_door', true);
    d.read('wheel_speed', 10);
    d.read('wheel_speed', 4);
    expect(d.states()).toEqual(['raised']);
    d.read('wheel_speed', 2);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('refers to other rules, geofences, negation and string values', () => {
    const fences = [{ id: 'depot', type: 'circle', center: { lat: 51.9, lon: 4.4 }, radiusM: 500 }];
    const d = new Drive(
      [
        {
          id: 'hot_outside_depot',
          type: 'composite',
          condition: { all: [{ rule: 'hot' }, { not: { inside: 'depot' } }, { signal: 'gear', op: '!=', value: 'P' }] },
        },
        { id: 'hot', type: 'threshold', signal: 'coolant_temp', threshold: 105 },
      ],
      {},
      fences,
    );
    d.pos(51.9, 4.4);
    d.read('gear', 'D');
    d.read('coolant_temp', 110);
    expect(d.states()).toEqual(['raised']); // "hot" only: inside the depot
    d.pos(52.5, 4.4);
    expect(d.all.map((a) => `${a.ruleId}:${a.state}`)).toEqual(['hot:raised', 'hot_outside_depot:raised']);
    d.read('coolant_temp', 90);
    expect(d.all.map((a) => `${a.ruleId}:${a.state}`).slice(2)).toEqual(['hot:cleared', 'hot_outside_depot:cleared']);
  });

  it('a `when` gate that closes clears; an unknown gate holds', () => {
    const d = new Drive([
      {
        id: 'oil',
        type: 'threshold',
        signal: 'oil_pressure',
        direction: 'below',
        threshold: 70,
        clear: 100,
        when: { signal: 'engine_speed', op: '>', value: 500 },
        maxAgeS: 30,
      },
    ]);
    d.read('oil_pressure', 0);
    expect(d.all).toEqual([]); // gate unknown
    d.read('engine_speed', 800);
    expect(d.states()).toEqual(['raised']);
    d.advance(31_000); // gate stale: holds
    expect(d.states()).toEqual(['raised']);
    d.read('engine_speed', 0);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });
});
