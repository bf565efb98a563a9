/**
 * A gateway that cannot trust the hub (its uplink.caFile is another CA's) says so with a hint that names the setting,
 * keeps running, and still acknowledges readings (they wait in the journal). The SDK itself reports the TLS failure as
 * "Not authorized", which reads like a wrong device key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ensureCertificates } from '../../cloud/hub/certs.ts';
import {
  SENSOR_PASSWORD, connectOnce, gatewayConfig, healthz, killAllGateways, removeTempDirs, spawnGateway, startTestHub, tempDir, writeConfig,
  type GatewayProcess, type TestHub,
} from './support.ts';

let hub: TestHub;
let gw: GatewayProcess;

beforeAll(async () => {
  hub = await startTestHub();
  const dir = await tempDir();
  const otherCa = await ensureCertificates(join(dir, 'other-ca'));
  const cs = await hub.connectionString('gw-untrusting');
  gw = spawnGateway(await writeConfig(dir, await gatewayConfig(dir, { gatewayId: 'gw-untrusting', uplink: { connectionString: cs, caFile: otherCa.caFile } })));
  await gw.started;
});

afterAll(async () => {
  await killAllGateways();
  await hub?.stop().catch(() => undefined);
  await removeTempDirs();
});

describe('a hub certificate the gateway cannot trust', () => {
  it('is logged with a hint naming uplink.caFile, and the gateway still takes readings', { timeout: 30_000 }, async () => {
    const failed = await gw.waitLog('a failed hub connection attempt', (r) => r.msg === 'hub connection attempt failed');
    expect(String(failed.hint)).toMatch(/uplink\.caFile/);
    expect(typeof failed.clock).toBe('string');
    const sensor = await connectOnce(gw.ports.mqtt, 's1', SENSOR_PASSWORD);
    await sensor.publishAsync('fleet/truck-1/s1/reading', JSON.stringify({ v: 2, signal: 'coolant_temp', value: 80, unit: 'C', sensorTime: Date.now(), quality: 'good' }), { qos: 1 });
    await sensor.endAsync();
    const health = await healthz(gw.ports.http);
    expect(health.ok).toBe(true);
    expect(gw.child.exitCode).toBeNull();
  });
});
