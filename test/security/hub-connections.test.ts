/**
 * Hostile connections to the embedded IoT Hub endpoint, byte by byte over TLS: garbage, unsupported protocol levels,
 * a packet declaring 256 MB, CONNECT without credentials, PUBLISH before CONNECT, peers that never finish their
 * handshake or CONNECT, forged / expired / other-device tokens, a disabled device, path-traversal device ids.
 * Each one is refused or cut off with a logged reason and a counter, and a real SDK device keeps sending through
 * all of it on the same endpoint: every message it got acknowledged is in the sink.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { signSasToken, deviceResource } from '../../cloud/hub/sas.ts';
import { RegistryError } from '../../cloud/hub/registry.ts';
import { main } from '../../cli/main.ts';
import {
  Message, addDevice, closeQuietly, openDevice, rawConnect, removeTempDirs, startTestHub, type DeviceClient, type LogRecord, type TestHub,
} from '../hub/support.ts';
import { closesWithin, connackCode, connectPacket, publishPacket, rawTcp, rawTls, waitFor } from '../reliability/support.ts';

const CONNECT_TIMEOUT_MS = 1500;
let t: TestHub;
let good: DeviceClient;
let goodKey = '';
const acked = new Set<string>();
let sending = true;
let sender: Promise<void>;

beforeAll(async () => {
  t = await startTestHub({ connectTimeoutMs: CONNECT_TIMEOUT_MS, authFailures: { limit: 0 } });
  good = await openDevice(await addDevice(t.hub, 'truck-good'), t.hub.caPem);
  goodKey = (await t.hub.registry.get('truck-good'))!.primaryKey;
  let n = 0;
  sender = (async () => {
    while (sending) {
      const id = `good-${++n}`;
      const msg = new Message(JSON.stringify({ n }));
      msg.messageId = id;
      await good.sendEvent(msg).then(() => acked.add(id), () => undefined);
      await sleep(50);
    }
  })();
});

afterAll(async () => {
  sending = false;
  await sender;
  await closeQuietly(good);
  await t?.hub.stop();
  await removeTempDirs();
});

/** The SDK device is still served: a few more of its messages get acknowledged. */
async function goodTrafficFlows(): Promise<void> {
  const before = acked.size;
  await waitFor('the good device to keep sending', () => acked.size >= before + 3, 15_000);
}

const logged = (pred: (r: LogRecord) => boolean): Promise<LogRecord> => waitFor('the log record', () => t.records.find(pred), 10_000);
const token = (deviceId: string, key: string, expiry = Math.floor(Date.now() / 1000) + 3600): string =>
  signSasToken(deviceResource(t.hub.hubName, deviceId), key, expiry);
const userOf = (deviceId: string): string => `${t.hub.hubName}/${deviceId}/?api-version=2021-04-12`;
const errors = (kind: string): number => t.hub.counters.connectionErrors[kind as 'protocol-error'] ?? 0;
const refused = (reason: string): number => t.hub.counters.refused[reason as 'wrong-key'] ?? 0;

