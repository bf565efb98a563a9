/** Pure geometry for geofences: great-circle distance for circles, ray casting for polygons. */
import type { GeoPoint } from '../../shared/contracts/types.ts';
import type { Geofence } from './rule-schema.ts';

const EARTH_RADIUS_M = 6_371_008.8; // mean radius (IUGG)
const RAD = Math.PI / 180;

/** Haversine distance in metres. */
export function haversineM(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * Even-odd ray casting in the lat/lon plane. Good for geofences of a few kilometres; polygons must not cross the
 * antimeridian or contain a pole. A point exactly on an edge may fall either side.
 */
export function pointInPolygon(p: GeoPoint, poly: readonly GeoPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a.lat > p.lat !== b.lat > p.lat) {
      const lonAtLat = ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon;
      if (p.lon < lonAtLat) inside = !inside;
    }
  }
  return inside;
}

/** Inside a circle means distance <= radius (the boundary counts as inside). */
export function insideGeofence(p: GeoPoint, g: Geofence): boolean {
  return g.type === 'circle' ? haversineM(p, g.center) <= g.radiusM : pointInPolygon(p, g.points);
}
