/** The bench's lean background publisher speaks real MQTT: a real aedes broker acknowledges and relays its messages. */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPublisher } from '../../bench/suites/raw-publisher.ts';

let broker: Aedes;
let server: ReturnType<typeof createServer>;
let port = 0;
beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

describe('RawPublisher', () => {
  it('publishes QoS 1 messages that the broker acknowledges and delivers intact, packet ids wrapping', async () => {
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const got: string[] = [];
    sub.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await sub.subscribeAsync('fleet/#', { qos: 1 });
    const pub = await RawPublisher.connect(port, 'raw-test');
    const n = 300;
    // More than 255 in flight: two-byte packet ids and multi-byte remaining lengths are exercised.
    const long = 'x'.repeat(200);
    await Promise.all(Array.from({ length: n }, (_, i) => pub.publish(`fleet/t/s${i % 3}/reading`, `{"i":${i},"pad":"${long}"}`)));
    while (got.length < n) await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(n);
    expect(got[0]).toBe(`fleet/t/s0/reading {"i":0,"pad":"${long}"}`);
    expect(new Set(got).size).toBe(n);
    await pub.end();
    await sub.endAsync();
  });
});