describe('malformed and hostile MQTT at the hub endpoint', () => {
  it('closes a connection that sends garbage, and logs it', async () => {
    const before = errors('protocol-error');
    const s = await rawTls(t.hub.port, t.hub.caPem);
    await s.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage'));
    expect(await closesWithin(s, 5000)).toBe(true);
    expect(connackCode(s.received())).toBeNull();
    await logged((r) => r.event === 'connection-error' && r.kind === 'protocol-error');
    expect(errors('protocol-error')).toBeGreaterThan(before);
    await goodTrafficFlows();
  });

  it('refuses MQTT 5 and an unknown protocol level', async () => {
    const before = errors('protocol-error');
    const v5 = await rawTls(t.hub.port, t.hub.caPem);
    await v5.send(connectPacket({ clientId: 'truck-good', username: userOf('truck-good'), password: token('truck-good', goodKey), protocolLevel: 5 }));
    expect(await closesWithin(v5, 5000)).toBe(true);
    // MQTT 3.1.1's answer to a level it does not speak: CONNACK 1 (unacceptable protocol version), then close.
    expect(connackCode(v5.received())).toBe(1);

    const v99 = await rawTls(t.hub.port, t.hub.caPem);
    await v99.send(connectPacket({ clientId: 'truck-good', username: userOf('truck-good'), password: token('truck-good', goodKey), protocolLevel: 99 }));
    expect(await closesWithin(v99, 5000)).toBe(true);
    expect(connackCode(v99.received())).toBeNull();
    await waitFor('both counted', () => errors('protocol-error') >= before + 2);
    expect(t.records.filter((r) => r.event === 'connection-error' && /protocol/i.test(String(r.err))).length).toBeGreaterThan(0);
    // The real device with the same id was not disturbed by either attempt.
    expect(t.hub.connectedDevices()).toContain('truck-good');
    await goodTrafficFlows();
  });

  it('cuts off a packet declaring 256 MB at its header instead of buffering it', async () => {
    const before = errors('packet-too-large');
    const rssBefore = process.memoryUsage().rss;
    const s = await rawTls(t.hub.port, t.hub.caPem);
    // CONNECT with the largest remaining length MQTT can express (268,435,455 bytes), then a stream of filler.
    await s.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    const sent = await s.stream(64 * 1024 * 1024);
    expect(s.isClosed() || (await closesWithin(s, 5000))).toBe(true);
    // The connection died long before the 64 MB were through (TCP buffers hold a few MB at most).
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    const r = await logged((x) => x.event === 'connection-error' && x.kind === 'packet-too-large');
    expect(r.declared).toBe(268_435_455);
    expect(errors('packet-too-large')).toBe(before + 1);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    await goodTrafficFlows();
  });

  it('cuts off an authenticated device that declares a huge PUBLISH, and refuses one just over the body limit with its reason', async () => {
    await t.hub.registry.add('truck-big');
    const key = (await t.hub.registry.get('truck-big'))!.primaryKey;
    const s = await rawTls(t.hub.port, t.hub.caPem);
    await s.send(connectPacket({ clientId: 'truck-big', username: userOf('truck-big'), password: token('truck-big', key) }));
    await waitFor('CONNACK 0', () => connackCode(s.received()) === 0, 5000);
    await s.send(Buffer.from([0x32, 0xff, 0xff, 0xff, 0x7f]));
    await s.stream(8 * 1024 * 1024);
    expect(await closesWithin(s, 5000)).toBe(true);
    expect(t.sink.messages.some((m) => m.deviceId === 'truck-big')).toBe(false);

    const mq = await rawConnect({ hub: t.hub, clientId: 'truck-big', key });
    const closed = new Promise<void>((r) => mq.once('close', () => r()));
    mq.publish('devices/truck-big/messages/events/', Buffer.alloc(256 * 1024 + 1), { qos: 1 });
    await closed;
    mq.end(true);
    await logged((r) => r.event === 'publish-refused' && r.reason === 'message-too-large' && r.deviceId === 'truck-big');
    expect(refused('message-too-large')).toBeGreaterThan(0);
    await goodTrafficFlows();
  });

  it('answers CONNECT without credentials with CONNACK 5 and logs missing-token', async () => {
    const before = refused('missing-token');
    const s = await rawTls(t.hub.port, t.hub.caPem);
    await s.send(connectPacket({ clientId: 'truck-good' }));
    expect(await closesWithin(s, 5000)).toBe(true);
    expect(connackCode(s.received())).toBe(5);
    await logged((r) => r.event === 'connect-refused' && r.reason === 'missing-token' && r.address === '127.0.0.1');
    expect(refused('missing-token')).toBe(before + 1);
    await goodTrafficFlows();
  });

  it('closes a connection whose first packet is a PUBLISH, and stores nothing of it', async () => {
    const before = errors('protocol-error');
    const s = await rawTls(t.hub.port, t.hub.caPem);
    await s.send(publishPacket('devices/truck-good/messages/events/', 'sneaky', 1));
    expect(await closesWithin(s, 5000)).toBe(true);
    expect(connackCode(s.received())).toBeNull();
    await waitFor('the error counted', () => errors('protocol-error') > before);
    expect(t.sink.messages.some((m) => Buffer.from(m.body).toString() === 'sneaky')).toBe(false);
    await goodTrafficFlows();
  });

  it('closes peers that stall: no TLS handshake, no CONNECT, half a CONNECT', async () => {
    const before = errors('connect-timeout');
    const tcp = await rawTcp(t.hub.port); // never starts TLS
    const idle = await rawTls(t.hub.port, t.hub.caPem); // TLS, then silence
    const half = await rawTls(t.hub.port, t.hub.caPem);
    await half.send(connectPacket({ clientId: 'truck-good' }).subarray(0, 7));
    for (const [name, s] of Object.entries({ tcp, idle, half })) expect(await closesWithin(s, CONNECT_TIMEOUT_MS + 5000), name).toBe(true);
    await waitFor('the timeouts counted', () => errors('connect-timeout') >= before + 3, 5000);
    await logged((r) => r.event === 'connection-error' && r.kind === 'connect-timeout');
    await goodTrafficFlows();
  });
});

