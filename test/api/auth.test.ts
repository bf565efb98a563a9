/** Roles on every endpoint, token handling, the failure limiter and log redaction (fake hub). */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../../cloud/auth/token-store.ts';
import type { Role } from '../../cloud/auth/roles.ts';
import { bearer, removeTempDirs, startApi, type ApiFixture } from './support.ts';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApi({ settings: { authFailureLimit: 3, authFailureWindowS: 60 } });
});
afterAll(async () => {
  await f?.close();
  await removeTempDirs();
});

/** Every endpoint and the least role it needs. A change here must be deliberate (and documented in docs/api.md). */
const EXPECTED: Record<string, Role> = {
  'get /api/v1/vehicles': 'viewer',
  'get /api/v1/vehicles/{id}': 'viewer',
  'get /api/v1/vehicles/{id}/signals': 'viewer',
  'get /api/v1/vehicles/{id}/series': 'viewer',
  'get /api/v1/vehicles/{id}/positions': 'viewer',
  'get /api/v1/vehicles/{id}/sync-timeline': 'viewer',
  'get /api/v1/alerts': 'viewer',
  'get /api/v1/alerts/stream': 'viewer',
  'post /api/v1/stream-tickets': 'viewer',
  'get /api/v1/trips': 'viewer',
  'get /api/v1/stops': 'viewer',
  'get /api/v1/daily': 'viewer',
  'get /api/v1/reefer-compliance': 'viewer',
  'get /api/v1/quality': 'viewer',
  'get /api/v1/driver-safety': 'viewer',
  'get /api/v1/pipeline': 'viewer',
  'get /api/v1/me': 'viewer',
  'get /api/v1/quarantine': 'operator',
  'post /api/v1/vehicles/{id}/methods/{method}': 'operator',
  'patch /api/v1/vehicles/{id}/desired': 'operator',
  'get /api/v1/tokens': 'admin',
  'post /api/v1/tokens': 'admin',
  'delete /api/v1/tokens/{tokenId}': 'admin',
  'get /api/v1/devices': 'admin',
  'post /api/v1/devices': 'admin',
  'delete /api/v1/devices/{deviceId}': 'admin',
  'post /api/v1/erase': 'admin',
};

/** A request for each endpoint that is fine apart from authorization (it must not change anything either). */
function sample(key: string): { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: Record<string, unknown> } {
  const [method, path] = key.split(' ') as [string, string];
  const url = path
    .replace('{id}', 'TRK-1')
    .replace('{method}', 'getStatus')
    .replace('{tokenId}', 'tok_000000000000')
    .replace('{deviceId}', 'gw-does-not-exist');
  const query = url.endsWith('/series') ? '?signal=wheel_speed' : '';
  const payload =
    key === 'post /api/v1/tokens'
      ? { role: 'viewer', label: 'matrix' }
      : key === 'post /api/v1/devices'
        ? { deviceId: 'gw-matrix' }
        : key === 'post /api/v1/erase'
          ? { nobody: true } // refused by validation: authorization is what is tested here
          : key.startsWith('patch')
            ? { killSwitch: { sensors: [], rules: [] } }
            : key.startsWith('post')
              ? {}
              : undefined;
  return { method: method.toUpperCase() as 'GET', url: url + query, ...(payload !== undefined ? { payload } : {}) };
}

