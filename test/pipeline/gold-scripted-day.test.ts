/**
 * One scripted truck day through the whole pipeline (wire batches -> Bronze -> Silver -> Gold), checked against
 * numbers worked out by hand below. Day: 2024-03-04 (UTC). Positions on the meridian lon 0, so distances are
 * pure latitude: 0.01 degree = 6371.0088 km * 0.01 * pi / 180 = 1.1119508 km (K below).
 *
 *   time   lat     km/h   notes
 *   06:00  50.000   0     ignition on, fuel 1000 L, setpoint -18 C
 *   06:05  50.000   0
 *   06:10  50.000  60     first position in motion: trip starts
 *   06:15  50.050  60
 *   06:20  50.100  70     harsh braking raised
 *   06:25  50.150  60
 *   06:30  50.150   0     standstill begins (fuel 1008 L)
 *   06:35  50.150   0     parked 300 s: the trip ended at 06:30; ignition off
 *   07:00  50.150   0
 *   07:30  50.150   0
 *   (07:55 ignition on)
 *   08:00  50.150   0
 *   08:02  50.150  10     a hop of 0.002 degree ...
 *   08:04  50.152   0     ... 222 m in 120 s: too short for a trip (500 m / 300 s)
 *   08:10  50.152   0
 *   (08:20 ignition off, fuel 1012.5 L)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { alert, DEVICE, FakeGateway, hubMessage, position, reading, readingV1, tempDir, VEHICLE } from './fixtures.ts';

const D = Date.UTC(2024, 2, 4);
const at = (h: number, m: number, s = 0): number => D + ((h * 60 + m) * 60 + s) * 1000;
const K = (6371.0088 * 0.01 * Math.PI) / 180; // km per 0.01 degree of latitude
const PSEUDONYM = 'drv_test_pseudonym_1';

let p: Pipeline;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  p = await openPipeline({ dataDir: t.dir, settings: { export: { enabled: false } }, newPseudonym: () => PSEUDONYM });
  const gw = new FakeGateway();
  const pos = (h: number, m: number, lat: number, v: number) => position(VEHICLE, lat, 0, at(h, m), v);
  const telemetry = gw.stamp('telemetry', [
    reading(VEHICLE, 'driver_id', 'D-1001', '', at(5, 58)),
    reading(VEHICLE, 'ignition', true, '', at(6, 0)),
    reading(VEHICLE, 'fuel_used', 1000, 'L', at(6, 0)),
    reading(VEHICLE, 'reefer_setpoint', -18, 'C', at(6, 0)),
    reading(VEHICLE, 'reefer_supply_temp', -18, 'C', at(6, 0)),
    pos(6, 0, 50, 0),
    pos(6, 5, 50, 0),
    pos(6, 10, 50, 60),
    reading(VEHICLE, 'reefer_supply_temp', -17, 'C', at(6, 10)),
    pos(6, 15, 50.05, 60),
    pos(6, 20, 50.1, 70),
    reading(VEHICLE, 'reefer_supply_temp', -15, 'C', at(6, 20)),
    pos(6, 25, 50.15, 60),
    pos(6, 30, 50.15, 0),
    reading(VEHICLE, 'fuel_used', 1008, 'L', at(6, 30)),
    // Old firmware in Fahrenheit: (6.8 - 32) * 5 / 9 = -14 C.
    readingV1(VEHICLE, 'reefer_supply_temp', 6.8, 'F', at(6, 30)),
    pos(6, 35, 50.15, 0),
    reading(VEHICLE, 'ignition', false, '', at(6, 35)),
    reading(VEHICLE, 'reefer_supply_temp', -19, 'C', at(6, 40)),
    reading(VEHICLE, 'cargo_door', true, '', at(6, 45)),
    reading(VEHICLE, 'reefer_supply_temp', -18, 'C', at(6, 50)),
    reading(VEHICLE, 'cargo_door', false, '', at(6, 50)),
    pos(7, 0, 50.15, 0),
    reading(VEHICLE, 'reefer_supply_temp', -18, 'C', at(7, 0)),
    pos(7, 30, 50.15, 0),
    reading(VEHICLE, 'ignition', true, '', at(7, 55)),
    pos(8, 0, 50.15, 0),
    pos(8, 2, 50.15, 10),
    pos(8, 4, 50.152, 0),
    pos(8, 10, 50.152, 0),
    reading(VEHICLE, 'ignition', false, '', at(8, 20)),
    reading(VEHICLE, 'fuel_used', 1012.5, 'L', at(8, 20)),
  ]);
  const alerts = gw.stamp('alerts', [
    alert(VEHICLE, 'o1', 'overspeed', 'raised', at(6, 19), at(6, 19), { value: 85, threshold: 80, peak: 85 }),
    alert(VEHICLE, 'o1', 'overspeed', 'updated', at(6, 19, 20), at(6, 19), { value: 92, threshold: 80, peak: 92 }),
    alert(VEHICLE, 'o1', 'overspeed', 'cleared', at(6, 19, 40), at(6, 19), { value: 78, threshold: 80, peak: 92 }),
    alert(VEHICLE, 'h1', 'harsh_braking', 'raised', at(6, 20), at(6, 20), { value: -5.2, threshold: -4.4, peak: -5.2 }),
  ]);
  // Split telemetry into three batches, delivered out of order.
  const b1 = gw.batch('telemetry', telemetry.slice(0, 12));
  const b2 = gw.batch('telemetry', telemetry.slice(12, 24));
  const b3 = gw.batch('telemetry', telemetry.slice(24));
  for (const b of [b3, b1, gw.batch('alerts', alerts), b2]) await p.sink.accept(hubMessage(DEVICE, b, at(9, 0)));
  await p.processPending();
});

afterAll(async () => {
  await p?.close();
  await cleanup?.();
});

describe('Gold for the scripted day', () => {
  it('finds one trip 06:10-06:30 and drops the short hop', async () => {
    const trips = await p.queries.trips({ vehicle: VEHICLE });
    expect(trips).toHaveLength(1);
    const t = trips[0]!;
    expect([t.startMs, t.endMs, t.startLat, t.endLat]).toEqual([at(6, 10), at(6, 30), 50, 50.15]);
    // 06:10 -> 06:30 = 1200 s; 50.00 -> 50.15 = 15 x 0.01 degree = 15 K = 16.679 km
    expect(t.durationS).toBe(1200);
    expect(t.distanceKm as number).toBeCloseTo(15 * K, 6);
    // 16.679 km in 1/3 h = 50.04 km/h
    expect(t.avgSpeedKmh as number).toBeCloseTo((15 * K) / (1200 / 3600), 6);
    expect(t.maxSpeedKmh).toBe(70);
    // moving the whole time: no idle inside the trip
    expect(t.idleS).toBe(0);
    // fuel counter 1000 L at 06:10 (reading of 06:00), 1008 L at 06:30
    expect(t.fuelUsedL).toBe(8);
    expect(t.driver).toBe(PSEUDONYM);
  });

  it('finds the stops around it', async () => {
    const stops = await p.queries.stops({ vehicle: VEHICLE });
    expect(stops.map((s) => [s.startMs, s.endMs, s.durationS, s.lat, s.engineOnS])).toEqual([
      // 06:00 -> 06:10 at the start, ignition on throughout: 600 s
      [at(6, 0), at(6, 10), 600, 50, 600],
      // 06:30 -> 08:10 (last position): 6000 s; ignition on 06:30-06:35 (300 s) and 07:55-08:10 (900 s)
      [at(6, 30), at(8, 10), 6000, 50.15, 1200],
    ]);
  });

  it('sums the day: distance, engine hours, idle time, fuel', async () => {
    const [d] = await p.queries.daily({ vehicle: VEHICLE });
    expect(d).toBeDefined();
    // Segments with a moving end: 3 x 0.05 degree (the trip) + 0.002 degree (the hop) = 15.2 K = 16.902 km
    expect(d!.distanceKm as number).toBeCloseTo(15.2 * K, 6);
    expect(d!.distanceSource).toBe('gps');
    // Ignition on 06:00-06:35 (2100 s) + 07:55-08:20 (1500 s) = 3600 s = 1 h
    expect(d!.engineHours).toBe(1);
    // Engine on and standing, speeds trusted for at most 600 s:
    //   06:00-06:10 600 s + 06:30-06:35 300 s + 08:00-08:02 120 s + 08:04-08:10 360 s + 08:10-08:20 600 s = 1980 s
    //   (07:55-08:00 is not idle: the last speed, 07:30, is older than 600 s)
    expect(d!.idleS).toBe(1980);
    // 1012.5 - 1000 L
    expect(d!.fuelUsedL).toBe(12.5);
    expect(d!.avgSpeedKmh as number).toBeCloseTo((15 * K) / (1200 / 3600), 6);
    expect([d!.maxSpeedKmh, d!.movingS, d!.trips, d!.positions, d!.readings]).toEqual([70, 1200, 1, 14, 18]);
  });

  it('measures reefer compliance in minutes', async () => {
    const [r] = await p.queries.reeferCompliance({ vehicle: VEHICLE });
    // Temperatures every 10 min 06:00-07:00, the last one trusted until 07:10: 70 min monitored.
    expect(r!.monitoredMin).toBe(70);
    // |t - (-18)| > 2: -15 C (06:20-06:30) and -14 C (06:30-06:40): 20 min, one excursion (>= 10 min)
    expect(r!.outOfRangeMin).toBe(20);
    expect(r!.excursions).toBe(1);
    // Door open 06:45-06:50
    expect(r!.doorOpenMin).toBe(5);
    expect(r!.minTempC).toBe(-19);
    expect(r!.maxTempC as number).toBeCloseTo(-14, 9);
  });

  it('scores the driver: harsh events per 100 km and overspeed seconds', async () => {
    const rows = await p.queries.driverSafety({ vehicle: VEHICLE });
    expect(rows).toHaveLength(1);
    const s = rows[0]!;
    expect(s.driver).toBe(PSEUDONYM);
    expect(s.distanceKm as number).toBeCloseTo(15.2 * K, 6);
    expect(s.harshEvents).toBe(1);
    // 1 event / 16.902 km * 100 = 5.917 per 100 km
    expect(s.harshPer100km as number).toBeCloseTo(100 / (15.2 * K), 6);
    // overspeed raised 06:19:00, cleared 06:19:40
    expect(s.overspeedS).toBe(40);
  });

  it('merges the alert lifecycle into one row per alert', async () => {
    const alerts = await p.queries.alerts({ vehicle: VEHICLE });
    const o1 = alerts.find((a) => a.alertId === 'o1')!;
    expect(o1).toMatchObject({ state: 'cleared', raisedMs: at(6, 19), clearedMs: at(6, 19, 40), durationS: 40, updates: 1, peak: 92, value: 78 });
    expect(alerts.find((a) => a.alertId === 'h1')).toMatchObject({ state: 'raised', clearedMs: null, ruleId: 'harsh_braking' });
    expect(await p.queries.alerts({ vehicle: VEHICLE, activeOnly: true })).toHaveLength(1);
  });

  it('never shows the driver id itself, only its pseudonym', async () => {
    const c = await p.connect();
    try {
      const hits = (await c.runAndReadAll(`SELECT count(*) FROM silver_readings WHERE value_text = 'D-1001'`)).getRows()[0]![0];
      expect(hits).toBe(0n);
      const map = (await c.runAndReadAll(`SELECT pseudonym FROM driver_map WHERE driver_id = 'D-1001'`)).getRows();
      expect(map).toEqual([[PSEUDONYM]]);
    } finally {
      c.closeSync();
    }
  });
});
