/**
 * What Gold reads into a rollup (a window of readings a gateway folded when its journal ran short of room), so that
 * days with folded stretches keep their distance, fuel, engine hours and reefer figures instead of losing them:
 *
 * - counters (odometer, engine hours, fuel used) only grow: min at the first reading's time, max at the last's,
 *   which is exactly what the raw readings' first and last would have said;
 * - state booleans (ignition, door, defrost): the mean is the fraction of readings that were true. Its share of the
 *   window is true, laid out as one stretch, ending in the majority value, which then holds like any state (a reefer setpoint: its mean, held the same way);
 * - other numbers (speeds, temperatures, engine speed, fuel rate): the mean, held over the readings' span plus one
 *   typical interval (at most the window), whatever the spacing of the day's raw samples. The min and max are kept
 *   apart as the day's extremes (max speed, reefer min and max), which a mean would flatten.
 *
 * A rollup of bad readings only has no value. Pure: same rollups in, same readings out, sorted by time.
 */
import { signalSpec } from '../signals.ts';
import type { GoldReading, GoldRollup } from './types.ts';

export interface Extremes {
  min: number;
  max: number;
}

export interface RollupReadings {
  readings: GoldReading[];
  /** Per signal, the lowest min and highest max of its (non-counter) numeric rollups. */
  extremes: Map<string, Extremes>;
}

const COUNTERS = new Set(['odometer', 'engineHours', 'fuelUsed']);
/** Numbers sent when they change, held until the next one like the booleans. */
const STATES = new Set(['reeferSetpoint']);

const num = (t: number, signal: string, v: number, holdMs?: number): GoldReading => ({ t, signal, num: v, bool: null, text: null, ...(holdMs !== undefined ? { holdMs } : {}) });
const bool = (t: number, signal: string, v: boolean): GoldReading => ({ t, signal, num: null, bool: v, text: null });

export function readingsFromRollups(rollups: readonly GoldRollup[]): RollupReadings {
  const readings: GoldReading[] = [];
  const extremes = new Map<string, Extremes>();
  for (const r of rollups) {
    const spec = signalSpec(r.signal);
    if (spec === undefined || spec.type === 'string' || r.count <= 0 || r.min === null || r.max === null || r.mean === null) continue;
    const span = Math.max(0, r.last - r.first);
    if (COUNTERS.has(spec.role)) {
      readings.push(num(r.first, r.signal, r.min));
      if (span > 0) readings.push(num(r.last, r.signal, r.max));
    } else if (STATES.has(spec.role)) {
      readings.push(num(r.first, r.signal, r.mean));
    } else if (spec.type === 'boolean') {
      if (r.min === r.max || span === 0) {
        readings.push(bool(r.first, r.signal, r.mean >= 0.5));
        continue;
      }
      const trueMs = Math.round(r.mean * span);
      if (r.mean >= 0.5) readings.push(bool(r.first, r.signal, false), bool(r.first + span - trueMs, r.signal, true));
      else readings.push(bool(r.first, r.signal, true), bool(r.first + trueMs, r.signal, false));
    } else {
      const n = r.count + r.bad;
      const interval = n > 1 ? span / (n - 1) : 1000;
      readings.push(num(r.first, r.signal, r.mean, Math.max(1000, Math.min(r.windowMs, span + interval))));
      const e = extremes.get(r.signal);
      if (e === undefined) extremes.set(r.signal, { min: r.min, max: r.max });
      else {
        e.min = Math.min(e.min, r.min);
        e.max = Math.max(e.max, r.max);
      }
    }
  }
  // Stable: readings of one time keep the rollups' order.
  readings.sort((a, b) => a.t - b.t);
  return { readings, extremes };
}
