/** Gold reads, the pipeline page, the OpenAPI document, metrics and the dashboard files (fake hub). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry, Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../cloud/api/index.ts';
import { bearer, DAY, removeTempDirs, startApi, type ApiFixture } from './support.ts';

let f: ApiFixture;
const registry = new Registry();
beforeAll(async () => {
  f = await startApi({
    metrics: {
      registry,
      defaultMetrics: false,
      register: (r) => void new Gauge({ name: 'integrator_extra_gauge', help: 'registered through the hook', registers: [r] }).set(42),
    },
  });
});
afterAll(async () => {
  await f?.close();
  await removeTempDirs();
});

const rows = async (url: string) => {
  const r = await f.app.inject({ url, headers: bearer(f.tokens.viewer) });
  expect(r.statusCode, r.body).toBe(200);
  return (r.json() as { rows: Record<string, unknown>[] }).rows;
};

describe('Gold reads (fake hub)', () => {
  it('trips, stops and daily figures by vehicle and day range', async () => {
    const trips = await rows(`/api/v1/trips?vehicle=TRK-1&from=${DAY}&to=${DAY}`);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ vehicle: 'TRK-1', day: DAY, maxSpeedKmh: 85 });
    expect(await rows('/api/v1/trips?vehicle=TRK-1&from=2025-06-03')).toEqual([]);
    expect(Array.isArray(await rows('/api/v1/stops?vehicle=TRK-1'))).toBe(true);
    const daily = await rows(`/api/v1/daily?from=${DAY}&to=${DAY}`);
    expect(daily.map((d) => d.vehicle)).toEqual(['TRK-1', 'TRK-2']);
    expect(daily[0]!.positions).toBe(50);
  });

  it('reefer compliance and driver safety', async () => {
    const reefer = await rows('/api/v1/reefer-compliance?vehicle=TRK-1');
    expect(reefer).toHaveLength(1);
    expect(reefer[0]).toMatchObject({ day: DAY, maxTempC: 9, minTempC: 3 });
    expect(Number(reefer[0]!.outOfRangeMin)).toBeGreaterThan(0);
    const safety = await rows(`/api/v1/driver-safety?vehicle=TRK-1&from=${DAY}`);
    expect(safety[0]).toMatchObject({ vehicle: 'TRK-1', day: DAY });
  });

  it('data quality and quarantine (operator)', async () => {
    const q = await rows('/api/v1/quality?vehicle=TRK-2');
    expect(q[0]).toMatchObject({ valid: 11, quarantined: 2, reasons: 'gateway_reject=1,value_type=1' });
    const viewer = await f.app.inject({ url: '/api/v1/quarantine', headers: bearer(f.tokens.viewer) });
    expect(viewer.statusCode).toBe(403);
    const op = await f.app.inject({ url: '/api/v1/quarantine?reason=value_type', headers: bearer(f.tokens.operator) });
    expect(op.json().rows).toHaveLength(1);
    expect(op.json().rows[0]).toMatchObject({ vehicle: 'TRK-2', kind: 'reading', reason: 'value_type' });
    expect(op.json().rows[0]).not.toHaveProperty('rawBytes');
  });
});

describe('pipeline page (fake hub)', () => {
  it('counts per layer, quality by reason, throughput of the last minute', async () => {
    const r = await f.app.inject({ url: '/api/v1/pipeline', headers: bearer(f.tokens.viewer) });
    const p = r.json();
    expect(p.bronze).toMatchObject({ batches: 7, duplicateBatches: 1, undecodable: 0 });
    expect(p.silver).toMatchObject({ readings: 211, positions: 50, alerts: 3, statuses: 5, quarantined: 2, pendingBatches: 0 });
    expect(p.gold).toMatchObject({ trips: 1, alerts: 2, vehicleDays: 2 });
    expect(p.quality.byReason).toEqual({ gateway_reject: 1, value_type: 1 });
    expect(p.quality.validPct).toBeCloseTo((100 * 269) / 271, 6);
    // Batches the hub received in the minute before "now": the last telemetry batch (30 s ago) and the alerts (60 s ago).
    expect(p.throughput).toMatchObject({ windowS: 60, batches: 2, events: 128 });
    expect(p.sinceStart).toMatchObject({ stored: 7, duplicates: 1 });
    expect(p.error).toBeNull();
  });
});

describe('OpenAPI document (fake hub)', () => {
  it('describes every route with its parameters, bodies and responses', async () => {
    const doc = (await f.app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const alerts = doc.paths['/api/v1/alerts'].get;
    expect(alerts.parameters.map((p: { name: string }) => p.name)).toEqual(['vehicle', 'severity', 'state', 'from', 'to', 'limit']);
    expect(alerts.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    const method = doc.paths['/api/v1/vehicles/{id}/methods/{method}'].post;
    expect(method.parameters.find((p: { name: string }) => p.name === 'method').schema.anyOf.map((a: { const: string }) => a.const)).toEqual(['getStatus', 'flush', 'pauseUplink', 'resumeUplink']);
    expect(method.requestBody.content['application/json'].schema.properties.timeoutS.maximum).toBe(300);
    expect(doc.paths['/api/v1/alerts/stream'].get.responses['200'].content).toHaveProperty('text/event-stream');
    expect(doc.paths['/api/v1/vehicles'].get.responses['200'].content['application/json'].schema.properties.vehicles.items.properties.status.anyOf).toHaveLength(3);
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
    expect(JSON.stringify(doc)).not.toMatch(/Symbol|\[object Object\]/);
  });
});

describe('metrics (fake hub)', () => {
  it('counts requests by route template, and carries the pipeline, hub and integrator gauges', async () => {
    await f.app.inject({ url: '/api/v1/vehicles/TRK-1', headers: bearer(f.tokens.viewer) });
    await f.app.inject({ url: '/api/v1/vehicles/TRK-2', headers: bearer(f.tokens.viewer) });
    await f.app.inject({ url: '/api/v1/vehicles/TRK-1' });
    const text = (await f.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/fleetsync_api_http_requests_total\{method="GET",route="\/api\/v1\/vehicles\/:id",status="200"\} 2/);
    expect(text).toMatch(/fleetsync_api_auth_failures_total\{reason="missing"\} 1/);
    expect(text).toMatch(/fleetsync_pipeline_rows\{layer="silver",table="readings"\} 211/);
    expect(text).toMatch(/fleetsync_pipeline_quarantined\{reason="value_type"\} 1/);
    expect(text).toMatch(/fleetsync_hub_connected_devices 0/);
    expect(text).toMatch(/integrator_extra_gauge 42/);
    expect(f.app.metricsRegistry).toBe(registry);
  });
});

describe('dashboard files (fake hub)', () => {
  it('are served at / with a policy that allows this origin only', async () => {
    const r = await f.app.inject({ url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect((await f.app.inject({ url: '/app.js' })).headers['content-type']).toMatch(/javascript/);
    expect((await f.app.inject({ url: '/views/fleet.js' })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/../package.json' })).statusCode).toBe(404);
    expect((await f.app.inject({ url: '/%2e%2e/package.json' })).statusCode).toBe(404);
  });

  it('load nothing from other hosts', async () => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    await walk(DASHBOARD_DIR);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      // The SVG namespace is an identifier, not a fetch.
      const urls = (text.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"`)]*/gi) ?? []).filter((u) => !u.startsWith('http://www.w3.org/2000/svg'));
      expect(urls, file).toEqual([]);
    }
  });
});
