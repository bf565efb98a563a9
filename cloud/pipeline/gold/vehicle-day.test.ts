import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { mergeAlertLifecycle } from './alert-lifecycle.ts';
import { GoldSettingsSchema, type GoldSettings } from './gold-settings.ts';
import { durationWhere } from './step-series.ts';
import { detectStops, detectTrips } from './trips.ts';
import { computeVehicleDay } from './vehicle-day.ts';
import type { GoldAlertEvent, GoldPosition, GoldReading } from './types.ts';

const S: GoldSettings = Value.Default(GoldSettingsSchema, {}) as GoldSettings;
const D = Date.UTC(2024, 2, 4);
const at = (h: number, m: number, s = 0): number => D + ((h * 60 + m) * 60 + s) * 1000;
const pos = (t: number, lat: number, speedKmh: number | null): GoldPosition => ({ t, lat, lon: 0, speedKmh });
const num = (t: number, signal: string, v: number): GoldReading => ({ t, signal, num: v, bool: null, text: null });
const bool = (t: number, signal: string, v: boolean): GoldReading => ({ t, signal, num: null, bool: v, text: null });
// 0.01 degree of latitude on the 6371.0088 km sphere: 6371.0088 * 0.01 * pi / 180 km.
const KM_PER_CENTIDEGREE = (6371.0088 * 0.01 * Math.PI) / 180;

describe('trip detection (Traccar rules)', () => {
  it('drops a hop shorter than 500 m and 300 s, keeps its time in the stop', () => {
    const p = [pos(at(8, 0), 50, 0), pos(at(8, 2), 50, 10), pos(at(8, 4), 50.002, 0), pos(at(8, 10), 50.002, 0)];
    const trips = detectTrips(p, p.map((x) => x.speedKmh ?? 0), S);
    expect(trips).toEqual([]);
    // 08:00 -> 08:10, one stop of 600 s
    expect(detectStops(p, trips, S.minParkingS)).toEqual([{ startMs: at(8, 0), endMs: at(8, 10), at: 0 }]);
  });

  it('ends a trip at the last position before a gap longer than 3600 s', () => {
    const p = [pos(at(1, 0), 50, 50), pos(at(1, 5), 50.05, 50), pos(at(2, 30), 50.1, 50), pos(at(2, 35), 50.15, 50)];
    const trips = detectTrips(p, p.map((x) => x.speedKmh ?? 0), S);
    // 01:05 -> 02:30 is 85 min without data: two trips of 5 min / 0.05 degree each
    expect(trips.map((t) => [t.start, t.end])).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(trips[0]!.distanceM / 1000).toBeCloseTo(5 * KM_PER_CENTIDEGREE, 6);
    // the gap itself is a stop: 01:05 -> 02:30
    expect(detectStops(p, trips, S.minParkingS)).toEqual([{ startMs: at(1, 5), endMs: at(2, 30), at: 1 }]);
  });

  it('keeps a short slow trip that lasts 300 s', () => {
    const p = [pos(at(9, 0), 50, 2), pos(at(9, 5), 50.0001, 2), pos(at(9, 11), 50.0001, 0)];
    const trips = detectTrips(p, p.map((x) => x.speedKmh ?? 0), S);
    expect(trips.map((t) => [t.start, t.end])).toEqual([[0, 2]]);
  });

  it('derives speed from consecutive positions when none is reported', () => {
    // 0.05 degree in 5 min = 5.56 km / (1/12 h) = 66.7 km/h: in motion
    const p = [pos(at(3, 0), 50, null), pos(at(3, 5), 50.05, null), pos(at(3, 10), 50.1, null), pos(at(3, 20), 50.1, null)];
    const out = computeVehicleDay({ dayStart: D, positions: p, readings: [], driverAtStart: undefined, alerts: [] }, S);
    expect(out.trips).toHaveLength(1);
    expect(out.trips[0]!.maxSpeedKmh).toBeCloseTo((5 * KM_PER_CENTIDEGREE) / (5 / 60), 6);
  });
});

