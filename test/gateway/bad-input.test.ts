/**
 * Bad input at the sensor broker gets a clear outcome and never stops the gateway: wrong credentials are refused in
 * CONNACK; an ACL violation closes that connection and is logged; a malformed payload and an oversized one are
 * acknowledged and kept in the rejects lane (the oversized one truncated), and reach the hub there. After each, the
 * same gateway process still accepts good readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import { REJECT_RAW_LIMIT } from '../../edge/ingest.ts';
import {
  SENSOR_PASSWORD, connectOnce, gatewayConfig, healthz, killAllGateways, metrics, removeTempDirs, spawnGateway, startTestHub,
  tempDir, waitFor, writeConfig, type GatewayProcess, type TestHub,
} from './support.ts';

let hub: TestHub;
let gw: GatewayProcess;
const clients: MqttClient[] = [];
let goodCount = 0;

beforeAll(async () => {
  hub = await startTestHub();
  const dir = await tempDir();
  const cs = await hub.connectionString('gw-test');
  const file = await writeConfig(dir, await gatewayConfig(dir, { uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 0 } }));
  gw = spawnGateway(file);
  await gw.started;
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await killAllGateways();
  await hub?.stop().catch(() => undefined);
  await removeTempDirs();
});

async function sensor(id = 's1'): Promise<MqttClient> {
  const c = await connectOnce(gw.ports.mqtt, id, SENSOR_PASSWORD);
  clients.push(c);
  return c;
}

/** A good reading from a fresh connection gets its PUBACK and reaches the hub: the gateway is still fine. */
async function stillAcceptsGoodData(): Promise<void> {
  const c = await sensor('s2');
  const value = ++goodCount;
  await c.publishAsync('fleet/truck-1/s2/reading', JSON.stringify({ v: 2, signal: 'good_probe', value, unit: 'count', sensorTime: Date.now(), quality: 'good' }), { qos: 1 });
  await waitFor('the good reading at the hub', () =>
    hub.sink.events('telemetry').some((e) => e.kind === 'reading' && e.body.signal === 'good_probe' && e.body.value === value),
  );
  await c.endAsync();
  expect((await healthz(gw.ports.http)).ok).toBe(true);
  expect(gw.child.exitCode).toBeNull();
}

const rejectAtHub = (pred: (e: StampedEvent & { kind: 'reject' }) => boolean): Promise<StampedEvent & { kind: 'reject' }> =>
  waitFor('the reject at the hub', () => hub.sink.events('rejects').find((e): e is StampedEvent & { kind: 'reject' } & { epoch: string; order: number } => e.kind === 'reject' && pred(e)));

describe('bad input at the sensor broker', () => {
  it.runIf(process.platform === 'linux')('reports in /metrics that sensor connections get TCP quick ACKs', async () => {
    const m = await metrics(gw.ports.http);
    expect(m.get('fleetsync_gateway_tcp_quick_ack')).toBe(1);
    expect(m.get('fleetsync_gateway_tcp_quick_acks_total')).toBeGreaterThanOrEqual(0); // exposed; its counting is tested in edge/metrics.test.ts and socket-tuning.test.ts
  });

  it('refuses wrong credentials in CONNACK and logs why', async () => {
    await expect(connectOnce(gw.ports.mqtt, 's1', 'wrong-password')).rejects.toMatchObject({ code: 4 });
    await expect(connectOnce(gw.ports.mqtt, 'nobody', SENSOR_PASSWORD)).rejects.toMatchObject({ code: 4 });
    await expect(connectOnce(gw.ports.mqtt, '', '')).rejects.toMatchObject({ code: 5 });
    await gw.waitLog('wrong password logged', (r) => r.msg === 'sensor connection refused' && String(r.reason).includes("wrong password for 's1'"));
    await gw.waitLog('unknown user logged', (r) => r.msg === 'sensor connection refused' && String(r.reason).includes("unknown user 'nobody'"));
    expect((await metrics(gw.ports.http)).get('fleetsync_gateway_auth_failures_total')).toBe(3);
    await stillAcceptsGoodData();
  });

  it('closes the connection of a sensor that publishes outside its topics, and logs why', async () => {
    for (const topic of ['fleet/truck-1/s2/reading', 'fleet/truck-9/s1/reading', 'fleet/truck-1/alerts/x']) {
      const c = await sensor('s1');
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(topic, JSON.stringify({ v: 2, signal: 'x', value: 1, unit: 'u', sensorTime: Date.now(), quality: 'good' }), { qos: 1 });
      await closed;
      await c.endAsync(true);
      await gw.waitLog(`refusal of ${topic} logged`, (r) => r.msg === 'publish refused' && r.topic === topic);
    }
    expect((await metrics(gw.ports.http)).get('fleetsync_gateway_acl_denied_total')).toBe(3);
    // Nothing of it was journalled.
    expect(hub.sink.events('telemetry').some((e) => e.kind === 'reading' && e.body.signal === 'x')).toBe(false);
    await stillAcceptsGoodData();
  });

  it('acknowledges a malformed payload and keeps it in the rejects lane with its reason', async () => {
    const c = await sensor('s1');
    await c.publishAsync('fleet/truck-1/s1/reading', '{"v":2,"signal":', { qos: 1 });
    await c.publishAsync('fleet/truck-1/s1/reading', JSON.stringify({ v: 2, signal: 'oil', value: 'hot', unit: 'C', quality: 'good' }), { qos: 1 });
    const bad = await rejectAtHub((e) => Buffer.from(e.body.raw).toString() === '{"v":2,"signal":');
    expect(bad.body.sensor).toBe('s1');
    expect(bad.body.topic).toBe('fleet/truck-1/s1/reading');
    expect(bad.body.reason).toMatch(/json/i);
    const invalid = await rejectAtHub((e) => Buffer.from(e.body.raw).toString().includes('"hot"'));
    expect(invalid.body.reason).toMatch(/sensorTime/);
    const m = await metrics(gw.ports.http);
    // Rejects are journalled too: each write's duration is in the histogram.
    expect(m.get('fleetsync_gateway_journal_write_seconds_count')).toBeGreaterThan(0);
    expect(m.get('fleetsync_gateway_rejects_total{reason="bad-json"}')).toBe(1);
    expect(m.get('fleetsync_gateway_rejects_total{reason="invalid"}')).toBe(1);
    await stillAcceptsGoodData();
  });

  it('acknowledges an oversized payload and keeps a truncated copy in the rejects lane', async () => {
    const c = await sensor('s1');
    const big = JSON.stringify({ v: 2, signal: 'blob', value: 'x'.repeat(100 * 1024), unit: 'u', sensorTime: Date.now(), quality: 'good' });
    await c.publishAsync('fleet/truck-1/s1/reading', big, { qos: 1 });
    const r = await rejectAtHub((e) => Buffer.from(e.body.raw).toString().startsWith('{"v":2,"signal":"blob"'));
    expect(r.body.raw.length).toBe(REJECT_RAW_LIMIT);
    expect(r.body.reason).toMatch(/\d+ bytes/);
    expect((await metrics(gw.ports.http)).get('fleetsync_gateway_rejects_total{reason="too-large"}')).toBe(1);
    await stillAcceptsGoodData();
  });

  it('is the same process throughout, with nothing lost from the good readings', async () => {
    expect(gw.child.exitCode).toBeNull();
    const good = hub.sink.events('telemetry').filter((e) => e.kind === 'reading' && e.body.signal === 'good_probe');
    expect(new Set(good.map((e) => (e.kind === 'reading' ? e.body.value : 0))).size).toBe(goodCount);
    expect(await gw.term()).toBe(0);
  });
});
