import { describe, expect, it } from 'vitest';
import { haversineM, insideGeofence, pointInPolygon } from './geometry.ts';

describe('geometry', () => {
  it('haversine matches known distances', () => {
    // One degree of latitude is about 111.2 km on the mean sphere.
    expect(haversineM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -1);
    // Paris -> London, about 343.5 km.
    expect(haversineM({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 }) / 1000).toBeCloseTo(343.5, 0);
    expect(haversineM({ lat: 51.9, lon: 4.46 }, { lat: 51.9, lon: 4.46 })).toBe(0);
  });

  it('circle: boundary counts as inside, just beyond is outside', () => {
    const center = { lat: 51.9045, lon: 4.46 };
    const edge = { lat: 51.9045 + 400 / 111_195, lon: 4.46 };
    const r = haversineM(center, edge);
    expect(insideGeofence(edge, { id: 'c', type: 'circle', center, radiusM: r })).toBe(true);
    expect(insideGeofence(edge, { id: 'c', type: 'circle', center, radiusM: r - 0.5 })).toBe(false);
  });

  it('point in polygon handles convex and concave shapes', () => {
    const square = [
      { lat: 0, lon: 0 },
      { lat: 0, lon: 1 },
      { lat: 1, lon: 1 },
      { lat: 1, lon: 0 },
    ];
    expect(pointInPolygon({ lat: 0.5, lon: 0.5 }, square)).toBe(true);
    expect(pointInPolygon({ lat: 1.5, lon: 0.5 }, square)).toBe(false);
    expect(pointInPolygon({ lat: 0.5, lon: -0.1 }, square)).toBe(false);
    // A "U": the notch between the arms is outside.
    const u = [
      { lat: 0, lon: 0 },
      { lat: 0, lon: 3 },
      { lat: 3, lon: 3 },
      { lat: 3, lon: 2 },
      { lat: 1, lon: 2 },
      { lat: 1, lon: 1 },
      { lat: 3, lon: 1 },
      { lat: 3, lon: 0 },
    ];
    expect(pointInPolygon({ lat: 2, lon: 1.5 }, u)).toBe(false);
    expect(pointInPolygon({ lat: 2, lon: 0.5 }, u)).toBe(true);
    expect(pointInPolygon({ lat: 0.5, lon: 1.5 }, u)).toBe(true);
  });
});
