/** Small-distance geodesy on a sphere: enough for trucks within a region, far below GPS noise. */

export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return normaliseDeg(Math.atan2(y, x) / RAD);
}

/** Moves a point by metres north and east (flat-earth approximation, fine below a few km). */
export function offsetM(p: LatLon, northM: number, eastM: number): LatLon {
  return {
    lat: p.lat + northM / (EARTH_RADIUS_M * RAD),
    lon: p.lon + eastM / (EARTH_RADIUS_M * RAD * Math.cos(p.lat * RAD)),
  };
}

export function lerp(a: LatLon, b: LatLon, f: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

export function normaliseDeg(d: number): number {
  const r = d % 360;
  return r < 0 ? r + 360 : r;
}

/** Signed smallest turn from heading a to heading b, degrees in (-180, 180]. */
export function turnDeg(a: number, b: number): number {
  const d = normaliseDeg(b - a);
  return d > 180 ? d - 360 : d;
}
