/**
 * What the engine knows about one vehicle: the latest value of each signal, the last position, when each sensor and
 * signal was last heard, and the newest sensor timestamp per (sensor, signal) to spot duplicates and late arrivals.
 * Plain data; times are engine-clock milliseconds except `sensorTime`.
 */
import type { GeoPoint, ReadingValue } from '../../shared/contracts/types.ts';

export interface SignalState {
  value: ReadingValue;
  /** Numeric view in canonical units (booleans as 1/0); undefined for strings. */
  num: number | undefined;
  truthy: boolean;
  /** Engine time the value was accepted; freshness is judged from this. */
  at: number;
  sensorTime: number;
  sensor: string;
  /** Vehicle-wide update counter, so rules can tell a new sample from a re-evaluation. */
  seq: number;
  /** Engine time of the last true -> false change (end of a defrost, for instance). */
  fellAt: number | undefined;
}

export interface PositionState extends GeoPoint {
  at: number;
  sensorTime: number;
  sensor: string;
  seq: number;
}

interface LastSample {
  t: number;
  value: ReadingValue;
}

export interface VehicleState {
  id: string;
  signals: Map<string, SignalState>;
  position: PositionState | undefined;
  /** sensor -> signal -> newest sensor timestamp accepted. */
  newest: Map<string, Map<string, LastSample>>;
  seenSensor: Map<string, number>;
  seenSignal: Map<string, number>;
  /** Silence is measured from here for sensors never heard; reset by clock jumps. */
  observedSince: number;
  seq: number;
}

export const newVehicleState = (id: string, now: number): VehicleState => ({
  id,
  signals: new Map(),
  position: undefined,
  newest: new Map(),
  seenSensor: new Map(),
  seenSignal: new Map(),
  observedSince: now,
  seq: 0,
});

export type Ordering = 'accepted' | 'duplicate' | 'out-of-order' | 'clock-reset';

/**
 * Same timestamp and value as the newest: a redelivery (duplicate). Same timestamp, other value: accepted (coarse
 * sensor clocks). Older than the newest by up to `resetMs`: a late arrival, ignored so it cannot overwrite a newer
 * value. Older by more: the sensor's clock was reset; accepted and taken as the new reference.
 */
export function checkOrder(
  v: VehicleState,
  sensor: string,
  signal: string,
  sensorTime: number,
  value: ReadingValue,
  resetMs: number,
): Ordering {
  let bySignal = v.newest.get(sensor);
  if (!bySignal) {
    bySignal = new Map();
    v.newest.set(sensor, bySignal);
  }
  const last = bySignal.get(signal);
  if (!last) {
    bySignal.set(signal, { t: sensorTime, value });
    return 'accepted';
  }
  if (sensorTime === last.t && value === last.value) return 'duplicate';
  if (sensorTime < last.t && last.t - sensorTime <= resetMs) return 'out-of-order';
  const reset = sensorTime < last.t;
  last.t = sensorTime;
  last.value = value;
  return reset ? 'clock-reset' : 'accepted';
}

export function isTruthy(value: ReadingValue): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const s = value.trim().toLowerCase();
  return s === 'true' || s === 'on' || s === '1' || s === 'open';
}

export function setSignal(
  v: VehicleState,
  signal: string,
  sensor: string,
  value: ReadingValue,
  num: number | undefined,
  sensorTime: number,
  now: number,
): void {
  const truthy = isTruthy(value);
  const seq = ++v.seq;
  const prev = v.signals.get(signal);
  if (prev) {
    if (prev.truthy && !truthy) prev.fellAt = now;
    prev.value = value;
    prev.num = num;
    prev.truthy = truthy;
    prev.at = now;
    prev.sensorTime = sensorTime;
    prev.sensor = sensor;
    prev.seq = seq;
  } else {
    v.signals.set(signal, { value, num, truthy, at: now, sensorTime, sensor, seq, fellAt: undefined });
  }
}

export function setPosition(v: VehicleState, p: GeoPoint, sensor: string, sensorTime: number, now: number): void {
  v.position = { lat: p.lat, lon: p.lon, at: now, sensorTime, sensor, seq: ++v.seq };
}

export function markSeen(v: VehicleState, sensor: string, signal: string, now: number): void {
  v.seenSensor.set(sensor, now);
  v.seenSignal.set(signal, now);
}
