import { describe, it, expect } from 'vitest';
import { CUSTOMERS, DEPOTS, PLACES, SPEED_LIMIT_KMH, planRoute } from './road-map.ts';
import { distanceM } from './geo.ts';
import { DriveModel } from './drive.ts';
import { Prng } from './prng.ts';
import { DEPOT_GEOFENCE } from './provoked.ts';

describe('road map', () => {
  it('connects every depot to every customer with a plausible route', () => {
    for (const d of DEPOTS) {
      for (const c of CUSTOMERS) {
        const r = planRoute(d.id, c.id);
        const crow = distanceM(d, c);
        expect(r.points[0]).toMatchObject({ lat: d.lat, lon: d.lon });
        expect(r.points[r.points.length - 1]).toMatchObject({ lat: c.lat, lon: c.lon });
        // Roads are longer than the crow flies, but not absurdly so.
        expect(r.lengthM).toBeGreaterThan(crow);
        expect(r.lengthM).toBeLessThan(crow * 2.2 + 3000);
        for (let i = 1; i < r.points.length; i++) expect(r.points[i]!.s).toBeGreaterThan(r.points[i - 1]!.s);
      }
    }
  });

  it('puts the Rotterdam depot inside the default rules depot geofence, its gate outside', () => {
    const dep = PLACES.find((p) => p.id === 'dep-rtm')!;
    const gate = PLACES.find((p) => p.id === 'gt-rtm')!;
    expect(distanceM(dep, DEPOT_GEOFENCE)).toBeLessThan(DEPOT_GEOFENCE.radiusM);
    expect(distanceM(gate, DEPOT_GEOFENCE)).toBeGreaterThan(DEPOT_GEOFENCE.radiusM);
  });

  it('drives a route to its end without exceeding limits or braking harshly', () => {
    const route = planRoute('dep-rtm', 'cus-gou');
    const drive = new DriveModel(route, new Prng(3), 30_000, 1);
    let t = 0;
    let maxKmh = 0;
    let minA = 0;
    while (!drive.arrived && t < 3 * 3600_000) {
      t += 100;
      drive.step(0.1, t, 1);
      maxKmh = Math.max(maxKmh, drive.v * 3.6);
      minA = Math.min(minA, drive.a);
      expect(Math.abs(drive.lateralMs2)).toBeLessThanOrEqual(2.5 + 1e-9);
    }
    expect(drive.arrived).toBe(true);
    expect(drive.v).toBe(0);
    expect(maxKmh).toBeLessThanOrEqual(SPEED_LIMIT_KMH.motorway + 1e-9);
    expect(maxKmh).toBeGreaterThan(70);
    expect(minA).toBeGreaterThanOrEqual(-2.5 - 1e-9);
  });
});
