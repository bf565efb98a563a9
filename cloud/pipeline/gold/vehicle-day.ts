/**
 * Everything Gold derives from one vehicle-day of Silver rows: the daily summary, trips, stops, reefer compliance
 * and driver safety. Pure: same rows in, same rows out.
 */
import { buildDaySeries, counterDelta, mergeByTime, type DaySeries } from './day-series.ts';
import { readingsFromRollups } from './rollup-readings.ts';
import { haversineM } from './geo.ts';
import { DAY_MS, type GoldSettings } from './gold-settings.ts';
import { computeReefer } from './reefer.ts';
import { roleOf } from '../signals.ts';
import { durationWhere, holdFor, valueAt, type Sample, type Series } from './step-series.ts';
import { detectStops, detectTrips } from './trips.ts';
import type {
  DriverSafetyRow,
  GoldPosition,
  GoldReading,
  GoldRollup,
  MergedAlert,
  ReeferRow,
  StopRow,
  TripRow,
  VehicleDailyRow,
} from './types.ts';

export interface VehicleDayInput {
  dayStart: number;
  /** Sorted by (time, seq), all within [dayStart, dayStart + 1 day). */
  positions: GoldPosition[];
  readings: GoldReading[];
  /** Rollups of the day (readings a gateway folded), any order; read as rollup-readings.ts says. */
  rollups?: GoldRollup[];
  /** All Silver readings of the day, raw and folded (Gold is given only the signals it uses); defaults to those given. */
  readingCount?: number;
  /** Driver in force at the day start (last driver reading of the previous day); undefined when unknown. */
  driverAtStart: string | null | undefined;
  /** Merged alerts of this vehicle whose lifetime overlaps the day. */
  alerts: MergedAlert[];
}

export interface VehicleDayOutput {
  daily: VehicleDailyRow | null;
  trips: TripRow[];
  stops: StopRow[];
  reefer: ReeferRow | null;
  safety: DriverSafetyRow[];
}

const FOREVER = Number.MAX_SAFE_INTEGER;

export function computeVehicleDay(input: VehicleDayInput, s: GoldSettings): VehicleDayOutput {
  const { positions, dayStart } = input;
  const dayEnd = dayStart + DAY_MS;
  const folded = readingsFromRollups(input.rollups ?? []);
  const readings = folded.readings.length > 0 ? mergeByTime(input.readings, folded.readings) : input.readings;
  const series = buildDaySeries(positions, readings, folded.extremes);
  const holdMs = s.holdMaxS * 1000;
  const motion = s.motionSpeedKmh;
  const engine: Series<boolean> = { samples: series.engine, maxHoldMs: series.engineFromIgnition ? FOREVER : holdFor(series.engine, holdMs) };
  const speed: Series<number> = { samples: series.speed, maxHoldMs: holdFor(series.speed, holdMs) };
  const idleIn = (from: number, to: number): number =>
    durationWhere(from, to, [engine, speed] as const, ([on, v]) => on === true && v !== undefined && v <= motion) / 1000;
  const engineOnIn = (from: number, to: number): number =>
    durationWhere(from, to, [engine] as const, ([on]) => on === true) / 1000;
  const driver: Series<string | null> = {
    samples: series.driver,
    maxHoldMs: FOREVER,
    ...(input.driverAtStart !== undefined ? { initial: input.driverAtStart } : {}),
  };

  const spans = detectTrips(positions, series.positionSpeed, s);
  const trips: TripRow[] = spans.map((span) => {
    const a = positions[span.start]!;
    const b = positions[span.end]!;
    const durationS = (b.t - a.t) / 1000;
    const distanceKm = span.distanceM / 1000;
    let max = 0;
    for (let i = span.start; i <= span.end; i++) max = Math.max(max, series.positionSpeed[i]!);
    const fuelA = valueAt(series.fuelUsed, a.t);
    const fuelB = valueAt(series.fuelUsed, b.t);
    return {
      startMs: a.t,
      endMs: b.t,
      startLat: a.lat,
      startLon: a.lon,
      endLat: b.lat,
      endLon: b.lon,
      distanceKm,
      durationS,
      avgSpeedKmh: durationS > 0 ? distanceKm / (durationS / 3600) : 0,
      maxSpeedKmh: max,
      idleS: idleIn(a.t, b.t),
      fuelUsedL: fuelA !== undefined && fuelB !== undefined ? fuelB - fuelA : null,
      startOdometerKm: valueAt(series.odometer, a.t) ?? null,
      endOdometerKm: valueAt(series.odometer, b.t) ?? null,
      driver: driverAt(driver, a.t),
    };
  });

  const stops: StopRow[] = detectStops(positions, spans, s.minParkingS).map((st) => ({
    startMs: st.startMs,
    endMs: st.endMs,
    durationS: (st.endMs - st.startMs) / 1000,
    lat: positions[st.at]!.lat,
    lon: positions[st.at]!.lon,
    engineOnS: engineOnIn(st.startMs, st.endMs),
  }));

  const daily = positions.length || readings.length || input.readingCount ? computeDaily(input, series, trips, s, idleIn(dayStart, dayEnd), engineOnIn(dayStart, dayEnd)) : null;
  const reefer = computeReefer(series, dayStart, dayEnd, s);
  const safety = computeSafety(input, series, driver, s);
  return { daily, trips, stops, reefer, safety };
}

function driverAt(driver: Series<string | null>, t: number): string | null {
  const v = valueAt(driver.samples, t);
  if (v !== undefined) return v;
  return driver.initial ?? null;
}

