/**
 * Operator actions and device administration against the embedded hub endpoint, with a real gateway-side SDK client
 * (azure-iot-device over TLS) answering direct methods and receiving desired properties.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudApi, embeddedDeviceAdmin } from '../../cloud/api/index.ts';
import { TokenStore } from '../../cloud/auth/token-store.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { bearer, ingestFleet, removeTempDirs, tempDir } from './support.ts';
import { waitFor as pollFor, type Probe } from '../support/wait-for.ts';

type DeviceClient = InstanceType<typeof deviceSdk.Client>;
type DeviceTwin = Awaited<ReturnType<DeviceClient['getTwin']>>;

let pipeline: Pipeline;
let hub: EmbeddedHub;
let app: FastifyInstance;
let device: DeviceClient | undefined;
let twin: DeviceTwin;
const tokens = { viewer: '', operator: '', admin: '' };
const methodCalls: { method: string; payload: unknown }[] = [];
const desiredSeen: Record<string, unknown>[] = [];

const waitFor = <T>(what: string, probe: Probe<T>, timeoutMs = 10_000): Promise<T> => pollFor(what, probe, timeoutMs, 25);

beforeAll(async () => {
  const dir = await tempDir();
  pipeline = await Pipeline.open({ dataDir: dir, settings: { export: { enabled: false } } });
  await ingestFleet(pipeline);
  hub = new EmbeddedHub({ port: 0, bind: '127.0.0.1', dataDir: join(dir, 'hub') }, { logger: pino({ level: 'silent' }) });
  await hub.start(pipeline.sink);
  await hub.registry.add('gw-1');
  await hub.registry.add('gw-2');
  const store = await TokenStore.open(dir);
  for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await store.create(role)).token;
  app = await createCloudApi({
    pipeline,
    hub,
    dataDir: dir,
    devices: embeddedDeviceAdmin(hub),
    connectedDevices: () => hub.connectedDevices(),
    metrics: { defaultMetrics: false },
    settings: { twinCacheMs: 0 },
  });

  device = deviceSdk.Client.fromConnectionString(await hub.connectionString('gw-1', 'primary', `127.0.0.1:${hub.port}`), mqttTransport.Mqtt);
  await device.setOptions({ ca: hub.caPem });
  await device.open();
  for (const method of ['getStatus', 'flush', 'pauseUplink', 'resumeUplink', 'reboot']) {
    device.onDeviceMethod(method, (req, res) => {
      methodCalls.push({ method, payload: req.payload });
      res.send(200, { method, answered: true }, () => undefined);
    });
  }
  twin = await device.getTwin();
  twin.on('properties.desired', (patch: Record<string, unknown>) => desiredSeen.push(patch));
  await new Promise<void>((resolve, reject) =>
    twin.properties.reported.update(
      { sync: { lanes: { telemetry: { backlogEvents: 42, backlogBytes: 2000, oldestUnsentMs: Date.now() - 30_000, lastAckedSeq: 9, lastAckAt: Date.now(), evicted: 0 } }, connectivity: 'online', updatedAt: Date.now() } },
      (err?: Error) => (err ? reject(err) : resolve()),
    ),
  );
});

afterAll(async () => {
  if (device) await Promise.race([device.close().catch(() => undefined), sleep(3000)]);
  await app?.close();
  await hub?.stop();
  await pipeline?.close();
  await removeTempDirs();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: Record<string, unknown>) =>
  app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

describe('status from the embedded hub', () => {
  it('shows a connected gateway online with the backlog it reported in its twin', async () => {
    const v = (await call('GET', '/api/v1/vehicles/TRK-1', tokens.viewer)).json().vehicle;
    expect(v).toMatchObject({ deviceId: 'gw-1', status: 'online', connected: true });
    expect(v.backlog.lanes.telemetry.backlogEvents).toBe(42);
    expect(v.backlog.oldestUnsentAgeMs).toBeGreaterThanOrEqual(30_000);
  });
});

describe('direct methods (embedded hub)', () => {
  it('invokes a whitelisted method on the gateway and returns its answer', async () => {
    const r = await call('POST', '/api/v1/vehicles/TRK-1/methods/flush', tokens.operator, { payload: { lane: 'telemetry' }, timeoutS: 10 });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ status: 200, payload: { method: 'flush', answered: true } });
    expect(methodCalls.at(-1)).toEqual({ method: 'flush', payload: { lane: 'telemetry' } });
    expect((await call('POST', '/api/v1/vehicles/TRK-1/methods/getStatus', tokens.admin)).json().payload.method).toBe('getStatus');
  });

  it('refuses methods outside the list, and viewers, without reaching the gateway', async () => {
    const before = methodCalls.length;
    expect((await call('POST', '/api/v1/vehicles/TRK-1/methods/reboot', tokens.admin, {})).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/vehicles/TRK-1/methods/getStatus', tokens.viewer, {})).statusCode).toBe(403);
    expect(methodCalls.length).toBe(before);
  });

  it('answers 504 when the gateway is not connected', async () => {
    const r = await call('POST', '/api/v1/vehicles/TRK-2/methods/getStatus', tokens.operator, { timeoutS: 1 });
    expect(r.statusCode).toBe(504);
    expect(r.json().message).toMatch(/timed out after 1 s/);
  });
});

describe('desired properties (embedded hub)', () => {
  it('sends a valid change to the gateway', async () => {
    const r = await call('PATCH', '/api/v1/vehicles/TRK-1/desired', tokens.operator, { killSwitch: { sensors: ['door-1'], rules: [] }, uplink: { inflight: 8 } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().desired).toMatchObject({ killSwitch: { sensors: ['door-1'], rules: [] }, uplink: { inflight: 8 } });
    const seen = await waitFor('desired patch at the device', () => desiredSeen.find((p) => p.killSwitch !== undefined));
    expect(seen).toMatchObject({ killSwitch: { sensors: ['door-1'], rules: [] } });
  });

  it('refuses an invalid change and sends nothing', async () => {
    const before = (await hub.getTwin('gw-1')).desired.$version;
    const r = await call('PATCH', '/api/v1/vehicles/TRK-1/desired', tokens.operator, { uplink: { inflight: 0 } });
    expect(r.statusCode).toBe(400);
    expect(r.json().details[0]).toMatch(/^\/uplink\/inflight/);
    expect((await hub.getTwin('gw-1')).desired.$version).toBe(before);
  });

  it('removes a section with null', async () => {
    const r = await call('PATCH', '/api/v1/vehicles/TRK-1/desired', tokens.operator, { uplink: null });
    expect(r.statusCode).toBe(200);
    expect(r.json().desired).not.toHaveProperty('uplink');
  });
});

describe('device administration (embedded hub)', () => {
  it('registers, lists and removes gateways; a new one shows as unknown', async () => {
    const added = await call('POST', '/api/v1/devices', tokens.admin, { deviceId: 'gw-new' });
    expect(added.statusCode).toBe(201);
    expect(added.json().connectionString).toMatch(/DeviceId=gw-new;SharedAccessKey=/);
    expect((await call('POST', '/api/v1/devices', tokens.admin, { deviceId: 'gw-new' })).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/devices', tokens.operator, { deviceId: 'gw-x' })).statusCode).toBe(403);
    const list = (await call('GET', '/api/v1/devices', tokens.admin)).json().devices.map((d: { deviceId: string }) => d.deviceId);
    expect(list).toEqual(['gw-1', 'gw-2', 'gw-new']);
    const fleet = (await call('GET', '/api/v1/vehicles', tokens.viewer)).json().vehicles;
    expect(fleet.find((v: { id: string }) => v.id === 'gw-new')).toMatchObject({ status: 'unknown', deviceId: 'gw-new' });
    expect((await call('DELETE', '/api/v1/devices/gw-new', tokens.admin)).statusCode).toBe(204);
    expect((await call('DELETE', '/api/v1/devices/gw-new', tokens.admin)).statusCode).toBe(404);
  });
});

describe('disconnect (embedded hub)', () => {
  it('turns the vehicle offline when the hub sees its gateway leave', async () => {
    await Promise.race([device!.close().catch(() => undefined), sleep(3000)]);
    device = undefined;
    const v = await waitFor('offline status', async () => {
      const x = (await call('GET', '/api/v1/vehicles/TRK-1', tokens.viewer)).json().vehicle;
      return x.connected === false ? x : undefined;
    });
    expect(v.status).toBe('offline');
  });
});
