import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { startSensorBroker, type SensorBroker } from './sensor-broker.ts';
import { hashPassword } from './password.ts';
import type { Principal } from './acl.ts';
import { cachedMqttNumbers } from '../../shared/mqtt/number-cache.ts';

const log = pino({ level: 'silent' });
const connect = (port: number | string, opts: mqtt.IClientOptions) =>
  new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(typeof port === 'string' ? port : `mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });

describe('sensor broker (real aedes, real MQTT.js clients)', () => {
  let broker: SensorBroker;
  const stored: { who: Principal; topic: string; payload: string; qos: number }[] = [];
  let release: (() => void) | undefined;

  beforeAll(async () => {
    const hash = await hashPassword('ecu-pass');
    broker = await startSensorBroker(
      {
        vehicle: 'truck-1',
        broker: { host: '127.0.0.1', port: 0, allowAnonymous: false, maxPayloadBytes: 65536, loginFailureLimit: 20, tcp: { noDelay: true, quickAck: true, quickAckAfterMs: 2 }, websocket: { port: 0, path: '/mqtt' } },
        sensors: [{ id: 'ecu', username: 'ecu-user', passwordHash: hash }],
        displays: [{ username: 'cab', passwordHash: hash }],
      },
      (who, topic, payload, qos, done) => {
        const store = (): void => {
          stored.push({ who, topic, payload: payload.toString(), qos });
          done(null);
        };
        if (topic.endsWith('/position')) release = store; // hold the store open
        else store();
      },
      log,
    );
  });
  afterAll(() => broker.close());

  it("writes MQTT without mqtt-packet's cache of 65,536 numbers (6.3 MB of old heap)", async () => {
    const c = await connect(broker.ports.tcp, { username: 'ecu-user', password: 'ecu-pass' });
    await c.publishAsync('fleet/truck-1/ecu/reading', '{"signal":"x","value":1}', { qos: 1 });
    await c.endAsync();
    expect(cachedMqttNumbers()).toBe(0);
  });

  it('refuses a wrong password, an unknown user and anonymous clients, and counts them', async () => {
    const before = broker.counters.authFailures;
    await expect(connect(broker.ports.tcp, { username: 'ecu-user', password: 'nope' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.ports.tcp, { username: 'ghost', password: 'x' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.ports.tcp, {})).rejects.toThrow(/Not authorized/i);
    expect(broker.counters.authFailures - before).toBe(3);
  });

  it('acknowledges a QoS 1 publish only after the handler has stored it', async () => {
    const c = await connect(broker.ports.tcp, { username: 'ecu-user', password: 'ecu-pass' });
    let acked = false;
    const done = new Promise<void>((r) => c.publish('fleet/truck-1/ecu/position', '{"lat":1,"lon":2}', { qos: 1 }, () => ((acked = true), r())));
    while (!release) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    expect(acked).toBe(false);
    expect(stored.some((s) => s.topic.endsWith('/position'))).toBe(false);
    release();
    await done;
    expect(stored.at(-1)).toMatchObject({ topic: 'fleet/truck-1/ecu/position', qos: 1, who: { role: 'sensor', sensor: 'ecu' } });
    c.end(true);
  });

  it.runIf(process.platform === 'linux')('gives a WebSocket sensor its ACK on its own while the PUBACK waits for the store', async () => {
    release = undefined;
    const c = await connect(`ws://127.0.0.1:${broker.ports.ws}/mqtt`, { username: 'ecu-user', password: 'ecu-pass' });
    const before = broker.quickAcks();
    const done = new Promise<void>((r) => c.publish('fleet/truck-1/ecu/position', '{"lat":1,"lon":2}', { qos: 1 }, () => r()));
    while (!release) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 100 && broker.quickAcks() === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(broker.quickAcks()).toBeGreaterThan(before);
    release();
    await done;
    c.end(true);
  });

  it('closes the connection of a sensor publishing as another sensor, without storing it', async () => {
    const c = await connect(broker.ports.tcp, { username: 'ecu-user', password: 'ecu-pass' });
    const denied = broker.counters.aclDenied;
    // An allowed topic first: the decision the broker remembers for this client must not carry over to another topic.
    await c.publishAsync('fleet/truck-1/ecu/reading', '{}', { qos: 1 });
    await c.publishAsync('fleet/truck-1/ecu/reading', '{}', { qos: 1 });
    expect(stored.filter((s) => s.topic === 'fleet/truck-1/ecu/reading').length).toBeGreaterThanOrEqual(2);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('fleet/truck-1/gps/reading', '{}', { qos: 1 });
    await closed;
    expect(broker.counters.aclDenied).toBe(denied + 1);
    expect(stored.some((s) => s.topic === 'fleet/truck-1/gps/reading')).toBe(false);
    c.end(true);
  });

  it('grants a display the alert topics and refuses wider filters with SUBACK 128', async () => {
    const c = await connect(broker.ports.tcp, { username: 'cab', password: 'ecu-pass' });
    expect((await c.subscribeAsync('fleet/truck-1/alerts/#')).map((g) => g.qos)).toEqual([0]);
    const refused = await c.subscribeAsync('fleet/truck-1/#').catch((e: { packet?: { granted?: number[] } }) => e.packet?.granted);
    expect(refused).toEqual([128]);
    const got = new Promise<string>((r) => c.once('message', (_t, p) => r(p.toString())));
    await broker.publishLocal('fleet/truck-1/alerts/a1', '{"state":"raised"}', { retain: true });
    expect(await got).toBe('{"state":"raised"}');
    c.end(true);
  });

  it("stores a sensor's retained publish but does not route or retain it: no client could ever receive it", async () => {
    const routed: string[] = [];
    const onPublish = (packet: { topic: string }): void => void routed.push(packet.topic);
    broker.aedes.on('publish', onPublish);
    try {
      const c = await connect(broker.ports.tcp, { username: 'ecu-user', password: 'ecu-pass' });
      await c.publishAsync('fleet/truck-1/ecu/reading', '{"signal":"x"}', { qos: 1, retain: true });
      expect(stored.at(-1)).toMatchObject({ topic: 'fleet/truck-1/ecu/reading', qos: 1 });
      c.end(true);
      const retained: string[] = [];
      // aedes's typings leave out its persistence; the retained store is what a later subscriber would be sent.
      const store = (broker.aedes as unknown as { persistence: { createRetainedStreamCombi(p: string[]): AsyncIterable<{ topic: string }> } }).persistence;
      for await (const p of store.createRetainedStreamCombi(['#'])) retained.push(p.topic);
      expect(retained.filter((t) => t.endsWith('/ecu/reading'))).toEqual([]);
      // The gateway's own alert publishes still take aedes's path (retained, delivered, announced).
      await broker.publishLocal('fleet/truck-1/alerts/a2', '{"state":"raised"}', { retain: true });
      expect(routed).toContain('fleet/truck-1/alerts/a2');
      expect(routed).not.toContain('fleet/truck-1/ecu/reading');
    } finally {
      broker.aedes.removeListener('publish', onPublish);
    }
  });
});