/** GPS distance of the day: every segment between consecutive positions where either end is in motion. */
function movingSegments(positions: GoldPosition[], speeds: number[], motion: number): { t: number; m: number }[] {
  const out: { t: number; m: number }[] = [];
  for (let i = 1; i < positions.length; i++) {
    if (speeds[i]! > motion || speeds[i - 1]! > motion) {
      const a = positions[i - 1]!;
      const b = positions[i]!;
      out.push({ t: b.t, m: haversineM(a.lat, a.lon, b.lat, b.lon) });
    }
  }
  return out;
}

function computeDaily(
  input: VehicleDayInput,
  series: DaySeries,
  trips: TripRow[],
  s: GoldSettings,
  idleS: number,
  engineOnS: number,
): VehicleDailyRow {
  const odo = counterDelta(series.odometer);
  const gpsM = movingSegments(input.positions, series.positionSpeed, s.motionSpeedKmh).reduce((acc, x) => acc + x.m, 0);
  const distanceKm = odo !== null ? odo : gpsM / 1000;
  const source = odo !== null ? 'odometer' : input.positions.length > 1 ? 'gps' : 'none';
  const hours = counterDelta(series.engineHours) ?? (series.engine.length ? engineOnS / 3600 : null);
  const fuel = counterDelta(series.fuelUsed) ?? integrateRate(series.fuelRate, input.dayStart, input.dayStart + DAY_MS, holdFor(series.fuelRate, s.holdMaxS * 1000));
  const movingS = trips.reduce((acc, t) => acc + t.durationS, 0);
  const tripKm = trips.reduce((acc, t) => acc + t.distanceKm, 0);
  let maxSpeed: number | null = null;
  for (const x of series.speed) maxSpeed = maxSpeed === null ? x.v : Math.max(maxSpeed, x.v);
  for (const [signal, e] of series.extremes) if (roleOf(signal) === 'speed') maxSpeed = maxSpeed === null ? e.max : Math.max(maxSpeed, e.max);
  return {
    distanceKm,
    distanceSource: source,
    engineHours: hours,
    idleS,
    fuelUsedL: fuel,
    avgSpeedKmh: movingS > 0 ? tripKm / (movingS / 3600) : null,
    maxSpeedKmh: maxSpeed,
    startOdometerKm: series.odometer[0]?.v ?? null,
    endOdometerKm: series.odometer[series.odometer.length - 1]?.v ?? null,
    movingS,
    trips: trips.length,
    positions: input.positions.length,
    readings: input.readingCount ?? input.readings.length + (input.rollups ?? []).reduce((acc, r) => acc + r.count + r.bad, 0),
  };
}

/** L/h samples held for at most holdMs, integrated to litres; null without samples. */
function integrateRate(rate: Sample<number>[], start: number, end: number, holdMs: number): number | null {
  if (rate.length === 0) return null;
  let litres = 0;
  for (let i = 0; i < rate.length; i++) {
    const a = rate[i]!;
    const next = rate[i + 1]?.t ?? end;
    const to = Math.min(next, a.t + (a.holdMs ?? holdMs), end);
    if (to > a.t) litres += (a.v * (to - Math.max(a.t, start))) / 3_600_000;
  }
  return litres;
}

function computeSafety(input: VehicleDayInput, series: DaySeries, driver: Series<string | null>, s: GoldSettings): DriverSafetyRow[] {
  const harsh = new RegExp(s.rules.harsh, 'i');
  const overspeed = new RegExp(s.rules.overspeed, 'i');
  const dayEnd = input.dayStart + DAY_MS;
  const rows = new Map<string | null, DriverSafetyRow>();
  const row = (d: string | null): DriverSafetyRow => {
    let r = rows.get(d);
    if (r === undefined) {
      r = { driver: d, distanceKm: 0, harshEvents: 0, harshPer100Km: null, overspeedS: 0 };
      rows.set(d, r);
    }
    return r;
  };
  for (const seg of movingSegments(input.positions, series.positionSpeed, s.motionSpeedKmh)) row(driverAt(driver, seg.t)).distanceKm += seg.m / 1000;
  for (const a of input.alerts) {
    if (harsh.test(a.ruleId) && a.raisedMs >= input.dayStart && a.raisedMs < dayEnd) row(driverAt(driver, a.raisedMs)).harshEvents++;
    if (overspeed.test(a.ruleId)) {
      const from = Math.max(a.raisedMs, input.dayStart);
      const to = Math.min(a.clearedMs ?? a.lastEventMs, dayEnd);
      if (to <= from) continue;
      // Split the overspeed stretch at driver changes.
      const cuts = [from, ...series.driver.map((x) => x.t).filter((t) => t > from && t < to), to];
      for (let i = 0; i + 1 < cuts.length; i++) row(driverAt(driver, cuts[i]!)).overspeedS += (cuts[i + 1]! - cuts[i]!) / 1000;
    }
  }
  // Deterministic order: no driver first, then by pseudonym (code-unit order, locale independent).
  const key = (d: string | null): string => (d === null ? '' : `~${d}`);
  const out = [...rows.values()].sort((a, b) => (key(a.driver) < key(b.driver) ? -1 : key(a.driver) > key(b.driver) ? 1 : 0));
  for (const r of out) r.harshPer100Km = r.distanceKm > 0 ? (r.harshEvents / r.distanceKm) * 100 : null;
  return out;
}
