import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { batchPubacks } from './batched-pubacks.ts';
import { startSensorBroker, type SensorBroker } from './sensor-broker.ts';

interface Packet {
  cmd: string;
  messageId?: number;
  topic?: string;
  payload?: Buffer;
  qos?: number;
  dup?: boolean;
  retain?: boolean;
}
interface MqttPacket {
  writeToStream(packet: Packet, stream: Writable): boolean;
  generate(packet: Packet): Buffer;
  parser(): { on(e: 'packet', cb: (p: Packet) => void): void; parse(b: Buffer): number };
}
// The copy aedes writes with, which batchPubacks patches.
const mqttPacket = createRequire(createRequire(import.meta.url).resolve('aedes'))('mqtt-packet') as MqttPacket;

class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void {
    for (const c of chunks) this.chunks.push(Buffer.from(c.chunk));
    cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const puback = (messageId: number): Packet => ({ cmd: 'puback', messageId });
const publish = (messageId: number): Packet => ({ cmd: 'publish', topic: 'fleet/truck-1/alerts/x', payload: Buffer.from('{}'), qos: 1, messageId, dup: false, retain: false });

describe('batched PUBACKs (pure stream level)', () => {
  it('writes the PUBACKs of one tick to a registered connection as one buffer, in order', async () => {
    const s = new Sink();
    batchPubacks(s);
    for (const id of [1, 2, 300, 65535]) expect(mqttPacket.writeToStream(puback(id), s)).toBe(true);
    expect(s.chunks).toHaveLength(0); // nothing before the tick ends
    await tick();
    expect(s.chunks).toHaveLength(1);
    expect(s.bytes()).toEqual(Buffer.concat([1, 2, 300, 65535].map((id) => mqttPacket.generate(puback(id)))));
  });

  it('flushes queued PUBACKs before any other packet, so the bytes keep the order they were written in', async () => {
    const s = new Sink();
    batchPubacks(s);
    const sequence = [puback(1), puback(2), publish(7), puback(3), { cmd: 'pingresp' }, puback(4)];
    for (const p of sequence) mqttPacket.writeToStream(p, s);
    await tick();
    expect(s.bytes()).toEqual(Buffer.concat(sequence.map((p) => mqttPacket.generate(p))));
  });

  it('leaves connections that were not registered to mqtt-packet as it is', async () => {
    const plain = new Sink();
    batchPubacks(new Sink()); // installs the patch
    mqttPacket.writeToStream(puback(9), plain);
    await tick();
    expect(plain.bytes()).toEqual(mqttPacket.generate(puback(9)));
    expect(plain.chunks.length).toBeGreaterThan(1); // mqtt-packet's own three writes
  });

  it('drops the queued PUBACKs of a connection destroyed before the flush, without throwing', async () => {
    const s = new Sink();
    batchPubacks(s);
    const other = new Sink();
    batchPubacks(other);
    mqttPacket.writeToStream(puback(1), s);
    mqttPacket.writeToStream(puback(2), other);
    s.destroy();
    await tick();
    expect(s.chunks).toHaveLength(0);
    expect(other.bytes()).toEqual(mqttPacket.generate(puback(2)));
  });

  it('hands ids mqtt-packet would refuse to mqtt-packet, which closes the connection', async () => {
    const s = new Sink();
    batchPubacks(s);
    const closed = new Promise<Error>((r) => s.once('error', r));
    mqttPacket.writeToStream({ cmd: 'puback' }, s);
    expect((await closed).message).toMatch(/Invalid messageId/);
  });
});

describe('batched PUBACKs in the sensor broker (real aedes, raw TCP client)', () => {
  let broker: SensorBroker | undefined;
  let sock: Socket | undefined;
  afterEach(async () => {
    sock?.destroy();
    await broker?.close();
  });

  it('acknowledges a burst released by one commit with every id once, in publish order', async () => {
    const held: Array<() => void> = [];
    broker = await startSensorBroker(
      {
        vehicle: 'truck-1',
        broker: { host: '127.0.0.1', port: 0, allowAnonymous: true, maxPayloadBytes: 65536, loginFailureLimit: 20, tcp: { noDelay: true, quickAck: false, quickAckAfterMs: 2 } },
        sensors: [],
        displays: [],
      },
      (_who, _topic, _payload, _qos, done) => {
        held.push(() => done(null)); // released together, as a journal commit does
      },
      pino({ level: 'silent' }),
    );
    const s = tcpConnect(broker.ports.tcp, '127.0.0.1');
    sock = s;
    const got: Packet[] = [];
    const parser = mqttPacket.parser();
    parser.on('packet', (p) => got.push(p));
    s.on('data', (b: Buffer) => parser.parse(b));
    await new Promise((r) => s.once('connect', r));
    const ids = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 60000) + 1); // not in numeric order
    s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'burst', keepalive: 0 } as Packet));
    await expect.poll(() => got.some((p) => p.cmd === 'connack'), { timeout: 5000 }).toBe(true); // aedes queues only 42 packets before it
    s.write(Buffer.concat(ids.map((id) => mqttPacket.generate({ ...publish(id), topic: 'fleet/truck-1/ecu/reading' }))));
    await expect.poll(() => held.length, { timeout: 5000 }).toBe(ids.length);
    for (const release of held.splice(0)) release();
    await expect.poll(() => got.filter((p) => p.cmd === 'puback').length, { timeout: 5000 }).toBe(ids.length);
    expect(got.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual(ids);
  });

  it('acknowledges publishes over WebSocket too (MQTT.js client)', async () => {
    broker = await startSensorBroker(
      {
        vehicle: 'truck-1',
        broker: { host: '127.0.0.1', port: 0, allowAnonymous: true, maxPayloadBytes: 65536, loginFailureLimit: 20, tcp: { noDelay: true, quickAck: false, quickAckAfterMs: 2 }, websocket: { port: 0, path: '/mqtt' } },
        sensors: [],
        displays: [],
      },
      (_who, _topic, _payload, _qos, done) => done(null),
      pino({ level: 'silent' }),
    );
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${broker.ports.ws}/mqtt`, { reconnectPeriod: 0 });
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => c.publishAsync('fleet/truck-1/ecu/reading', `{"signal":"x","value":${i}}`, { qos: 1 })));
    } finally {
      await c.endAsync();
    }
  });
});
