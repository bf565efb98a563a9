import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const fences = [
  { id: 'depot', type: 'circle', center: { lat: 51.9045, lon: 4.46 }, radiusM: 400 },
  {
    id: 'yard',
    type: 'polygon',
    points: [
      { lat: 52.0, lon: 5.0 },
      { lat: 52.0, lon: 5.01 },
      { lat: 52.01, lon: 5.01 },
      { lat: 52.01, lon: 5.0 },
    ],
  },
];

describe('geofence rule', () => {
  it('circle enter: raised on entering, cleared on leaving', () => {
    const d = new Drive([{ id: 'in', type: 'geofence', geofence: 'depot', event: 'enter', cooldownS: 0 }], {}, fences);
    d.pos(51.95, 4.5);
    d.pos(51.9046, 4.4601);
    d.pos(51.9047, 4.4602);
    d.pos(51.95, 4.5);
    expect(d.states()).toEqual(['raised', 'cleared']);
    expect(d.all[0]).toMatchObject({ severity: 'info', position: { lat: 51.9046, lon: 4.4601 } });
  });

  it('polygon exit: raised on leaving, cleared on coming back', () => {
    const d = new Drive([{ id: 'out', type: 'geofence', geofence: 'yard', event: 'exit', cooldownS: 0 }], {}, fences);
    d.pos(52.005, 5.005);
    d.pos(52.02, 5.005);
    d.pos(52.005, 5.005);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('the first fix only sets the baseline (booting inside is not an entry)', () => {
    const d = new Drive([{ id: 'in', type: 'geofence', geofence: 'yard', event: 'enter' }], {}, fences);
    d.pos(52.005, 5.005);
    d.pos(52.006, 5.006);
    expect(d.all).toEqual([]);
  });

  it('ignores invalid coordinates', () => {
    const d = new Drive([{ id: 'in', type: 'geofence', geofence: 'yard', event: 'enter' }], {}, fences);
    d.pos(Number.NaN, 5);
    d.pos(91, 5);
    d.pos(52, 181);
    expect(d.engine.counters().invalid).toBe(3);
  });
});
