/**
 * Twin desired properties change the gateway live, and the change survives a restart while the hub is down:
 * a kill switch silences an alert rule (nothing on the in-cab alert topic, no alert journalled) and uplink.paused
 * holds data in the journal. After a SIGTERM and a restart with the hub still down, both are still in force (read
 * from the persisted configuration); when the hub returns and the desired properties are removed, the held data
 * drains and the rule fires again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import {
  Sensor, connectDisplay, gatewayConfig, healthz, killAllGateways, metrics, removeTempDirs, spawnGateway, startTestHub, sumMetric,
  tempDir, waitDrained, waitFor, writeConfig, writeProbeRules, type GatewayProcess, type TestHub,
} from './support.ts';

let hub: TestHub;
const sensors: Sensor[] = [];
const displays: MqttClient[] = [];

beforeAll(async () => {
  hub = await startTestHub();
});

afterAll(async () => {
  for (const s of sensors) await s.end();
  for (const d of displays) await d.endAsync(true).catch(() => undefined);
  await killAllGateways();
  await hub?.stop().catch(() => undefined);
  await removeTempDirs();
});

const uplinkOf = async (gw: GatewayProcess): Promise<unknown> => (await healthz(gw.ports.http)).uplink;
const remoteOf = async (): Promise<{ version: number; errors: string[] }> =>
  ((await hub.hub.invokeMethod('gw-test', 'getStatus', null, 10)).payload as { remote: { version: number; errors: string[] } }).remote;
const raisedFor = (alerts: Array<{ body: Record<string, unknown> | null }>): number =>
  alerts.filter((a) => a.body?.ruleId === 'probe_high' && a.body.state === 'raised').length;

describe('twin desired properties', () => {
  it('apply live (kill switch, uplink pause) and survive a restart while the hub is down', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const rulesFile = await writeProbeRules(dir);
    const cs = await hub.connectionString('gw-test');
    const file = await writeConfig(dir, await gatewayConfig(dir, { uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 0 }, alerts: { rulesFile } }));
    let gw = spawnGateway(file);
    await gw.started;
    await waitFor('uplink online', async () => (await uplinkOf(gw)) === 'online');
    let display = await connectDisplay(gw.ports.mqtt);
    displays.push(display.client);
    let sensor = new Sensor('s1', 'truck-1', gw.ports.mqtt);
    sensors.push(sensor);
    await sensor.connected();

    // The rule works before any twin change.
    await sensor.publish({ signal: 'alarm_probe', value: 90 });
    await waitFor('the raised alert on the cab topic', () => raisedFor(display.alerts) === 1);
    await sensor.publish({ signal: 'alarm_probe', value: 10 });
    await waitFor('the alert cleared on the cab topic', () => display.alerts.some((a) => a.body === null));

    // Live change: kill the rule, pause the uplink.
    const twin = await hub.hub.updateDesired('gw-test', { killSwitch: { sensors: [], rules: ['probe_high'] }, uplink: { paused: true } });
    await waitFor('uplink paused', async () => (await uplinkOf(gw)) === 'paused');
    await waitFor('desired version applied', async () => (await remoteOf()).version === twin.desired.$version);
    expect((await remoteOf()).errors).toEqual([]);
    await waitDrained(gw.ports.http); // what was already journalled may still go out; from here on nothing does
    const batchesAtPause = hub.sink.batches.length;
    const alertsBefore = sumMetric(await metrics(gw.ports.http), 'fleetsync_gateway_alerts_total');
    await sensor.publish({ signal: 'alarm_probe', value: 90 });
    for (let i = 1; i <= 5; i++) await sensor.publish({ signal: 'seq_probe', value: i });
    let m = await metrics(gw.ports.http);
    // PUBACK comes after rule evaluation, so "no alert" is settled here.
    expect(sumMetric(m, 'fleetsync_gateway_alerts_total')).toBe(alertsBefore);
    expect(m.get('fleetsync_gateway_journal_events{lane="telemetry"}')).toBe(6);
    expect(raisedFor(display.alerts)).toBe(1);
    const reported = await waitFor('reported config version', async () => {
      const r = (await hub.hub.getTwin('gw-test')).reported as { config?: { version: number; errors: string[] } };
      return r.config?.version === twin.desired.$version ? r.config : undefined;
    });
    expect(reported.errors).toEqual([]);

    // Restart while the hub is down: the configuration comes from the gateway's own disk.
    await hub.stop();
    expect(await gw.term()).toBe(0);
    const persisted = JSON.parse(await readFile(join(dir, 'gw-data', 'remote-config.json'), 'utf8')) as { killSwitch: { rules: string[] }; uplink: { paused?: boolean } };
    expect(persisted.killSwitch.rules).toEqual(['probe_high']);
    expect(persisted.uplink.paused).toBe(true);
    gw = spawnGateway(file);
    await gw.started;
    expect(await uplinkOf(gw)).toBe('paused');
    await sensor.end();
    sensor = new Sensor('s1', 'truck-1', gw.ports.mqtt);
    sensors.push(sensor);
    display = await connectDisplay(gw.ports.mqtt);
    displays.push(display.client);
    await sensor.connected();
    await sensor.publish({ signal: 'alarm_probe', value: 95 });
    for (let i = 6; i <= 10; i++) await sensor.publish({ signal: 'seq_probe', value: i });
    m = await metrics(gw.ports.http);
    expect(sumMetric(m, 'fleetsync_gateway_alerts_total')).toBe(0);
    expect(raisedFor(display.alerts)).toBe(0);
    expect(m.get('fleetsync_gateway_journal_events{lane="telemetry"}')).toBe(12);

    // The hub returns with the same desired properties: still paused. Then the cloud removes both settings.
    await hub.restart();
    await waitFor('desired version re-read after reconnect', async () => (await remoteOf().catch(() => ({ version: -1 }))).version === twin.desired.$version);
    expect(await uplinkOf(gw)).toBe('paused');
    expect(hub.sink.batches.length).toBe(batchesAtPause);
    await hub.hub.updateDesired('gw-test', { killSwitch: null, uplink: null });
    await waitFor('uplink online', async () => (await uplinkOf(gw)) === 'online');
    await waitDrained(gw.ports.http);
    const held = hub.sink.events('telemetry').filter((e) => e.kind === 'reading' && e.body.signal === 'seq_probe');
    expect(held.map((e) => (e.kind === 'reading' ? e.body.value : 0)).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The rule is back, evaluated from a clean state: the value is still high, the next reading raises.
    await sensor.publish({ signal: 'alarm_probe', value: 96 });
    await waitFor('the rule firing again', () => raisedFor(display.alerts) === 1);
    expect(await gw.term()).toBe(0);
  });

  it('replace the rule set live, and refuse an invalid one while the last good set stays in force', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const rulesFile = await writeProbeRules(dir);
    const cs = await hub.connectionString('gw-rules');
    const gw = spawnGateway(await writeConfig(dir, await gatewayConfig(dir, { gatewayId: 'gw-rules', uplink: { connectionString: cs, caFile: hub.caFile }, alerts: { rulesFile } })));
    await gw.started;
    await waitFor('uplink online', async () => (await uplinkOf(gw)) === 'online');
    const display = await connectDisplay(gw.ports.mqtt);
    displays.push(display.client);
    const sensor = new Sensor('s1', 'truck-1', gw.ports.mqtt);
    sensors.push(sensor);
    await sensor.connected();
    const status = async (): Promise<{ version: number; errors: string[] }> =>
      ((await hub.hub.invokeMethod('gw-rules', 'getStatus', null, 10)).payload as { remote: { version: number; errors: string[] } }).remote;

    const low = { id: 'probe_low', type: 'threshold', signal: 'alarm_probe', direction: 'below', threshold: 0, cooldownS: 0 };
    const good = await hub.hub.updateDesired('gw-rules', { rules: { version: 2, rules: [low] } });
    await waitFor('the new rule set applied', async () => (await status()).version === good.desired.$version);
    await sensor.publish({ signal: 'alarm_probe', value: 90 });
    await sensor.publish({ signal: 'alarm_probe', value: -5 });
    await waitFor('the new rule raising', () => display.alerts.some((a) => a.body?.ruleId === 'probe_low' && a.body.state === 'raised'));
    expect(display.alerts.some((a) => a.body?.ruleId === 'probe_high')).toBe(false);

    const bad = await hub.hub.updateDesired('gw-rules', { rules: { version: 3, rules: [{ ...low, threshold: 'zero' }] } });
    const refused = await waitFor('the refusal reported', async () => {
      const s = await status();
      return s.version === bad.desired.$version && s.errors.length > 0 ? s : undefined;
    });
    expect(refused.errors.join('\n')).toMatch(/^\/rules/m);
    const reported = await waitFor('the refusal in the twin', async () => {
      const r = (await hub.hub.getTwin('gw-rules')).reported as { config?: { version: number; errors: string[] } };
      return r.config?.version === bad.desired.$version ? r.config : undefined;
    });
    expect(reported.errors.length).toBeGreaterThan(0);
    // probe_low (the last good set) still holds: it clears and raises again.
    await sensor.publish({ signal: 'alarm_probe', value: 5 });
    await sensor.publish({ signal: 'alarm_probe', value: -7 });
    await waitFor('the last good rule raising again', () => display.alerts.filter((a) => a.body?.ruleId === 'probe_low' && a.body.state === 'raised').length === 2);
    expect(gw.child.exitCode).toBeNull();
    expect(await gw.term()).toBe(0);
  });

  it('start with a damaged saved configuration: the readable sections apply, the rest waits for the twin', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const rulesFile = await writeProbeRules(dir);
    const config = await gatewayConfig(dir, { gatewayId: 'gw-saved', alerts: { rulesFile } });
    const dataDir = String(config.dataDir);
    await mkdir(dataDir, { recursive: true });
    const file = await writeConfig(dir, config);

    await writeFile(join(dataDir, 'remote-config.json'), '{"version": 3, "uplink": {"paused": tr');
    let gw = spawnGateway(file);
    await gw.started;
    await gw.waitLog('the unreadable file logged', (r) => r.msg === 'saved twin configuration unreadable; starting without it until the twin is read');
    expect((await healthz(gw.ports.http)).ok).toBe(true);
    expect(await gw.term()).toBe(0);

    // A valid kill switch next to an uplink section this version refuses.
    await writeFile(join(dataDir, 'remote-config.json'), JSON.stringify({ version: 4, uplink: { inflight: 'many' }, rules: null, killSwitch: { sensors: [], rules: ['probe_high'] } }));
    gw = spawnGateway(file);
    await gw.started;
    await gw.waitLog('the refused section logged', (r) => r.msg === 'saved twin configuration refused in part; those sections wait for the twin');
    const sensor = new Sensor('s1', 'truck-1', gw.ports.mqtt);
    sensors.push(sensor);
    await sensor.connected();
    await sensor.publish({ signal: 'alarm_probe', value: 99 });
    expect(sumMetric(await metrics(gw.ports.http), 'fleetsync_gateway_alerts_total')).toBe(0);
    expect(await gw.term()).toBe(0);
  });
});