describe('engine state from engine speed', () => {
  it('stops counting idle within three sample intervals of the engine falling silent', () => {
    // Engine speed and a standing position every second from 10:00:00 to 10:09:59; then nothing but positions.
    const readings = Array.from({ length: 600 }, (_, i) => num(at(10, 0, i), 'engine_speed', 650));
    const positions = Array.from({ length: 1200 }, (_, i) => pos(at(10, 0, i), 50, 0));
    const out = computeVehicleDay({ dayStart: D, positions, readings, driverAtStart: undefined, alerts: [] }, S);
    // Samples 1 s apart hold for 3 s at most: the last one (10:09:59) counts until 10:10:02, 602 s after 10:00:00
    expect(out.daily!.idleS).toBe(602);
  });
});

describe('reefer compliance', () => {
  it('suspends monitoring during defrost and for 15 minutes after it', () => {
    const readings = [
      num(at(0, 0), 'reefer_setpoint', -18),
      ...Array.from({ length: 13 }, (_, i) => num(at(0, i * 5), 'reefer_supply_temp', i >= 2 && i <= 9 ? -10 : -18)),
      bool(at(0, 10), 'reefer_defrost', true),
      bool(at(0, 20), 'reefer_defrost', false),
    ];
    const out = computeVehicleDay({ dayStart: D, positions: [], readings, driverAtStart: undefined, alerts: [] }, S);
    // temperatures known 00:00 -> 01:10 (last sample 01:00 holds 600 s): 70 min;
    // suspended 00:10 -> 00:35 (defrost 00:10-00:20 + 15 min): 25 min -> monitored 45 min.
    // -10 C from 00:10 to 00:50 (samples i = 2..9); outside the suspension: 00:35 -> 00:50 = 15 min, one excursion.
    expect(out.reefer).toEqual({ monitoredMin: 45, outOfRangeMin: 15, excursions: 1, doorOpenMin: 0, minTempC: -18, maxTempC: -10 });
  });
});

describe('alert lifecycle', () => {
  const base: GoldAlertEvent = {
    alertId: 'a1', vehicle: 'v1', t: 0, seq: 0, state: 'raised', severity: 'warning', ruleId: 'overspeed', value: 85,
    threshold: 80, peak: 85, raisedMs: at(6, 19), message: 'speed 85', lat: 50.1, lon: 0, signal: 'wheel_speed',
    sensor: 'can', suppressed: null,
  };
  const events: GoldAlertEvent[] = [
    { ...base, t: at(6, 19), seq: 1 },
    { ...base, t: at(6, 19, 20), seq: 2, state: 'updated', severity: 'critical', value: 92, peak: 92, message: 'speed 92' },
    { ...base, t: at(6, 19, 40), seq: 3, state: 'cleared', value: 78, peak: 92, message: 'back to 78', lat: null, lon: null },
  ];

  it('merges raised, updated and cleared into one row, whatever the arrival order', () => {
    const merged = mergeAlertLifecycle(events);
    expect(merged).toMatchObject({
      state: 'cleared', severity: 'critical', raisedMs: at(6, 19), clearedMs: at(6, 19, 40), durationS: 40, updates: 1,
      peak: 92, value: 78, message: 'back to 78', lat: 50.1, suppressed: 0,
    });
    expect(mergeAlertLifecycle([events[2]!, events[0]!, events[1]!])).toEqual(merged);
  });

  it('adds up storm summaries', () => {
    const merged = mergeAlertLifecycle([...events, { ...base, t: at(6, 30), seq: 4, state: 'summary', suppressed: 7 }]);
    expect(merged.suppressed).toBe(7);
    expect(merged.state).toBe('summary');
  });
});

describe('step series', () => {
  it('holds sampled values at most maxHold and integrates predicates', () => {
    const ms = durationWhere(0, 100, [{ samples: [{ t: 10, v: 1 }, { t: 50, v: 0 }, { t: 60, v: 1 }], maxHoldMs: 20 }] as const, ([v]) => v === 1);
    // 10..30 (held 20) + 60..80
    expect(ms).toBe(40);
  });

  it("holds a sample with a hold of its own for that long, also from before the window's start", () => {
    const samples = [{ t: -50, v: 1, holdMs: 80 }, { t: 40, v: 0 }, { t: 60, v: 1, holdMs: 5 }, { t: 90, v: 1 }];
    const ms = durationWhere(0, 100, [{ samples, maxHoldMs: 20 }] as const, ([v]) => v === 1);
    // 0..30 (held from -50 for 80) + 60..65 + 90..100 (held 20, cut by the window's end)
    expect(ms).toBe(45);
  });
});
