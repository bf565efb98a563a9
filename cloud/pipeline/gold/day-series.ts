/**
 * Turns one vehicle-day of Silver rows into the series Gold integrates: engine on/off, speed, counters and the
 * reefer signals. Inputs are sorted by (time, seq); so are the outputs.
 *
 * Two kinds of signals: sampled ones (speeds, temperatures, engine speed) repeat while they matter, so a value is
 * trusted only briefly (holdFor: three typical intervals, at most holdMaxS); state ones (ignition, door, defrost, setpoint, driver) are sent when they change,
 * so a value holds until the next one within the day.
 */
import { roleOf } from '../signals.ts';
import { haversineM } from './geo.ts';
import type { Sample } from './step-series.ts';
import type { Extremes } from './rollup-readings.ts';
import type { GoldPosition, GoldReading } from './types.ts';

export interface DaySeries {
  /** true while the engine runs: the ignition state when the vehicle reports one, else engine speed above 0. */
  engine: Sample<boolean>[];
  /** How long an engine sample holds: unlimited for ignition (a state), holdMaxS for engine speed (sampled). */
  engineFromIgnition: boolean;
  /** km/h from positions (reported or derived) and wheel-speed readings. */
  speed: Sample<number>[];
  /** Per-position speed, reported or derived from the previous position. */
  positionSpeed: number[];
  odometer: Sample<number>[];
  engineHours: Sample<number>[];
  fuelUsed: Sample<number>[];
  fuelRate: Sample<number>[];
  reeferTemps: Map<string, Sample<number>[]>;
  setpoint: Sample<number>[];
  defrost: Sample<boolean>[];
  door: Sample<boolean>[];
  /** Driver pseudonym; null = nobody logged in (empty string sent). */
  driver: Sample<string | null>[];
  /** Per signal, the extremes of its folded windows (rollups), which their held means flatten. */
  extremes: ReadonlyMap<string, Extremes>;
}

/** Speed of each position: as reported, else distance / time from the previous position (0 for the first). */
export function positionSpeeds(positions: GoldPosition[]): number[] {
  return positions.map((p, i) => {
    if (p.speedKmh !== null) return p.speedKmh;
    const prev = positions[i - 1];
    if (prev === undefined || p.t <= prev.t) return 0;
    return (haversineM(prev.lat, prev.lon, p.lat, p.lon) / ((p.t - prev.t) / 1000)) * 3.6;
  });
}

export function buildDaySeries(positions: GoldPosition[], readings: GoldReading[], extremes: ReadonlyMap<string, Extremes> = new Map()): DaySeries {
  const positionSpeed = positionSpeeds(positions);
  const out: DaySeries = {
    engine: [],
    engineFromIgnition: false,
    speed: [],
    positionSpeed,
    odometer: [],
    engineHours: [],
    fuelUsed: [],
    fuelRate: [],
    reeferTemps: new Map(),
    setpoint: [],
    defrost: [],
    door: [],
    driver: [],
    extremes,
  };
  const speedReadings: Sample<number>[] = [];
  const ignition: Sample<boolean>[] = [];
  const rpm: Sample<boolean>[] = [];
  for (const r of readings) {
    const role = roleOf(r.signal);
    if (role === undefined) continue;
    const t = r.t;
    switch (role) {
      case 'ignition':
        if (r.bool !== null) ignition.push({ t, v: r.bool });
        break;
      case 'rpm':
        if (r.num !== null) rpm.push({ t, v: r.num > 0, ...held(r) });
        break;
      case 'speed':
        if (r.num !== null) speedReadings.push({ t, v: r.num, ...held(r) });
        break;
      case 'odometer':
        if (r.num !== null) out.odometer.push({ t, v: r.num });
        break;
      case 'engineHours':
        if (r.num !== null) out.engineHours.push({ t, v: r.num });
        break;
      case 'fuelUsed':
        if (r.num !== null) out.fuelUsed.push({ t, v: r.num });
        break;
      case 'fuelRate':
        if (r.num !== null) out.fuelRate.push({ t, v: r.num, ...held(r) });
        break;
      case 'reeferTemp':
        if (r.num !== null) {
          const list = out.reeferTemps.get(r.signal) ?? [];
          list.push({ t, v: r.num, ...held(r) });
          out.reeferTemps.set(r.signal, list);
        }
        break;
      case 'reeferSetpoint':
        if (r.num !== null) out.setpoint.push({ t, v: r.num });
        break;
      case 'defrost':
        if (r.bool !== null) out.defrost.push({ t, v: r.bool });
        break;
      case 'door':
        if (r.bool !== null) out.door.push({ t, v: r.bool });
        break;
      case 'driver':
        if (r.text !== null) out.driver.push({ t, v: r.text === '' ? null : r.text });
        break;
      default:
        break;
    }
  }
  out.engineFromIgnition = ignition.length > 0;
  out.engine = out.engineFromIgnition ? ignition : rpm;
  const fromPositions = positions.map((p, i) => ({ t: p.t, v: positionSpeed[i]! }));
  out.speed = mergeByTime(fromPositions, speedReadings);
  return out;
}

/** A rollup's reading keeps its own hold (see rollup-readings.ts). */
const held = (r: GoldReading): { holdMs?: number } => (r.holdMs !== undefined ? { holdMs: r.holdMs } : {});

/** Stable merge of two time-sorted lists (ties: `a` first). */
export function mergeByTime<T extends { t: number }>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.t <= b[j]!.t)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** last - first of a counter's samples within the day, or null with fewer than two samples. */
export function counterDelta(samples: Sample<number>[]): number | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || samples.length < 2) return null;
  return last.v - first.v;
}
