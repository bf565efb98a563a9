/**
 * Who may connect and what they may touch, against a running endpoint: every refusal has CONNACK code 5 (or a
 * closed connection) and a logged reason. Real SDK clients where the SDK can express the case, raw MQTT.js with
 * hand-made SAS tokens where it cannot.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectionString } from '../../cloud/hub/registry.ts';
import { deviceResource, signSasToken } from '../../cloud/hub/sas.ts';
import {
  addDevice,
  closeQuietly,
  nowS,
  openDevice,
  rawConnect,
  removeTempDirs,
  startTestHub,
  waitFor,
  type LogRecord,
  type TestHub,
} from './support.ts';

let t: TestHub;
let keys: Record<string, { primaryKey: string; secondaryKey: string }>;

beforeAll(async () => {
  t = await startTestHub();
  for (const id of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) await addDevice(t.hub, id);
  keys = Object.fromEntries((await t.hub.registry.list()).map((d) => [d.deviceId, d]));
});
afterAll(async () => {
  await t.hub.stop();
  await removeTempDirs();
});

const logged = (event: string, deviceId: string, reason: string): Promise<LogRecord> =>
  waitFor(`a '${event}' record with reason ${reason} for ${deviceId}`, () =>
    t.records.find((r) => r.event === event && r.deviceId === deviceId && r.reason === reason),
  );

const gateway = (): string => `127.0.0.1:${t.hub.port}`;
const token = (deviceId: string, key: string, expiry = nowS() + 3600): string => signSasToken(deviceResource(t.hub.hubName, deviceId), key, expiry);
const refusedCode = (p: Promise<MqttClient>): Promise<number | undefined> =>
  p.then(
    (c) => {
      c.end(true);
      return undefined;
    },
    (err: { code?: number }) => err.code,
  );
const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));

describe('device authentication', () => {
  it('accepts the primary and the secondary key', async () => {
    const primary = await openDevice(connectionString(t.hub.hubName, 'alice', keys.alice!.primaryKey, gateway()), t.hub.caPem);
    await closeQuietly(primary);
    const secondary = await openDevice(connectionString(t.hub.hubName, 'alice', keys.alice!.secondaryKey, gateway()), t.hub.caPem);
    await closeQuietly(secondary);
  });

  it('refuses a wrong key (SDK device) and logs why', async () => {
    const cs = connectionString(t.hub.hubName, 'alice', keys.bob!.primaryKey, gateway());
    await expect(openDevice(cs, t.hub.caPem)).rejects.toThrow();
    await logged('connect-refused', 'alice', 'wrong-key');
  });

  it('refuses an unknown device (SDK device) and logs why', async () => {
    const cs = connectionString(t.hub.hubName, 'mallory', keys.bob!.primaryKey, gateway());
    await expect(openDevice(cs, t.hub.caPem)).rejects.toThrow();
    await logged('connect-refused', 'mallory', 'unknown-device');
  });

  it('refuses a disabled device (SDK device) and lets it back in when enabled', async () => {
    await t.hub.registry.setDisabled('carol', true);
    const cs = connectionString(t.hub.hubName, 'carol', keys.carol!.primaryKey, gateway());
    await expect(openDevice(cs, t.hub.caPem)).rejects.toThrow();
    await logged('connect-refused', 'carol', 'disabled-device');
    await t.hub.registry.setDisabled('carol', false);
    await closeQuietly(await openDevice(cs, t.hub.caPem));
  });

  it('refuses an expired token with CONNACK 5', async () => {
    const code = await refusedCode(rawConnect({ hub: t.hub, clientId: 'bob', password: token('bob', keys.bob!.primaryKey, nowS() - 5) }));
    expect(code).toBe(5);
    await logged('connect-refused', 'bob', 'expired-token');
  });

  it("refuses a token that names another device, even with that device's valid key", async () => {
    const code = await refusedCode(rawConnect({ hub: t.hub, clientId: 'bob', password: token('alice', keys.alice!.primaryKey) }));
    expect(code).toBe(5);
    await logged('connect-refused', 'bob', 'token-for-other-device');
  });

  it('refuses a username for another device', async () => {
    const code = await refusedCode(rawConnect({ hub: t.hub, clientId: 'bob', key: keys.bob!.primaryKey, username: `${t.hub.hubName}/alice/?api-version=2021-04-12` }));
    expect(code).toBe(5);
    await logged('connect-refused', 'bob', 'bad-username');
  });

  it('closes the connection of a device that publishes to another device topic', async () => {
    const c = await rawConnect({ hub: t.hub, clientId: 'dave', key: keys.dave!.primaryKey });
    const gone = closed(c);
    c.publish('devices/alice/messages/events/', 'spoofed', { qos: 1 });
    await gone;
    await logged('publish-refused', 'dave', 'foreign-topic');
    expect(t.sink.messages.some((m) => Buffer.from(m.body).toString() === 'spoofed')).toBe(false);
    c.end(true);
  });

  it('closes the connection of a device that subscribes to another device topic', async () => {
    const c = await rawConnect({ hub: t.hub, clientId: 'dave', key: keys.dave!.primaryKey });
    const gone = closed(c);
    c.subscribe('devices/alice/messages/devicebound/#', { qos: 1 });
    await gone;
    await logged('subscribe-refused', 'dave', 'forbidden-subscription');
    c.end(true);
  });

  it('accepts its own telemetry from a raw client and acknowledges it only once stored', async () => {
    const c = await rawConnect({ hub: t.hub, clientId: 'dave', key: keys.dave!.primaryKey });
    await c.publishAsync('devices/dave/messages/events/%24.mid=raw-1&k=v', 'raw', { qos: 1 });
    expect(t.sink.messages.find((m) => m.system.messageId === 'raw-1')).toMatchObject({ deviceId: 'dave', properties: { k: 'v' } });
    await c.endAsync();
  });
});

describe('live connections', () => {
  it('closes a connection when its token expires', async () => {
    const c = await rawConnect({ hub: t.hub, clientId: 'erin', password: token('erin', keys.erin!.primaryKey, nowS() + 3) });
    expect(c.connected).toBe(true);
    await closed(c);
    await logged('connection-closed', 'erin', 'expired-token');
    c.end(true);
  });

  it('closes a live connection when the device is disabled, and when it is removed', async () => {
    const a = await rawConnect({ hub: t.hub, clientId: 'frank', key: keys.frank!.primaryKey });
    const goneA = closed(a);
    await t.hub.registry.setDisabled('frank', true);
    await goneA;
    await logged('connection-closed', 'frank', 'disabled-device');
    a.end(true);

    await t.hub.registry.setDisabled('frank', false);
    const b = await waitFor('frank back in', () => rawConnect({ hub: t.hub, clientId: 'frank', key: keys.frank!.primaryKey }).catch(() => undefined));
    const goneB = closed(b);
    await t.hub.registry.remove('frank');
    await goneB;
    await logged('connection-closed', 'frank', 'unknown-device');
    b.end(true);
  });

  it('refuses the old key after a key rotation while the other key keeps working', async () => {
    const old = keys.bob!.primaryKey;
    await t.hub.registry.rotateKey('bob', 'primary');
    expect(await refusedCode(rawConnect({ hub: t.hub, clientId: 'bob', key: old }))).toBe(5);
    const c = await rawConnect({ hub: t.hub, clientId: 'bob', key: keys.bob!.secondaryKey });
    await c.endAsync();
  });
});
