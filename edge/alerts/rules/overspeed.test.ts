import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const fences = [
  { id: 'depot', type: 'circle', center: { lat: 51.9045, lon: 4.46 }, radiusM: 400 },
  {
    id: 'bays',
    type: 'polygon',
    points: [
      { lat: 51.904, lon: 4.459 },
      { lat: 51.904, lon: 4.4605 },
      { lat: 51.9034, lon: 4.4605 },
      { lat: 51.9034, lon: 4.459 },
    ],
  },
];
const rule = {
  id: 'speed',
  type: 'overspeed',
  limitKmh: 90,
  forS: 10,
  zones: [
    { geofence: 'depot', limitKmh: 20 },
    { geofence: 'bays', limitKmh: 10 },
  ],
};
const OUTSIDE = [51.95, 4.5] as const;
const DEPOT = [51.9045, 4.46] as const;
const BAY = [51.9037, 4.4598] as const;

describe('overspeed rule', () => {
  it('speed exactly at the limit is not overspeed; above it for N s is', () => {
    const d = new Drive([rule], {}, fences);
    d.pos(...OUTSIDE);
    d.hold('wheel_speed', 90, 30_000);
    expect(d.all).toEqual([]);
    d.hold('wheel_speed', 91, 9000);
    expect(d.all).toEqual([]);
    d.hold('wheel_speed', 91, 1000);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 91, threshold: 90 });
    expect(d.all[0]?.position).toEqual({ lat: OUTSIDE[0], lon: OUTSIDE[1] });
  });

  it('inside a zone the lowest matching limit applies', () => {
    const d = new Drive([{ ...rule, forS: 0 }], {}, fences);
    d.pos(...DEPOT);
    d.read('wheel_speed', 25);
    d.pos(...BAY);
    d.read('wheel_speed', 15);
    expect(d.all.map((a) => [a.state, a.threshold])).toEqual([['raised', 20]]);
    expect(d.all[0]?.message).toContain('in depot');
    // Leaving the depot at 25 km/h: limit 90, cleared.
    d.pos(...OUTSIDE);
    d.read('wheel_speed', 25);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('without a fresh position the default limit applies', () => {
    const d = new Drive([{ ...rule, forS: 0, maxAgeS: 30 }], {}, fences);
    d.pos(...DEPOT);
    d.advance(31_000);
    d.read('wheel_speed', 50);
    expect(d.all).toEqual([]);
  });

  it('hysteresis: clears only at limit - hysteresisKmh', () => {
    const d = new Drive([{ ...rule, forS: 0, zones: [] }]);
    d.read('wheel_speed', 95);
    d.read('wheel_speed', 89);
    expect(d.states()).toEqual(['raised']);
    d.read('wheel_speed', 88);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('uses GPS speed from positions when speedSignal is gps_speed', () => {
    const d = new Drive([{ ...rule, forS: 0, speedSignal: 'gps_speed' }], {}, fences);
    d.pos(...OUTSIDE, 100);
    expect(d.all[0]).toMatchObject({ state: 'raised', signal: 'gps_speed', value: 100 });
  });
});
