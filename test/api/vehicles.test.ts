/** Fleet, vehicle detail and the vehicle page's series over a real pipeline, with a fake hub. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, hubMessage, NOW, removeTempDirs, startApi, TestGateway, type ApiFixture } from './support.ts';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApi();
});
afterAll(async () => {
  await f?.close();
  await removeTempDirs();
});

const get = async (url: string, token = f.tokens.viewer) => {
  const r = await f.app.inject({ url, headers: bearer(token) });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { [k: string]: any } };
};

describe('fleet (fake hub)', () => {
  it('lists every vehicle with status, backlog, lag, gaps, duplicates, quarantine', async () => {
    const { status, body } = await get('/api/v1/vehicles');
    expect(status).toBe(200);
    expect(body.onlineWindowS).toBe(120);
    const byId = Object.fromEntries((body.vehicles as { id: string }[]).map((v) => [v.id, v])) as Record<string, any>;
    expect(Object.keys(byId).sort()).toEqual(['TRK-1', 'TRK-2', 'gw-3']);

    const t1 = byId['TRK-1'];
    expect(t1).toMatchObject({ deviceId: 'gw-1', status: 'online', lastIngestMs: NOW - 30_000, lastSeenMs: NOW - 10_000, activeAlerts: 1, quarantined: 0 });
    expect(t1.lastEventMs).toBe(NOW - 11 * 60_000);
    expect(t1.ingestLagMs).toBeGreaterThan(0);
    expect(t1.backlog).toMatchObject({ backlogEvents: 121, backlogBytes: 5100, oldestUnsentAgeMs: 45_000, connectivity: 'online' });
    expect(t1.backlog.lanes.telemetry).toMatchObject({ backlogEvents: 120, lastAckedSeq: 250 });

    const t2 = byId['TRK-2'];
    expect(t2).toMatchObject({ deviceId: 'gw-2', status: 'offline', openGaps: 1, openGapEvents: 5, duplicateBatches: 1, quarantined: 2, backlog: null });
    expect(byId['gw-3']).toMatchObject({ deviceId: 'gw-3', status: 'unknown', lastSeenMs: null, validEvents: 0 });
  });

  it("follows the hub's connection notices", async () => {
    f.hub.emit('gw-2', true, NOW - 1000);
    expect((await get('/api/v1/vehicles?status=online')).body.vehicles.map((v: { id: string }) => v.id)).toEqual(['TRK-1', 'TRK-2']);
    f.hub.emit('gw-2', false, NOW - 500);
    const t2 = (await get('/api/v1/vehicles/TRK-2')).body.vehicle;
    expect(t2).toMatchObject({ status: 'offline', connected: false, lastSeenMs: NOW - 500 });
    expect((await get('/api/v1/vehicles?status=unknown')).body.vehicles.map((v: { id: string }) => v.id)).toEqual(['gw-3']);
  });

  it('shows one vehicle with its twin, recent alerts, and its last days', async () => {
    const { status, body } = await get('/api/v1/vehicles/TRK-1');
    expect(status).toBe(200);
    expect(body.vehicle.id).toBe('TRK-1');
    expect(body.twin.deviceId).toBe('gw-1');
    expect(body.twin.reported.sync.connectivity).toBe('online');
    expect(body.recentAlerts.map((a: { alertId: string }) => a.alertId)).toEqual(['a-reefer-1', 'a-over-1']);
    expect(body.recentAlerts[0]).toMatchObject({ state: 'raised', severity: 'critical', ruleId: 'reefer_out_of_range' });
    expect(body.daily).toHaveLength(1);
    expect(body.daily[0].day).toBe('2025-06-02');
  });

  it('answers 404 for unknown vehicles, on every vehicle route', async () => {
    for (const sub of ['', '/signals', '/series?signal=wheel_speed', '/positions', '/sync-timeline']) {
      const r = await get(`/api/v1/vehicles/TRK-404${sub}`);
      expect(r.status, sub).toBe(404);
      expect(r.body.message).toBe("vehicle 'TRK-404' not found");
    }
  });
});

describe('vehicle page series (fake hub)', () => {
  it('lists the signals with values', async () => {
    const { body } = await get('/api/v1/vehicles/TRK-1/signals');
    expect(body.signals.map((s: { signal: string }) => s.signal)).toEqual(['cargo_door', 'reefer_setpoint', 'reefer_supply_temp', 'wheel_speed']);
    expect(body.signals.find((s: { signal: string }) => s.signal === 'wheel_speed').n).toBe(50);
  });

  it('buckets a reading signal over the range', async () => {
    const from = NOW - 60 * 60_000;
    const { status, body } = await get(`/api/v1/vehicles/TRK-1/series?signal=reefer_supply_temp&from=${from}&to=${NOW}&maxPoints=6`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ signal: 'reefer_supply_temp', source: 'readings', unit: 'C', fromMs: from, toMs: NOW, bucketMs: 600_000 });
    expect(body.points).toHaveLength(5);
    expect(body.points.reduce((a: number, p: { n: number }) => a + p.n, 0)).toBe(50);
    expect(body.points[0]).toMatchObject({ t: from, min: 3, max: 3 });
    expect(body.points[4].max).toBe(9);
  });

  it('charts booleans as 0/1 and GPS speed from positions', async () => {
    const door = (await get(`/api/v1/vehicles/TRK-1/series?signal=cargo_door&from=${NOW - 3_600_000}&to=${NOW}&maxPoints=2`)).body;
    expect(door.points).toHaveLength(2);
    expect(Math.min(...door.points.map((p: { min: number }) => p.min))).toBe(0);
    expect(Math.max(...door.points.map((p: { max: number }) => p.max))).toBe(1);
    expect(door.points.reduce((a: number, p: { n: number }) => a + p.n, 0)).toBe(50);
    const gps = (await get(`/api/v1/vehicles/TRK-1/series?signal=speed_kmh&source=positions&from=${NOW - 3_600_000}&to=${NOW}`)).body;
    expect(gps.unit).toBe('km/h');
    expect(Math.max(...gps.points.map((p: { max: number }) => p.max))).toBe(85);
    const bad = await get('/api/v1/vehicles/TRK-1/series?signal=wheel_speed&source=positions');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/speed_kmh/);
  });

  it('gives positions thinned to maxPoints, keeping the last, with the trips of the range', async () => {
    const { body } = await get(`/api/v1/vehicles/TRK-1/positions?from=2025-06-02&to=2025-06-03&maxPoints=10`);
    expect(body.total).toBe(50);
    expect(body.points.length).toBeLessThanOrEqual(11);
    expect(body.points[0]).toMatchObject({ lat: 52.37, lon: 4.89 });
    expect(body.points.at(-1).t).toBe(NOW - 11 * 60_000);
    expect(body.trips).toHaveLength(1);
    expect(body.trips[0].distanceKm).toBeGreaterThan(10);
  });

  it('builds the sync timeline: status history, offline period, ingest lag', async () => {
    const { body } = await get(`/api/v1/vehicles/TRK-1/sync-timeline?from=2025-06-02&to=2025-06-03`);
    expect(body.status.map((s: { backlogEvents: number }) => s.backlogEvents)).toEqual([0, 200, 600, 50, 0]);
    expect(body.periods).toEqual([{ kind: 'offline', fromMs: NOW - 50 * 60_000, toMs: NOW - 30 * 60_000 }]);
    expect(body.lag.points.length).toBeGreaterThan(0);
    expect(Math.max(...body.lag.points.map((p: { max: number }) => p.max))).toBeGreaterThan(60_000);
  });

  it('refuses ranges that are backwards or too long', async () => {
    expect((await get('/api/v1/vehicles/TRK-1/series?signal=wheel_speed&from=2025-06-03&to=2025-06-02')).body.message).toMatch(/before/);
    expect((await get('/api/v1/vehicles/TRK-1/series?signal=wheel_speed&from=2024-01-01&to=2025-06-02')).status).toBe(400);
    expect((await get('/api/v1/vehicles/TRK-1/series?signal=wheel_speed&from=2025-02-31')).body.message).toMatch(/not a real day/);
  });
});

describe('rollups and downsampled evictions (fake hub)', () => {
  const MIN = 60_000;
  const t0 = NOW - 60 * MIN;
  const gw = new TestGateway('gw-5', 'TRK-5');
  let g: ApiFixture;
  const get5 = async (url: string) => (await g.app.inject({ url, headers: bearer(g.tokens.viewer) })).json() as Record<string, any>;
  beforeAll(async () => {
    g = await startApi();
    g.hub.addDevice('gw-5', {
      sync: { lanes: { telemetry: { backlogEvents: 0, backlogBytes: 0, oldestUnsentMs: null, lastAckedSeq: 9, lastAckAt: NOW - 5000, evicted: 40, downsampled: 30 } }, updatedAt: NOW - 5000 },
    });
    const telemetry = [
      gw.reading('reefer_supply_temp', 4, 'C', t0 + 30 * MIN),
      // 35.6..39.2 F, mean 37.4 F = 2..4 C, mean 3 C.
      gw.rollup('reefer_supply_temp', 'F', t0, 600, 35.6, 39.2, 37.4),
      gw.rollup('reefer_supply_temp', 'C', t0 + MIN, 200, 1, 5, 2),
      gw.rollup('reefer_supply_temp', 'C', t0 + 20 * MIN, 100, 6, 8, 7),
      gw.rollup('fuel_rate', 'gal/h', t0, 10, 1, 3, 2),
    ];
    await g.pipeline.sink.accept(hubMessage('gw-5', gw.batch('telemetry', telemetry), NOW - 60_000));
    await g.pipeline.sink.accept(hubMessage('gw-5', gw.batch('status', [gw.status(t0 + 40 * MIN, 'online', 0, 40, 30)]), NOW - 60_000));
    await g.pipeline.processPending();
  });
  afterAll(async () => {
    await g?.close();
  });

  it('tells evictions folded into rollups from lost ones, in Gold and in the twin report', async () => {
    const v = (await get5('/api/v1/vehicles/TRK-5')).vehicle;
    expect(v).toMatchObject({ evicted: 40, downsampled: 30 });
    expect(v.backlog.lanes.telemetry).toMatchObject({ evicted: 40, downsampled: 30 });
    // A gateway that does not report it: 0 in Gold, null in its twin report.
    const t1 = (await get5('/api/v1/vehicles')).vehicles.find((x: { id: string }) => x.id === 'TRK-1');
    expect(t1).toMatchObject({ evicted: 0, downsampled: 0 });
    expect(t1.backlog.lanes.telemetry.downsampled).toBeNull();
  });

  it('adds the rollups of a reading signal beside its points, in the same buckets', async () => {
    const body = await get5(`/api/v1/vehicles/TRK-5/series?signal=reefer_supply_temp&from=${t0}&to=${NOW}&maxPoints=6`);
    expect(body).toMatchObject({ unit: 'C', bucketMs: 600_000 });
    expect(body.points).toEqual([{ t: t0 + 30 * MIN, avg: 4, min: 4, max: 4, n: 1 }]);
    expect(body.rollups).toHaveLength(2);
    // Two windows in the first bucket: the mean weighted by the readings each stands for.
    expect(body.rollups[0]).toMatchObject({ t: t0, min: 1, max: 5, n: 800 });
    expect(body.rollups[0].avg).toBeCloseTo((3 * 600 + 2 * 200) / 800, 9);
    expect(body.rollups[1]).toEqual({ t: t0 + 20 * MIN, avg: 7, min: 6, max: 8, n: 100 });
  });

  it('names the unit from the rollups when the range has no readings, and has none for positions', async () => {
    const fuel = await get5(`/api/v1/vehicles/TRK-5/series?signal=fuel_rate&from=${t0}&to=${NOW}`);
    expect(fuel).toMatchObject({ unit: 'L/h', points: [] });
    expect(fuel.rollups).toHaveLength(1);
    expect(fuel.rollups[0].max).toBeCloseTo(3 * 3.785411784, 9);
    expect((await get5(`/api/v1/vehicles/TRK-5/series?signal=speed_kmh&source=positions&from=${t0}&to=${NOW}`)).rollups).toEqual([]);
  });

  it('lists a signal that has only rollups in the range, counting the readings they stand for', async () => {
    const { signals } = await get5(`/api/v1/vehicles/TRK-5/signals?from=${t0}&to=${NOW}`);
    expect(signals).toEqual(
      expect.arrayContaining([
        { signal: 'fuel_rate', unit: 'L/h', n: 10 },
        { signal: 'reefer_supply_temp', unit: 'C', n: 901 },
      ]),
    );
  });

  it('documents the rollups in the OpenAPI schema', async () => {
    const doc = (await g.app.inject({ url: '/api/openapi.json' })).json();
    const series = doc.paths['/api/v1/vehicles/{id}/series'].get.responses['200'].content['application/json'].schema;
    expect(series.properties.rollups.type).toBe('array');
    expect(series.required).toContain('rollups');
  });
});

describe('without a read connection on the pipeline (fake hub)', () => {
  let g: ApiFixture;
  beforeAll(async () => {
    g = await startApi({}, { connection: false });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('still lists the fleet, assuming gateway id = vehicle id, and answers 501 for series', async () => {
    const list = await g.app.inject({ url: '/api/v1/vehicles', headers: bearer(g.tokens.viewer) });
    expect(list.statusCode).toBe(200);
    const ids = (list.json().vehicles as { id: string }[]).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['TRK-1', 'TRK-2', 'gw-1', 'gw-2', 'gw-3']));
    const series = await g.app.inject({ url: '/api/v1/vehicles/TRK-1/series?signal=wheel_speed', headers: bearer(g.tokens.viewer) });
    expect(series.statusCode).toBe(501);
    expect(series.json().message).toMatch(/read connection/);
    const alerts = await g.app.inject({ url: '/api/v1/alerts?severity=critical', headers: bearer(g.tokens.viewer) });
    expect(alerts.json().alerts.map((a: { alertId: string }) => a.alertId)).toEqual(['a-reefer-1']);
  });
});
