import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSensorBroker, type SensorBroker } from './sensor-broker.ts';
import { hashPassword } from './password.ts';
import { quickAckMode } from '../../test/support/tcp-state.ts';

const log = pino({ level: 'silent' });

/** A self-signed certificate for 127.0.0.1, made with the system's openssl as the embedded hub makes its own. */
function makeCert(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { certFile, keyFile };
}

describe('sensor broker listeners: TCP, TLS and WebSocket (real aedes, real MQTT.js clients)', () => {
  let dir: string;
  let ca: Buffer;
  let broker: SensorBroker;
  const stored: string[] = [];
  let hold: ((done: () => void) => void) | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sensor-listeners-'));
    const { certFile, keyFile } = makeCert(dir);
    ca = readFileSync(certFile);
    broker = await startSensorBroker(
      {
        vehicle: 'truck-1',
        broker: {
          host: '127.0.0.1', port: 0, allowAnonymous: false, maxPayloadBytes: 65536, loginFailureLimit: 20,
          tls: { port: 0, certFile, keyFile }, websocket: { port: 0, path: '/mqtt' }, tcp: { noDelay: true, quickAck: true, quickAckAfterMs: 2 },
        },
        sensors: [{ id: 'ecu', username: 'ecu-user', passwordHash: await hashPassword('ecu-pass') }],
        displays: [],
      },
      (_who, topic, _payload, _qos, done) => {
        const store = (): void => {
          stored.push(topic);
          done(null);
        };
        if (hold && topic.endsWith('/position')) hold(store);
        else store();
      },
      log,
    );
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> =>
    mqtt.connectAsync(url, { username: 'ecu-user', password: 'ecu-pass', reconnectPeriod: 0, connectTimeout: 5000, ...opts });

  it('stores a sensor reading that arrives over TLS', async () => {
    const c = await connect(`mqtts://127.0.0.1:${broker.ports.tls}`, { ca });
    await c.publishAsync('fleet/truck-1/ecu/reading', '{}', { qos: 1 });
    expect(stored).toContain('fleet/truck-1/ecu/reading');
    await c.endAsync();
  });

  it('stores a sensor reading that arrives over WebSocket', async () => {
    const before = stored.length;
    const c = await connect(`ws://127.0.0.1:${broker.ports.ws}/mqtt`);
    await c.publishAsync('fleet/truck-1/ecu/reading', '{}', { qos: 1 });
    expect(stored.length).toBe(before + 1);
    await c.endAsync();
  });

  it('counts and closes a connection whose TLS handshake fails', async () => {
    const before = broker.counters.connectionErrors;
    const s = tlsConnect({ host: '127.0.0.1', port: broker.ports.tls!, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'NULL' });
    await new Promise<void>((r) => {
      s.once('error', () => r());
      s.once('close', () => r());
    });
    s.destroy();
    for (let i = 0; i < 100 && broker.counters.connectionErrors === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(broker.counters.connectionErrors).toBe(before + 1);
  });

  it.runIf(process.platform === 'linux').each(['mqtt', 'mqtts'] as const)(
    'ACKs %s segments within quickAckAfterMs while a PUBACK waits for the store (quick ACKs)',
    async (scheme) => {
      const clientId = `quickack-${scheme}`;
      const port = scheme === 'mqtt' ? broker.ports.tcp : broker.ports.tls;
      const c = await connect(`${scheme}://127.0.0.1:${port}`, { ca, clientId });
      // PUBACKs that follow their PUBLISH at once put Linux's side of the connection in delayed-ACK mode...
      for (let i = 0; i < 20; i++) await c.publishAsync('fleet/truck-1/ecu/reading', '{}', { qos: 1 });
      const held = new Promise<() => void>((r) => (hold = r));
      const acked = c.publishAsync('fleet/truck-1/ecu/position', '{}', { qos: 1 });
      const release = await held;
      // ...but with the PUBACK held, the segment must still be ACKed soon, or the sensor's Nagle holds its next PUBLISH.
      const conn = (broker.aedes as unknown as { clients: Record<string, { conn: unknown }> }).clients[clientId]!.conn;
      const calls = broker.quickAcks();
      for (let i = 0; i < 200 && quickAckMode(conn) !== 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(quickAckMode(conn)).toBe(1);
      expect(broker.quickAcks()).toBeGreaterThan(calls); // sent after the read, because nothing answered it
      hold = null;
      release();
      await acked;
      await c.endAsync();
    },
  );
});
