import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { GoldSettingsSchema, type GoldSettings } from './gold-settings.ts';
import { readingsFromRollups } from './rollup-readings.ts';
import { durationWhere } from './step-series.ts';
import { computeVehicleDay, type VehicleDayInput } from './vehicle-day.ts';
import type { GoldPosition, GoldReading, GoldRollup } from './types.ts';

const S: GoldSettings = Value.Default(GoldSettingsSchema, {}) as GoldSettings;
const D = Date.UTC(2024, 2, 4);
const MIN = 60_000;
const at = (h: number, m: number, s = 0): number => D + ((h * 60 + m) * 60 + s) * 1000;
const num = (t: number, signal: string, v: number): GoldReading => ({ t, signal, num: v, bool: null, text: null });
const bool = (t: number, signal: string, v: boolean): GoldReading => ({ t, signal, num: null, bool: v, text: null });

/** What a gateway's fold makes of readings: one rollup per signal and window (booleans as 0 and 1). */
function fold(readings: GoldReading[], windowMs = MIN): GoldRollup[] {
  const groups = new Map<string, GoldReading[]>();
  for (const r of readings) {
    const k = `${r.signal}|${r.t - (r.t % windowMs)}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const vs = g.map((r) => (r.bool !== null ? Number(r.bool) : r.num!));
    return {
      signal: g[0]!.signal, windowMs, count: g.length, bad: 0, min: Math.min(...vs), max: Math.max(...vs),
      mean: vs.reduce((a, b) => a + b, 0) / vs.length, first: g[0]!.t, last: g[g.length - 1]!.t,
    };
  });
}

/**
 * 08:00-12:00 at one reading a second: driving at 60-95 km/h with the engine on, counters growing, fuel rate
 * 20 L/h; reefer at -18 C against a -18 C setpoint except -10 C from 09:00 to 09:20; cargo door open 08:30-08:40.
 */
function rawDay(): { positions: GoldPosition[]; readings: GoldReading[] } {
  const readings: GoldReading[] = [num(at(8, 0), 'reefer_setpoint', -18), bool(at(8, 0), 'cargo_door', false)];
  const positions: GoldPosition[] = [];
  for (let t = at(8, 0); t < at(12, 0); t += 1000) {
    const h = (t - at(8, 0)) / 3_600_000;
    const speed = 60 + 35 * Math.abs(Math.sin(h * 7));
    readings.push(
      num(t, 'engine_speed', 1400),
      num(t, 'wheel_speed', speed),
      num(t, 'odometer', 1000 + 75 * h),
      num(t, 'engine_hours', 500 + h),
      num(t, 'fuel_used_total', 3000 + 20 * h),
      num(t, 'fuel_rate', 20),
      num(t, 'reefer_supply_temp', t >= at(9, 0) && t < at(9, 20) ? -10 : -18),
    );
    if (t % 10_000 === 0) positions.push({ t, lat: 50 + h * 0.6, lon: 4, speedKmh: speed });
  }
  readings.push(bool(at(8, 30), 'cargo_door', true), bool(at(8, 40), 'cargo_door', false));
  readings.sort((a, b) => a.t - b.t);
  return { positions, readings };
}

const day = (positions: GoldPosition[], readings: GoldReading[], rollups: GoldRollup[] = []): VehicleDayInput => ({
  dayStart: D, positions, readings, rollups, driverAtStart: undefined, alerts: [],
});

describe('Gold over folded readings (rollups)', () => {
  const { positions, readings } = rawDay();
  const raw = computeVehicleDay(day(positions, readings), S);
  // The gateway folded 08:00-11:00 (door and setpoint states too); 11:00-12:00 arrived raw.
  const cut = at(11, 0);
  const rollups = fold(readings.filter((r) => r.t < cut));
  const mixed = computeVehicleDay(day(positions, readings.filter((r) => r.t >= cut), rollups), S);

  it('keeps the counters exact: distance, engine hours and fuel used', () => {
    expect(raw.daily!.distanceSource).toBe('odometer');
    expect(mixed.daily!.distanceKm).toBeCloseTo(raw.daily!.distanceKm, 9);
    expect(mixed.daily!.engineHours).toBeCloseTo(raw.daily!.engineHours!, 9);
    expect(mixed.daily!.fuelUsedL).toBeCloseTo(raw.daily!.fuelUsedL!, 9);
    expect(mixed.daily!.startOdometerKm).toBe(raw.daily!.startOdometerKm);
  });

  it('keeps the max speed from the windows extremes, not their means', () => {
    expect(mixed.daily!.maxSpeedKmh).toBeCloseTo(raw.daily!.maxSpeedKmh!, 9);
  });

  it('keeps reefer compliance: minutes out of range, the excursion, min and max temperature', () => {
    expect(raw.reefer).toMatchObject({ excursions: 1, minTempC: -18, maxTempC: -10, doorOpenMin: 10 });
    expect(mixed.reefer!.outOfRangeMin).toBeCloseTo(raw.reefer!.outOfRangeMin, 0);
    expect(mixed.reefer!.monitoredMin).toBeCloseTo(raw.reefer!.monitoredMin, 0);
    expect(mixed.reefer).toMatchObject({ excursions: 1, minTempC: -18, maxTempC: -10 });
    expect(mixed.reefer!.doorOpenMin).toBeCloseTo(10, 0);
  });

  it('counts every folded reading in the day', () => {
    expect(mixed.daily!.readings).toBe(readings.length);
  });

  it('holds a window mean over the window, not for the raw samples hold of 3 s', () => {
    // Without their own hold, the means of 08:00-11:00 would count 3 s a minute of engine time.
    expect(raw.daily!.idleS).toBe(0);
    const parked = computeVehicleDay(
      day([], [], fold(Array.from({ length: 1800 }, (_, i) => [num(at(6, 0, i), 'engine_speed', 650), num(at(6, 0, i), 'wheel_speed', 0)]).flat())),
      S,
    );
    expect(parked.daily!.idleS).toBe(1800);
  });

  it('without fuel counters, integrates the folded fuel rate over its windows', () => {
    const rate = Array.from({ length: 3600 }, (_, i) => num(at(14, 0, i), 'fuel_rate', 20));
    const out = computeVehicleDay(day([], [], fold(rate)), S);
    expect(out.daily!.fuelUsedL).toBeCloseTo(20, 6);
  });
});

describe('readingsFromRollups', () => {
  const r = (over: Partial<GoldRollup>): GoldRollup => ({ signal: 'coolant_temp', windowMs: MIN, count: 60, bad: 0, min: 80, max: 90, mean: 85, first: at(1, 0), last: at(1, 0, 59), ...over });

  it('lays a boolean window out as its true share, ending in the majority value', () => {
    const mostlyOpen = readingsFromRollups([r({ signal: 'cargo_door', min: 0, max: 1, mean: 0.75, first: at(1, 0), last: at(1, 1) })]).readings;
    expect(mostlyOpen.map((x) => [x.t, x.bool])).toEqual([[at(1, 0), false], [at(1, 0, 15), true]]);
    const mostlyShut = readingsFromRollups([r({ signal: 'cargo_door', min: 0, max: 1, mean: 0.25, first: at(1, 0), last: at(1, 1) })]).readings;
    expect(mostlyShut.map((x) => [x.t, x.bool])).toEqual([[at(1, 0), true], [at(1, 0, 15), false]]);
    const open = durationWhere(at(1, 0), at(1, 1), [{ samples: mostlyOpen.map((x) => ({ t: x.t, v: x.bool })), maxHoldMs: Infinity }] as const, ([v]) => v === true);
    expect(open).toBe(45_000);
  });

  it('skips rollups of bad readings only and signals Gold does not know or that carry text', () => {
    const out = readingsFromRollups([r({ count: 0, bad: 5, min: null, max: null, mean: null }), r({ signal: 'tyre_pressure' }), r({ signal: 'driver_id' })]);
    expect(out.readings).toEqual([]);
    expect(out.extremes.size).toBe(0);
  });

  it('gives a counter its first and last value and a setpoint no hold of its own', () => {
    const out = readingsFromRollups([r({ signal: 'odometer', min: 100, max: 101.5 }), r({ signal: 'reefer_setpoint', min: -18, max: -18, mean: -18 })]);
    expect(out.readings.map((x) => [x.signal, x.t, x.num, x.holdMs])).toEqual([
      ['odometer', at(1, 0), 100, undefined],
      ['reefer_setpoint', at(1, 0), -18, undefined],
      ['odometer', at(1, 0, 59), 101.5, undefined],
    ]);
  });

  it('holds a sampled mean over the readings span plus one interval, at most the window', () => {
    expect(readingsFromRollups([r({})]).readings[0]!.holdMs).toBe(60_000);
    expect(readingsFromRollups([r({ count: 11, first: at(1, 0), last: at(1, 0, 10) })]).readings[0]!.holdMs).toBe(11_000);
    const e = readingsFromRollups([r({ min: 70, max: 95 }), r({ first: at(1, 1), min: 60, max: 85 })]).extremes.get('coolant_temp');
    expect(e).toEqual({ min: 60, max: 95 });
  });
});