describe('roles (fake hub)', () => {
  it('documents every endpoint with the role it needs', async () => {
    const doc = (await f.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { 'x-required-role'?: Role }>> };
    const found: Record<string, Role> = {};
    for (const [path, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) if (op['x-required-role']) found[`${m} ${path}`] = op['x-required-role'];
    expect(found).toEqual(EXPECTED);
  });

  it('answers 401 without a token, 403 below the role, and serves the role and above', async () => {
    const ranks: Role[] = ['viewer', 'operator', 'admin'];
    for (const [key, need] of Object.entries(EXPECTED)) {
      if (key === 'get /api/v1/alerts/stream') continue; // a stream: tested in alerts.test.ts
      const req = sample(key);
      const anon = await f.app.inject(req);
      expect(anon.statusCode, `${key} without token`).toBe(401);
      expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
      for (const role of ranks) {
        const r = await f.app.inject({ ...req, headers: bearer(f.tokens[role]) });
        if (ranks.indexOf(role) < ranks.indexOf(need)) {
          expect(r.statusCode, `${key} as ${role}`).toBe(403);
          expect(r.json().message).toBe(`this needs the ${need} role; the token has ${role}`);
        } else expect([401, 403, 500], `${key} as ${role}: ${r.body}`).not.toContain(r.statusCode);
      }
    }
  });

  it('tells a token its role', async () => {
    const me = await f.app.inject({ url: '/api/v1/me', headers: bearer(f.tokens.operator) });
    expect(me.json()).toMatchObject({ role: 'operator', label: 'test operator' });
    expect(me.json()).not.toHaveProperty('hash');
  });

  it('leaves public: the dashboard, the OpenAPI document, health and metrics', async () => {
    for (const url of ['/', '/api/openapi.json', '/healthz', '/metrics']) expect((await f.app.inject({ url })).statusCode, url).toBe(200);
  });
});

describe('tokens (fake hub)', () => {
  it('creates a token shown once, lists without secrets, revokes', async () => {
    const created = await f.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(f.tokens.admin), payload: { role: 'operator', label: 'night shift' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { token, info } = created.json() as { token: string; info: { id: string } };
    expect((await f.app.inject({ url: '/api/v1/me', headers: bearer(token) })).json().role).toBe('operator');
    const list = await f.app.inject({ url: '/api/v1/tokens', headers: bearer(f.tokens.admin) });
    expect(list.body).not.toContain(token);
    expect(list.json().tokens.find((t: { id: string }) => t.id === info.id)).toMatchObject({ role: 'operator', label: 'night shift', revokedAt: null });
    expect((await f.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${info.id}`, headers: bearer(f.tokens.admin) })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/api/v1/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'DELETE', url: '/api/v1/tokens/tok_ffffffffffff', headers: bearer(f.tokens.admin) })).statusCode).toBe(404);
    expect((await f.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(f.tokens.admin), payload: { role: 'root' } })).statusCode).toBe(400);
  });

  it('accepts a token created on the command line while the service runs', async () => {
    const cli = await TokenStore.open(f.dir);
    const { token, info } = await cli.create('viewer', 'from the cli');
    // Wait (as an admin) until the service has re-read the file; guessing with the new token would count as failures.
    const listed = async (): Promise<boolean> =>
      ((await f.app.inject({ url: '/api/v1/tokens', headers: bearer(f.tokens.admin) })).json().tokens as { id: string }[]).some((t) => t.id === info.id);
    for (let i = 0; i < 100 && !(await listed()); i++) await sleep(50);
    expect((await f.app.inject({ url: '/api/v1/me', headers: bearer(token) })).json().label).toBe('from the cli');
  });
});

describe('failed authentications (fake hub)', () => {
  it('rate-limits a client address after repeated failures, with Retry-After, and not other clients', async () => {
    const bad = { authorization: `Bearer fst_${'A'.repeat(43)}` };
    for (let i = 0; i < 3; i++) expect((await f.app.inject({ url: '/api/v1/vehicles', headers: bad, remoteAddress: '10.9.9.9' })).statusCode).toBe(401);
    const limited = await f.app.inject({ url: '/api/v1/vehicles', headers: bad, remoteAddress: '10.9.9.9' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // While limited, even a good token from that address waits.
    expect((await f.app.inject({ url: '/api/v1/vehicles', headers: bearer(f.tokens.viewer), remoteAddress: '10.9.9.9' })).statusCode).toBe(429);
    expect((await f.app.inject({ url: '/api/v1/vehicles', headers: bearer(f.tokens.viewer), remoteAddress: '10.9.9.10' })).statusCode).toBe(200);
    // Public routes stay reachable.
    expect((await f.app.inject({ url: '/healthz', remoteAddress: '10.9.9.9' })).statusCode).toBe(200);
    const metrics = (await f.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetsync_api_auth_failures_total\{reason="invalid_token"\} [1-9]/);
    expect(metrics).toMatch(/fleetsync_api_rate_limited_total [1-9]/);
  });

  it('refuses malformed Authorization headers clearly', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${'x'.repeat(5000)}`, "Bearer ' OR 1=1 --"]) {
      const r = await f.app.inject({ url: '/api/v1/vehicles', headers: { authorization }, remoteAddress: '10.1.1.1' });
      expect([401, 429]).toContain(r.statusCode);
    }
  });
});

describe('logs (fake hub)', () => {
  it('never contain a token, valid or not', async () => {
    const wrong = `fst_${'B'.repeat(43)}`;
    await f.app.inject({ url: '/api/v1/vehicles', headers: bearer(f.tokens.admin) });
    await f.app.inject({ url: '/api/v1/vehicles', headers: { authorization: `Bearer ${wrong}` }, remoteAddress: '10.2.2.2' });
    await f.app.inject({ url: '/api/v1/nope', headers: bearer(f.tokens.viewer) });
    await f.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(f.tokens.admin), payload: { role: 'viewer' } });
    const all = f.log.lines.join('\n');
    for (const t of [...Object.values(f.tokens), wrong]) {
      expect(all).not.toContain(t);
      expect(all).not.toContain(t.slice(4));
    }
    // The header is logged, as a placeholder.
    const records = f.log.records().filter((r) => r.msg === 'incoming request');
    expect(records.length).toBeGreaterThan(0);
    expect(records.some((r) => (r.req as { headers: { authorization?: string } }).headers.authorization === '[REDACTED]')).toBe(true);
  });
});
