import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Duplex } from 'node:stream';
import { runQueuedNow } from './prompt-delivery.ts';
import { startSensorBroker, type SensorBroker } from './sensor-broker.ts';
import { hashPassword } from './password.ts';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('runQueuedNow', () => {
  it('runs what the call queued with setImmediate at once, ahead of callbacks queued before it, with their arguments', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued before'));
    runQueuedNow(() => {
      setImmediate((a: string, b: string) => order.push(`${a} ${b}`), 'first', 'deferred');
      setImmediate(() => order.push('second deferred'));
      order.push('call');
    });
    order.push('returned');
    await nextTurn();
    expect(order).toEqual(['call', 'first deferred', 'second deferred', 'returned', 'queued before']);
  });

  it('puts setImmediate back even when the call throws', async () => {
    const real = globalThis.setImmediate;
    expect(() =>
      runQueuedNow(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(globalThis.setImmediate).toBe(real);
  });

  it('runs every queued callback when one throws, then throws the first error', () => {
    const ran: number[] = [];
    expect(() =>
      runQueuedNow(() => {
        setImmediate(() => {
          ran.push(1);
          throw new Error('first');
        });
        setImmediate(() => {
          ran.push(2);
          throw new Error('second');
        });
        setImmediate(() => ran.push(3));
      }),
    ).toThrow('first');
    expect(ran).toEqual([1, 2, 3]);
  });
});

describe('alert delivery to displays (real aedes, real MQTT.js display)', () => {
  let broker: SensorBroker;
  let display: MqttClient;
  /** What the broker wrote to the display's connection, in order, interleaved with markers. */
  const order: string[] = [];

  beforeAll(async () => {
    const hash = await hashPassword('cab-pass');
    broker = await startSensorBroker(
      {
        vehicle: 'truck-1',
        broker: { host: '127.0.0.1', port: 0, allowAnonymous: false, maxPayloadBytes: 65536, loginFailureLimit: 20, tcp: { noDelay: true, quickAck: false, quickAckAfterMs: 2 } },
        sensors: [],
        displays: [{ username: 'cab', passwordHash: hash }],
      },
      (_who, _topic, _payload, _qos, done) => done(null),
      pino({ level: 'silent' }),
    );
    display = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.tcp}`, { clientId: 'cab-1', username: 'cab', password: 'cab-pass', reconnectPeriod: 0 });
    await display.subscribeAsync(['fleet/truck-1/alerts/#', 'fleet/truck-1/c2d'], { qos: 1 });
    // Every packet the broker writes to the display, by topic, at the moment it is written.
    const conn = (broker.aedes as unknown as { clients: Record<string, { conn: Duplex }> }).clients['cab-1']!.conn;
    const write = conn.write.bind(conn) as (chunk: Buffer, ...rest: unknown[]) => boolean;
    conn.write = ((chunk: Buffer, ...rest: unknown[]) => {
      const text = Buffer.from(chunk).toString('latin1');
      const topic = /fleet\/truck-1\/[a-z0-9/_-]+/.exec(text)?.[0];
      if (topic) order.push(`write ${topic}`);
      return write(chunk, ...rest);
    }) as Duplex['write'];
  });
  afterAll(async () => {
    await display.endAsync();
    await broker.close();
  });

  it('writes an alert to the display before event-loop work queued ahead of it, and the display gets it at QoS 1', async () => {
    order.length = 0;
    const got = new Promise<mqtt.IPublishPacket>((r) => display.once('message', (_t, _p, packet) => r(packet)));
    setImmediate(() => order.push('earlier work'));
    await broker.publishLocal('fleet/truck-1/alerts/a1', '{"state":"raised"}', { retain: true });
    expect(order.slice(0, 2)).toEqual(['write fleet/truck-1/alerts/a1', 'earlier work']);
    const packet = await got;
    expect(packet.topic).toBe('fleet/truck-1/alerts/a1');
    expect(packet.qos).toBe(1);
    expect(packet.payload.toString()).toBe('{"state":"raised"}');
  });

  it("leaves other topics on aedes's own schedule (C2D goes after work queued ahead of it)", async () => {
    order.length = 0;
    const got = new Promise<string>((r) => display.once('message', (t) => r(t)));
    setImmediate(() => order.push('earlier work'));
    await broker.publishLocal('fleet/truck-1/c2d', '{"cmd":"flush"}');
    expect(order.slice(0, 2)).toEqual(['earlier work', 'write fleet/truck-1/c2d']);
    expect(await got).toBe('fleet/truck-1/c2d');
  });

  it('still sends the retained alert state to a display that subscribes later, once', async () => {
    await broker.publishLocal('fleet/truck-1/alerts/a2', '{"state":"raised"}', { retain: true });
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.tcp}`, { clientId: 'cab-2', username: 'cab', password: 'cab-pass', reconnectPeriod: 0 });
    try {
      const seen: string[] = [];
      late.on('message', (t, _p, packet) => seen.push(`${t} retain=${packet.retain}`));
      await late.subscribeAsync('fleet/truck-1/alerts/#', { qos: 1 });
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.sort()).toEqual(['fleet/truck-1/alerts/a1 retain=true', 'fleet/truck-1/alerts/a2 retain=true']);
    } finally {
      await late.endAsync();
    }
  });
});