describe('credentials at the hub endpoint', () => {
  it.each([
    ['forged (signed with another key)', 'wrong-key', () => ({ clientId: 'truck-good', password: token('truck-good', Buffer.alloc(32, 7).toString('base64')) })],
    ['expired', 'expired-token', () => ({ clientId: 'truck-good', password: token('truck-good', goodKey, Math.floor(Date.now() / 1000) - 5) })],
    ['another device\'s', 'token-for-other-device', () => ({ clientId: 'truck-other', password: token('truck-good', goodKey) })],
    ['a non-SAS password', 'malformed-token', () => ({ clientId: 'truck-good', password: "' OR 1=1 --" })],
  ])('refuses a %s token with CONNACK 5 and logs %s', async (_what, reason, make) => {
    const before = refused(reason);
    const o = make();
    const s = await rawTls(t.hub.port, t.hub.caPem);
    await s.send(connectPacket({ clientId: o.clientId, username: userOf(o.clientId), password: o.password }));
    expect(await closesWithin(s, 5000)).toBe(true);
    expect(connackCode(s.received())).toBe(5);
    await logged((r) => r.event === 'connect-refused' && r.reason === reason && r.deviceId === o.clientId);
    expect(refused(reason)).toBe(before + 1);
    expect(t.hub.connectedDevices()).toContain('truck-good');
    await goodTrafficFlows();
  });

  it('refuses a disabled device even with its genuine key, and lets it in again once enabled', async () => {
    await t.hub.registry.add('truck-off');
    const key = (await t.hub.registry.get('truck-off'))!.primaryKey;
    await t.hub.registry.setDisabled('truck-off', true);
    await expect(rawConnect({ hub: t.hub, clientId: 'truck-off', key })).rejects.toMatchObject({ code: 5 });
    await logged((r) => r.event === 'connect-refused' && r.reason === 'disabled-device' && r.deviceId === 'truck-off');
    await t.hub.registry.setDisabled('truck-off', false);
    const c = await rawConnect({ hub: t.hub, clientId: 'truck-off', key });
    c.end(true);
    await goodTrafficFlows();
  });

  it('refuses path-traversal and injection ids at CONNECT and in the registry, creating nothing', async () => {
    for (const id of ['../../etc', '..', 'a\'; DROP TABLE x;--', 'truck-good/../truck-other', '$iothub']) {
      const s = await rawTls(t.hub.port, t.hub.caPem);
      await s.send(connectPacket({ clientId: id, username: userOf(id), password: token(id, goodKey) }));
      expect(await closesWithin(s, 5000)).toBe(true);
      expect(connackCode(s.received())).toBe(5);
      await logged((r) => r.event === 'connect-refused' && r.deviceId === id);
      await expect(t.hub.registry.add(id)).rejects.toSatisfy((e: unknown) => e instanceof RegistryError && e.code === 'INVALID_ID');
      // The same through `fleetsync hub add-device`, run against the live endpoint's folder: one line, exit code 2.
      let stderr = '';
      const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(await main(['hub', 'add-device', id, '--data', t.dataDir])).toBe(2);
      } finally {
        err.mockRestore();
        out.mockRestore();
        process.exitCode = undefined;
      }
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr.startsWith(`fleetsync: invalid device id '${id}': 1-128 of `)).toBe(true);
    }
    expect((await t.hub.registry.list()).map((d) => d.deviceId).sort()).toEqual(['truck-big', 'truck-good', 'truck-off']);
    await goodTrafficFlows();
  });
});

describe('the good device throughout', () => {
  it('had every acknowledged message stored, and the endpoint never stopped serving it', async () => {
    sending = false;
    await sender;
    const stored = new Set(t.sink.messages.filter((m) => m.deviceId === 'truck-good').map((m) => m.system.messageId));
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
    expect(acked.size).toBeGreaterThan(30);
    expect(t.records.filter((r) => r.event === 'device-disconnected' && r.deviceId === 'truck-good')).toEqual([]);
  });
});
