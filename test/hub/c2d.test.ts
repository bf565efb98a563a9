/** Cloud-to-device messages: queued while the device is away (also across a restart), capped, expired. */
import { describe, it, expect, afterAll } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { isHubError } from '../../cloud/hub/errors.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import type { IPublishPacket } from 'mqtt';
import {
  addDevice,
  captureLog,
  closeQuietly,
  Client,
  MemorySink,
  Mqtt,
  rawConnect,
  removeTempDirs,
  startTestHub,
  waitFor,
  type DeviceClient,
} from './support.ts';

afterAll(removeTempDirs);

/** Opens a device that records C2D bodies (completing each) from its first moment online. */
async function listeningDevice(cs: string, ca: string): Promise<{ client: DeviceClient; bodies: string[] }> {
  const client = Client.fromConnectionString(cs, Mqtt);
  await client.setOptions({ ca });
  const bodies: string[] = [];
  client.on('message', (m) => {
    bodies.push(m.data.toString());
    void client.complete(m);
  });
  await client.open();
  return { client, bodies };
}

describe('cloud-to-device messages', () => {
  it('delivers, in order, what was sent while the device was offline, also across an endpoint restart', async () => {
    const sink = new MemorySink();
    const t = await startTestHub({}, sink);
    const port = t.hub.port;
    const cs = await addDevice(t.hub, 'truck-c2d');
    const first = await listeningDevice(cs, t.hub.caPem);
    await t.hub.sendC2D('truck-c2d', 'online-1');
    await waitFor('the online message', () => first.bodies.includes('online-1'));
    await closeQuietly(first.client);

    await t.hub.sendC2D('truck-c2d', 'offline-1', { seq: '1' });
    await t.hub.sendC2D('truck-c2d', 'offline-2', { seq: '2' });
    expect((await t.hub.pendingC2D('truck-c2d')).map((m) => m.properties.seq)).toEqual(['1', '2']);
    await t.hub.stop();

    const hub = new EmbeddedHub({ dataDir: t.dataDir, port, bind: '127.0.0.1' }, { logger: captureLog().logger });
    await hub.start(sink);
    await hub.sendC2D('truck-c2d', 'offline-3');
    const second = await listeningDevice(cs, hub.caPem);
    await waitFor('the queued messages', () => second.bodies.length >= 3);
    expect(second.bodies).toEqual(['offline-1', 'offline-2', 'offline-3']);
    // Acknowledged messages leave the queue.
    await waitFor('an empty queue', async () => (await hub.pendingC2D('truck-c2d')).length === 0);
    await closeQuietly(second.client);
    await hub.stop();
  });

  it('sends a received but unacknowledged message again exactly once after a reconnect (persistent session)', async () => {
    const t = await startTestHub();
    await addDevice(t.hub, 'truck-noack');
    const key = (await t.hub.registry.get('truck-noack'))!.primaryKey;
    const topics: string[] = [];
    const connectHolding = async (ack: boolean) => {
      const c = await rawConnect({ hub: t.hub, clientId: 'truck-noack', key });
      // MQTT.js sends the PUBACK when this callback is called: holding it back leaves the message unacknowledged.
      c.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
        topics.push(packet.topic);
        if (ack) done();
      };
      await c.subscribeAsync('devices/truck-noack/messages/devicebound/#', { qos: 1 });
      return c;
    };
    const first = await connectHolding(false);
    await t.hub.sendC2D('truck-noack', 'hold me');
    await waitFor('the first delivery', () => topics.length === 1);
    first.end(true);
    await waitFor('the disconnect', () => !t.hub.connectedDevices().includes('truck-noack'));

    const second = await connectHolding(true);
    await waitFor('the redelivery', () => topics.length >= 2);
    await waitFor('an empty queue', async () => (await t.hub.pendingC2D('truck-noack')).length === 0);
    await sleep(300);
    expect(topics).toHaveLength(2);
    expect(topics[1]).toBe(topics[0]);
    await second.endAsync();
    await t.hub.stop();
  });

  it('refuses the 51st pending message with a clear error', async () => {
    const t = await startTestHub();
    await addDevice(t.hub, 'truck-full');
    for (let i = 0; i < 50; i++) await t.hub.sendC2D('truck-full', `m${i}`);
    const err = await t.hub.sendC2D('truck-full', 'one too many').catch((e: unknown) => e);
    expect(isHubError(err, 'C2D_QUEUE_FULL')).toBe(true);
    expect((err as Error).message).toMatch(/truck-full already has 50 pending cloud-to-device messages/);
    expect(await t.hub.pendingC2D('truck-full')).toHaveLength(50);
    await t.hub.stop();
  });

  it('drops messages whose time to live ran out before the device came back', async () => {
    const t = await startTestHub();
    const cs = await addDevice(t.hub, 'truck-ttl');
    await t.hub.sendC2D('truck-ttl', 'stale', {}, { ttlS: 1 });
    await t.hub.sendC2D('truck-ttl', 'fresh', {}, { ttlS: 600 });
    await sleep(1100);
    expect((await t.hub.pendingC2D('truck-ttl')).map((m) => Buffer.from(m.body, 'base64').toString())).toEqual(['fresh']);
    const d = await listeningDevice(cs, t.hub.caPem);
    await waitFor('the fresh message', () => d.bodies.includes('fresh'));
    await sleep(200);
    expect(d.bodies).toEqual(['fresh']);
    await closeQuietly(d.client);
    await t.hub.stop();
  });

  it('refuses messages for unknown devices and oversized bodies', async () => {
    const t = await startTestHub();
    await addDevice(t.hub, 'truck-x');
    expect(isHubError(await t.hub.sendC2D('nobody', 'x').catch((e: unknown) => e), 'DEVICE_NOT_FOUND')).toBe(true);
    expect(isHubError(await t.hub.sendC2D('truck-x', Buffer.alloc(65 * 1024)).catch((e: unknown) => e), 'INVALID_ARGUMENT')).toBe(true);
    expect(isHubError(await t.hub.sendC2D('truck-x', 'x', { $bad: '1' }).catch((e: unknown) => e), 'INVALID_ARGUMENT')).toBe(true);
    await t.hub.stop();
  });
});
