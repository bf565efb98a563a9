/**
 * Pure v1 -> v2 upcasters, one per contract kind. A v2 input is returned unchanged (same object).
 *
 * A v1 input yields a new v2 object built from the v1 contract fields only: fields unknown to v1 are not carried,
 * because they were never validated and could collide with a v2 field of the same name (a v1 reading with a stray
 * `spn: "x"` must not become an invalid v2 reading). Bronze keeps the original as received.
 */
import type {
  AlertV1,
  AlertV2,
  GatewayStatusV1,
  GatewayStatusV2,
  PositionV1,
  PositionV2,
  ReadingV1,
  ReadingV2,
} from './types.ts';

/** Old firmware had no notion of quality: its readings are taken as good. */
export function upcastReading(r: ReadingV1 | ReadingV2): ReadingV2 {
  if (r.v === 2) return r;
  return {
    v: 2,
    vehicle: r.vehicle,
    sensor: r.sensor,
    signal: r.signal,
    value: r.value,
    unit: r.unit,
    sensorTime: r.ts,
    quality: 'good',
  };
}

export function upcastPosition(p: PositionV1 | PositionV2): PositionV2 {
  if (p.v === 2) return p;
  const out: PositionV2 = { v: 2, vehicle: p.vehicle, sensor: p.sensor, lat: p.lat, lon: p.lon, sensorTime: p.ts };
  if (p.speedKmh !== undefined) out.speedKmh = p.speedKmh;
  if (p.heading !== undefined) out.heading = p.heading;
  return out;
}

/**
 * v1 alerts did not record when the alert was first raised nor its peak, so the v1 message's own time and value
 * stand in for them (exact for a raise, an approximation for updates and clears).
 */
export function upcastAlert(a: AlertV1 | AlertV2): AlertV2 {
  if (a.v === 2) return a;
  const out: AlertV2 = {
    v: 2,
    id: a.id,
    vehicle: a.vehicle,
    ruleId: a.ruleId,
    state: a.state,
    severity: a.severity,
    value: a.value,
    threshold: a.threshold,
    message: a.message,
    sensorTime: a.ts,
    raisedAt: a.ts,
    peak: a.value,
  };
  if (a.position !== undefined) out.position = { lat: a.position.lat, lon: a.position.lon };
  if (a.signal !== undefined) out.signal = a.signal;
  if (a.sensor !== undefined) out.sensor = a.sensor;
  return out;
}

/**
 * v1 status messages carried no lane, uptime, reject or disk figures; they become 0 and an empty lane map
 * ("not reported"), which consumers must not read as "healthy and empty".
 */
export function upcastGatewayStatus(s: GatewayStatusV1 | GatewayStatusV2): GatewayStatusV2 {
  if (s.v === 2) return s;
  return {
    v: 2,
    gateway: s.gateway,
    vehicle: s.vehicle,
    bootId: s.bootId,
    connectivity: s.connectivity,
    version: s.version,
    sensorTime: s.ts,
    uptimeS: 0,
    lanes: {},
    rejects: 0,
    diskBytes: 0,
  };
}
