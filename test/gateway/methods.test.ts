/**
 * Direct methods and cloud-to-device messages on a gateway process: getStatus reports the lanes, pauseUplink and
 * resumeUplink hold and release the journal, flush sends what waits for a fuller batch at once, and a C2D message
 * reaches in-cab displays on the vehicle's c2d topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import {
  Sensor, connectDisplay, gatewayConfig, healthz, killAllGateways, metrics, removeTempDirs, spawnGateway, startTestHub, tempDir,
  waitFor, writeConfig, type GatewayProcess, type TestHub,
} from './support.ts';

let hub: TestHub;
let gw: GatewayProcess;
let sensor: Sensor;
let display: { client: MqttClient; alerts: Array<{ topic: string; body: Record<string, unknown> | null }> };

beforeAll(async () => {
  hub = await startTestHub();
  const dir = await tempDir();
  const cs = await hub.connectionString('gw-methods');
  // Batches wait up to a minute to fill, so only flush (or a full batch) sends them.
  gw = spawnGateway(await writeConfig(dir, await gatewayConfig(dir, { gatewayId: 'gw-methods', uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 60_000 } })));
  await gw.started;
  await waitFor('uplink online', async () => (await healthz(gw.ports.http)).uplink === 'online');
  sensor = new Sensor('s1', 'truck-1', gw.ports.mqtt);
  await sensor.connected();
  display = await connectDisplay(gw.ports.mqtt);
});

afterAll(async () => {
  await sensor?.end();
  await display?.client.endAsync(true).catch(() => undefined);
  await killAllGateways();
  await hub?.stop().catch(() => undefined);
  await removeTempDirs();
});

const call = (method: string, payload: unknown = null) => hub.hub.invokeMethod('gw-methods', method, payload, 30);
const probes = (): number[] =>
  hub.sink.events('telemetry').flatMap((e) => (e.kind === 'reading' && e.body.signal === 'seq_probe' ? [Number(e.body.value)] : []));

describe('direct methods and C2D', () => {
  it('flush sends readings that would wait for a fuller batch', async () => {
    for (let i = 1; i <= 10; i++) await sensor.publish({ signal: 'seq_probe', value: i });
    expect((await metrics(gw.ports.http)).get('fleetsync_gateway_journal_events{lane="telemetry"}')).toBe(10);
    const r = await call('flush', { timeoutMs: 20_000 });
    expect(r.status).toBe(200);
    const payload = r.payload as { drained: boolean; lanes: Record<string, { backlogEvents: number }> };
    expect(payload.drained).toBe(true);
    expect(payload.lanes.telemetry!.backlogEvents).toBe(0);
    expect(probes().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('pauseUplink holds everything in the journal, resumeUplink releases it, getStatus tells which', async () => {
    expect((await call('pauseUplink')).payload).toEqual({ paused: true });
    expect((await healthz(gw.ports.http)).uplink).toBe('paused');
    for (let i = 11; i <= 15; i++) await sensor.publish({ signal: 'seq_probe', value: i });
    // Paused beats flush: nothing leaves, and flush says so instead of claiming success.
    const flushed = await call('flush', { timeoutMs: 1000 });
    expect(flushed.status).toBe(202);
    const status = (await call('getStatus')).payload as { connectivity: string; lanes: Record<string, { backlogEvents: number }>; remote: { version: number } };
    expect(status.connectivity).toBe('paused');
    expect(status.lanes.telemetry!.backlogEvents).toBe(5);
    expect(probes()).not.toContain(11);

    expect((await call('resumeUplink')).payload).toEqual({ paused: false });
    expect((await call('flush', { timeoutMs: 20_000 })).status).toBe(200);
    expect(probes().sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect((await healthz(gw.ports.http)).uplink).toBe('online');
  });

  it('delivers a cloud-to-device message to displays on the c2d topic', async () => {
    const got = new Promise<{ topic: string; body: string }>((resolve) =>
      display.client.on('message', (topic, payload) => topic.endsWith('/c2d') && resolve({ topic, body: payload.toString() })),
    );
    await display.client.subscribeAsync('fleet/truck-1/c2d', { qos: 1 });
    await hub.hub.sendC2D('gw-methods', 'return to depot', { priority: 'high' });
    expect(await got).toEqual({ topic: 'fleet/truck-1/c2d', body: 'return to depot' });
    expect(await gw.term()).toBe(0);
  });
});
