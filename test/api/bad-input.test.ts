/**
 * Hostile and malformed input on every endpoint: injection attempts, path tricks, very long strings, wrong types.
 * Each must get a clear 4xx (never a 500) and leave the database exactly as it was (fake hub).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeTempDirs, startApi, type ApiFixture } from './support.ts';

let f: ApiFixture;
let before: { digest: unknown; counts: unknown };
beforeAll(async () => {
  f = await startApi();
  before = { digest: await f.pipeline.digest(), counts: await f.pipeline.queries.counts() };
});
afterAll(async () => {
  await f?.close();
  await removeTempDirs();
});

const HOSTILE = [
  "' OR 1=1 --",
  "TRK-1' OR '1'='1",
  "TRK-1'; DROP TABLE silver_readings; --",
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '\u0000',
  '<script>alert(1)</script>',
  '${7*7}',
  'x'.repeat(5000),
  '🚚',
  '',
];

const enc = encodeURIComponent;

async function expectClean4xx(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; message: string }> {
  const r = await f.app.inject({ method, url, headers: bearer(f.tokens.admin), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  expect(r.statusCode, `${method} ${url.slice(0, 120)} -> ${r.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(r.statusCode, `${method} ${url.slice(0, 120)} -> ${r.body.slice(0, 200)}`).toBeLessThan(500);
  const body = r.json() as { message?: unknown; statusCode?: unknown };
  expect(typeof body.message).toBe('string');
  expect(body.statusCode).toBe(r.statusCode);
  // Answers do not echo kilobytes of attacker input back.
  expect(r.body.length).toBeLessThan(2000);
  return { status: r.statusCode, message: String(body.message) };
}

describe('hostile ids (fake hub)', () => {
  it('are refused on every vehicle route', async () => {
    // (An empty id is just the list: /api/v1/vehicles/.)
    for (const bad of HOSTILE.filter((b) => b !== '')) {
      const id = enc(bad);
      for (const [method, url, payload] of [
        ['GET', `/api/v1/vehicles/${id}`],
        ['GET', `/api/v1/vehicles/${id}/series?signal=wheel_speed`],
        ['GET', `/api/v1/vehicles/${id}/signals`],
        ['GET', `/api/v1/vehicles/${id}/positions`],
        ['GET', `/api/v1/vehicles/${id}/sync-timeline`],
        ['POST', `/api/v1/vehicles/${id}/methods/getStatus`, {}],
        ['PATCH', `/api/v1/vehicles/${id}/desired`, { killSwitch: { sensors: [], rules: [] } }],
        ['DELETE', `/api/v1/tokens/${id}`],
        ['DELETE', `/api/v1/devices/${id}`],
      ] as const) {
        await expectClean4xx(method, url, payload);
      }
    }
  });

  it('explain themselves', async () => {
    expect((await expectClean4xx('GET', `/api/v1/vehicles/${enc("' OR 1=1 --")}`)).message).toBe("path parameter 'id' has an invalid format");
    expect((await expectClean4xx('GET', `/api/v1/vehicles/${'x'.repeat(500)}`)).message).toBe("path parameter 'id' must NOT have more than 128 characters");
    expect(await expectClean4xx('GET', `/api/v1/vehicles/${'x'.repeat(5000)}`)).toEqual({ status: 414, message: 'a path segment is longer than 1000 characters' });
    expect((await expectClean4xx('GET', '/api/v1/vehicles/%E0%A4%A')).status).toBe(400);
    expect((await expectClean4xx('GET', '/api/v1/vehicles/../../etc/passwd')).status).toBe(404);
    expect((await expectClean4xx('GET', '/api/v1/vehicles/TRK-1/../../../etc/passwd')).status).toBe(404);
  });
});

describe('hostile filters (fake hub)', () => {
  it('are refused on every filter of every list', async () => {
    const lists: [string, string[]][] = [
      ['/api/v1/alerts', ['vehicle', 'severity', 'state', 'from', 'to', 'limit']],
      ['/api/v1/trips', ['vehicle', 'from', 'to', 'limit']],
      ['/api/v1/stops', ['vehicle', 'from', 'to', 'limit']],
      ['/api/v1/daily', ['vehicle', 'from', 'to', 'limit']],
      ['/api/v1/reefer-compliance', ['vehicle', 'from', 'to', 'limit']],
      ['/api/v1/quality', ['vehicle', 'from', 'to', 'limit']],
      ['/api/v1/driver-safety', ['vehicle', 'driver', 'from', 'to', 'limit']],
      ['/api/v1/quarantine', ['vehicle', 'reason', 'limit']],
      ['/api/v1/vehicles', ['status']],
      ['/api/v1/vehicles/TRK-1/series?signal=wheel_speed&', ['from', 'to', 'maxPoints', 'source']],
      ['/api/v1/vehicles/TRK-1/series?', ['signal']],
      ['/api/v1/vehicles/TRK-1/positions?', ['from', 'to', 'maxPoints']],
    ];
    for (const [path, params] of lists) {
      for (const p of params) {
        for (const bad of HOSTILE.filter((b) => b !== '🚚' || p !== 'vehicle')) {
          const sep = path.includes('?') ? '' : '?';
          const r = await f.app.inject({ url: `${path}${sep}${p}=${enc(bad)}`, headers: bearer(f.tokens.admin) });
          if (bad === '' && r.statusCode === 200) continue; // an empty optional filter may mean "no filter"
          expect(r.statusCode, `${path} ${p}=${bad.slice(0, 40)}: ${r.body.slice(0, 200)}`).toBe(400);
        }
      }
    }
  });

  it('refuse unknown parameters and wrong types with the parameter named', async () => {
    expect((await expectClean4xx('GET', '/api/v1/trips?vehicle=TRK-1&order=name')).message).toBe("unknown query parameter 'order'");
    expect((await expectClean4xx('GET', '/api/v1/trips?limit=1e9')).message).toMatch(/'limit'/);
    expect((await expectClean4xx('GET', '/api/v1/trips?from=2025-13-01')).message).toMatch(/'from' is not a real day/);
    expect((await expectClean4xx('GET', '/api/v1/daily?from=2025-06-03&to=2025-06-01')).message).toMatch(/'from' must not be after 'to'/);
    expect((await expectClean4xx('GET', '/api/v1/vehicles/TRK-1/series')).message).toBe("query parameter 'signal' is required");
    expect((await expectClean4xx('GET', `/api/v1/alerts?from=${'9'.repeat(16)}`)).message).toMatch(/'from'/);
  });
});

describe('hostile bodies (fake hub)', () => {
  it('are refused before reaching the hub', async () => {
    const calls = f.hub.calls.length;
    const patches = f.hub.desiredPatches.length;
    const cases: [ 'POST' | 'PATCH', string, unknown][] = [
      ['POST', '/api/v1/vehicles/TRK-1/methods/reboot', {}],
      ['POST', '/api/v1/vehicles/TRK-1/methods/getStatus', { timeoutS: 0 }],
      ['POST', '/api/v1/vehicles/TRK-1/methods/getStatus', { timeoutS: 301 }],
      ['POST', '/api/v1/vehicles/TRK-1/methods/getStatus', { payload: 'x'.repeat(140_000) }],
      ['POST', '/api/v1/vehicles/TRK-1/methods/getStatus', { extra: 1 }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', {}],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { firmware: 'evil.bin' }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { uplink: { inflight: 10_000 } }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { uplink: { connectionString: 'HostName=evil;DeviceId=x;SharedAccessKey=y' } }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { rules: { rules: [{ id: "' OR 1=1 --", type: 'threshold' }] } }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { killSwitch: { sensors: "' OR 1=1 --" } }],
      ['PATCH', '/api/v1/vehicles/TRK-1/desired', { killSwitch: 'off' }],
      ['POST', '/api/v1/tokens', { role: 'superuser' }],
      ['POST', '/api/v1/tokens', { role: 'viewer', label: 'x'.repeat(500) }],
      ['POST', '/api/v1/devices', { deviceId: '../../etc/passwd' }],
      ['POST', '/api/v1/erase', { vehicle: "' OR 1=1 --" }],
      ['POST', '/api/v1/erase', { vehicle: 'TRK-1', driver: 'd1' }],
    ];
    for (const [method, url, payload] of cases) await expectClean4xx(method, url, payload);
    expect(f.hub.calls.length).toBe(calls);
    expect(f.hub.desiredPatches.length).toBe(patches);
  });

  it('explains an invalid desired change with every problem', async () => {
    const r = await f.app.inject({ method: 'PATCH', url: '/api/v1/vehicles/TRK-1/desired', headers: bearer(f.tokens.operator), payload: { uplink: { inflight: 0, backlogShare: 3 } } });
    expect(r.statusCode).toBe(400);
    const body = r.json() as { message: string; details: string[] };
    expect(body.message).toMatch(/^desired properties refused: \/uplink\/(inflight|backlogShare)/);
    expect(body.details.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses non-JSON, oversized and mistyped bodies', async () => {
    const h = { ...bearer(f.tokens.operator), 'content-type': 'application/json' };
    expect((await f.app.inject({ method: 'PATCH', url: '/api/v1/vehicles/TRK-1/desired', headers: h, payload: '{not json' })).statusCode).toBe(400);
    expect((await f.app.inject({ method: 'PATCH', url: '/api/v1/vehicles/TRK-1/desired', headers: h, payload: `{"rules":"${'x'.repeat(300_000)}"}` })).statusCode).toBe(413);
    expect((await f.app.inject({ method: 'PATCH', url: '/api/v1/vehicles/TRK-1/desired', headers: { ...bearer(f.tokens.operator), 'content-type': 'text/plain' }, payload: 'rules' })).statusCode).toBe(415);
    expect((await f.app.inject({ method: 'PATCH', url: '/api/v1/vehicles/TRK-1/desired', headers: h, payload: '[1,2]' })).statusCode).toBe(400);
  });
});

describe('after all that (fake hub)', () => {
  it('the database is unchanged', async () => {
    expect(await f.pipeline.queries.counts()).toEqual(before.counts);
    expect(await f.pipeline.digest()).toEqual(before.digest);
  });

  it('the service still answers', async () => {
    const r = await f.app.inject({ url: '/api/v1/vehicles/TRK-1', headers: bearer(f.tokens.viewer) });
    expect(r.statusCode).toBe(200);
  });
});
