/** Alert list filters and the live alert stream (server-sent events over a real socket), with a fake hub. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, GW1, NOW, pushAlert, removeTempDirs, startApi, TestGateway, type ApiFixture } from './support.ts';
import { SseClient } from './sse-client.ts';

let f: ApiFixture;
let base: string;
beforeAll(async () => {
  f = await startApi({ settings: { alertPollMs: 50, sseHeartbeatS: 0.1 } });
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await f?.close();
  await removeTempDirs();
});

const alerts = async (query: string) => {
  const r = await f.app.inject({ url: `/api/v1/alerts${query}`, headers: bearer(f.tokens.viewer) });
  return { status: r.statusCode, body: r.json() as { alerts: { alertId: string }[]; message?: string } };
};
const ids = async (query: string) => (await alerts(query)).body.alerts.map((a) => a.alertId);

describe('alert list (fake hub)', () => {
  it('filters by vehicle, severity, state and raise time', async () => {
    expect(await ids('')).toEqual(['a-reefer-1', 'a-over-1']);
    expect(await ids('?vehicle=TRK-1&severity=critical')).toEqual(['a-reefer-1']);
    expect(await ids('?vehicle=TRK-2')).toEqual([]);
    expect(await ids('?state=active')).toEqual(['a-reefer-1']);
    expect(await ids('?state=cleared')).toEqual(['a-over-1']);
    expect(await ids(`?from=${NOW - 30 * 60_000}`)).toEqual(['a-reefer-1']);
    expect(await ids(`?to=${new Date(NOW - 30 * 60_000).toISOString()}`)).toEqual(['a-over-1']);
    expect(await ids('?limit=1')).toEqual(['a-reefer-1']);
  });

  it('refuses malformed filters with a message naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['?severity=urgent', /'severity'/],
      ['?state=open', /'state'/],
      ['?limit=0', /'limit' must be >= 1/],
      ['?limit=ten', /'limit' must be integer/],
      ['?from=yesterday', /'from' has an invalid format/],
      ['?from=2025-06-02&to=2025-06-01', /'from' must not be after 'to'/],
      ['?sevrity=critical', /unknown query parameter 'sevrity'/],
    ];
    for (const [q, msg] of cases) {
      const r = await alerts(q);
      expect(r.status, q).toBe(400);
      expect(r.body.message, q).toMatch(msg);
    }
  });
});

describe('live alert stream (fake hub)', () => {
  it('delivers alerts that arrive after the stream opened, filtered, with resumable ids', async () => {
    const all = await SseClient.open(`${base}/api/v1/alerts/stream`, bearer(f.tokens.viewer));
    const mine = await SseClient.open(`${base}/api/v1/alerts/stream?vehicle=TRK-9`, bearer(f.tokens.viewer));
    expect(all.res.statusCode).toBe(200);
    expect(all.res.headers['content-type']).toMatch(/^text\/event-stream/);
    const gw9 = new TestGateway('gw-9', 'TRK-9');
    await pushAlert(f.pipeline, GW1, 'live-1', 'Reefer supply 11.0 C above setpoint', NOW - 5000);
    await pushAlert(f.pipeline, gw9, 'live-2', 'Coolant 108 C', NOW - 4000, 'warning');
    await f.pipeline.processPending();
    const got = await all.until((e) => e.filter((x) => x.event === 'alert').length >= 2);
    const bodies = got.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data) as { alertId: string; message: string; vehicle: string });
    expect(bodies.map((b) => b.alertId)).toEqual(['live-1', 'live-2']);
    expect(bodies[0]).toMatchObject({ vehicle: 'TRK-1', state: 'raised', severity: 'critical', message: 'Reefer supply 11.0 C above setpoint' });
    const filtered = await mine.until((e) => e.some((x) => x.event === 'alert'));
    expect(filtered.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data).alertId)).toEqual(['live-2']);

    // A reconnect that names the last id it saw gets what came after.
    const firstId = got.find((e) => e.event === 'alert')!.id!;
    expect(firstId).toMatch(/^\d+-\d+$/);
    const resumed = await SseClient.open(`${base}/api/v1/alerts/stream`, { ...bearer(f.tokens.viewer), 'last-event-id': firstId });
    const again = await resumed.until((e) => e.some((x) => x.event === 'alert'));
    expect(again.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data).alertId)).toEqual(['live-2']);
    for (const c of [all, mine, resumed]) c.close();
  });

  it('opens with a single-use ticket instead of a header, and never logs the ticket', async () => {
    const t = await f.app.inject({ method: 'POST', url: '/api/v1/stream-tickets', headers: bearer(f.tokens.viewer) });
    expect(t.statusCode).toBe(201);
    const { ticket, ttlS } = t.json() as { ticket: string; ttlS: number };
    expect(ttlS).toBe(60);
    const s = await SseClient.open(`${base}/api/v1/alerts/stream?ticket=${ticket}`);
    expect(s.res.statusCode).toBe(200);
    const reuse = await SseClient.open(`${base}/api/v1/alerts/stream?ticket=${ticket}`);
    expect(reuse.res.statusCode).toBe(401);
    s.close();
    reuse.close();
    expect(f.log.lines.join('\n')).not.toContain(ticket);
    expect(f.log.lines.some((l) => l.includes('ticket=[REDACTED]'))).toBe(true);
    // A ticket opens the stream only: not other endpoints.
    const t2 = (await f.app.inject({ method: 'POST', url: '/api/v1/stream-tickets', headers: bearer(f.tokens.viewer) })).json().ticket as string;
    expect((await f.app.inject({ url: `/api/v1/vehicles?ticket=${t2}` })).statusCode).toBe(401);
  });

  it('ends the stream when its token is revoked', async () => {
    const created = await f.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(f.tokens.admin), payload: { role: 'viewer', label: 'short-lived' } });
    const { token, info } = created.json() as { token: string; info: { id: string } };
    const s = await SseClient.open(`${base}/api/v1/alerts/stream`, bearer(token));
    expect(s.res.statusCode).toBe(200);
    await f.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${info.id}`, headers: bearer(f.tokens.admin) });
    await s.waitEnd();
    expect(s.events.at(-1)?.event).toBe('revoked');
  });

  it('needs a token', async () => {
    const s = await SseClient.open(`${base}/api/v1/alerts/stream`);
    expect(s.res.statusCode).toBe(401);
    s.close();
  });
});
