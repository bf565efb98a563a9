/**
 * Hostile sensor payloads to a running gateway: garbage, deep nesting, huge arrays, msgpack that declares billions of
 * elements, NaN, wrong types, oversized, prototype pollution. Each is acknowledged (resending garbage would not make
 * it better), kept in the rejects lane with its reason, counted in fleetsync_gateway_rejects_total by reason, and
 * never crashes the gateway; good items in a mixed array are kept, and a sensor publishing good readings meanwhile
 * loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Packr } from 'msgpackr';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import { REJECT_RAW_LIMIT } from '../../edge/ingest.ts';
import { removeTempDirs, tempDir } from '../gateway/support.ts';
import { SteadySensor, counter, laneEvents, readingJson, sensorClient, startTestGateway, type TestGateway } from './gateway-kit.ts';
import { recordResult } from './support.ts';

let t: TestGateway;
let steady: SteadySensor;
let hostile: MqttClient;
const clients: MqttClient[] = [];
const TOPIC = 'fleet/truck-1/s1/reading';
// msgpack with NaN kept as a float (the sensor protocol's encoder never validates).
const packr = new Packr({ useRecords: false });

beforeAll(async () => {
  t = await startTestGateway(await tempDir());
  const port = t.gw.ports.mqtt!;
  hostile = await sensorClient(port, 's1');
  const good = await sensorClient(port, 's2');
  clients.push(hostile, good);
  steady = new SteadySensor(good, 'fleet/truck-1/s2/reading');
});

afterAll(async () => {
  await steady?.stop();
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await t?.gw.close();
  await removeTempDirs();
});

const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const reading = { v: 2, signal: 'oil_temp', value: 90, unit: 'C', sensorTime: Date.now(), quality: 'good' };

/** [name, payload, expected reject code]. */
const CASES: [string, Buffer | string, string][] = [
  ['empty payload', Buffer.alloc(0), 'empty'],
  ['random binary garbage', Buffer.from([0xc1, 0x00, 0xff, 0x13, 0x37, 0xde, 0xad]), 'bad-msgpack'],
  ['truncated JSON', '{"v":2,"signal":', 'bad-json'],
  ['JSON that is not UTF-8', Buffer.concat([Buffer.from('{"signal":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'bad-json'],
  ['objects nested 10,000 deep', nested(10_000), 'too-deep'],
  ['arrays nested 30,000 deep', `${'['.repeat(30_000)}${']'.repeat(30_000)}`, 'too-deep'],
  ['an array of 5,000 readings', JSON.stringify(Array.from({ length: 5000 }, () => ({ s: 1 }))).slice(0, 60_000).replace(/,?\{[^}]*$/, ']'), 'too-many'],
  ['msgpack declaring an array of 4 billion items', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), 'bad-msgpack'],
  ['msgpack declaring a 4 GB string', Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), 'bad-msgpack'],
  ['msgpack with NaN as the value', packr.pack({ ...reading, value: Number.NaN }), 'invalid'],
  ['msgpack with Infinity as the time', packr.pack({ ...reading, sensorTime: Number.POSITIVE_INFINITY }), 'invalid'],
  ['a number where the value should be', '{"v":2,"signal":"x","value":{"nested":true},"unit":"C","sensorTime":1714550400000,"quality":"good"}', 'invalid'],
  ['a string timestamp', JSON.stringify({ ...reading, sensorTime: '2024-05-01T00:00:00Z' }), 'invalid'],
  ['a bare number', '42', 'bad-msgpack'],
  ['a JSON string', '"hello"', 'bad-msgpack'],
  ['an oversized payload (100 KiB)', JSON.stringify({ ...reading, value: 'x'.repeat(100 * 1024) }), 'too-large'],
  ['a foreign vehicle in the body', JSON.stringify({ ...reading, vehicle: 'truck-9' }), 'topic-mismatch'],
  ['a __proto__ key', `{"__proto__":{"polluted":true},"v":2,"signal":"p","value":1,"unit":"","sensorTime":${Date.now()},"quality":"good","constructor":{"prototype":{"polluted":true}}}`, ''],
];

const rejectsWith = (events: StampedEvent[], pred: (raw: Buffer) => boolean): StampedEvent[] =>
  events.filter((e) => e.kind === 'reject' && pred(Buffer.from(e.body.raw)));

describe('hostile sensor payloads at a running gateway', () => {
  it.each(CASES)('acknowledges %s, keeps it in the rejects lane and counts it', async (_name, payload, code) => {
    const bytes = Buffer.from(payload);
    const totalBefore = await counter(t.gw, 'fleetsync_gateway_rejects_total');
    const codeBefore = code ? await counter(t.gw, 'fleetsync_gateway_rejects_total', { reason: code }) : 0;
    const lenBefore = (await laneEvents(t.gw, 'rejects')).length;
    // The PUBACK comes, so the sensor does not resend it forever.
    await hostile.publishAsync(TOPIC, bytes, { qos: 1 });
    const rejects = (await laneEvents(t.gw, 'rejects')).slice(lenBefore);
    if (code) {
      expect(rejects).toHaveLength(1);
      expect(await counter(t.gw, 'fleetsync_gateway_rejects_total', { reason: code })).toBe(codeBefore + 1);
      const r = rejects[0]!;
      if (r.kind !== 'reject') throw new Error('not a reject');
      expect(r.body.topic).toBe(TOPIC);
      expect(r.body.sensor).toBe('s1');
      expect(r.body.reason.length).toBeGreaterThan(0);
      expect(r.body.raw.length).toBeLessThanOrEqual(REJECT_RAW_LIMIT);
      expect(Buffer.from(r.body.raw)).toEqual(bytes.subarray(0, Math.min(bytes.length, REJECT_RAW_LIMIT)));
    } else {
      // Accepted or rejected, a __proto__ key must not reach any prototype.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
    expect(await counter(t.gw, 'fleetsync_gateway_rejects_total')).toBe(totalBefore + (code ? 1 : rejects.length));
    await steady.progressed(2);
  });

  it('keeps the good items of a mixed array and rejects each bad one with its index', async () => {
    const before = (await laneEvents(t.gw, 'rejects')).length;
    const items = [
      { ...reading, signal: 'mixed_ok', value: 1 },
      { ...reading, signal: 'mixed_bad', value: Number.NaN },
      { ...reading, signal: 'mixed_ok', value: 2 },
      'not an object',
    ];
    await hostile.publishAsync(TOPIC, packr.pack(items), { qos: 1 });
    const telemetry = await laneEvents(t.gw, 'telemetry');
    expect(telemetry.filter((e) => e.kind === 'reading' && e.body.signal === 'mixed_ok').map((e) => (e.kind === 'reading' ? e.body.value : 0))).toEqual([1, 2]);
    const rejects = (await laneEvents(t.gw, 'rejects')).slice(before);
    expect(rejects).toHaveLength(2);
    expect(rejects.map((e) => (e.kind === 'reject' ? e.body.reason : ''))).toEqual([expect.stringMatching(/item 1/), expect.stringMatching(/item 3/)]);
  });

  it('is the same gateway throughout: every acknowledged good reading is in the journal, every hostile payload in the rejects lane', async () => {
    await steady.stop();
    const telemetry = await laneEvents(t.gw, 'telemetry');
    const stored = new Set(telemetry.flatMap((e) => (e.kind === 'reading' && e.body.signal === 'steady_probe' ? [e.body.value as number] : [])));
    expect([...steady.acked].filter((i) => !stored.has(i))).toEqual([]);
    const rejects = await laneEvents(t.gw, 'rejects');
    for (const [name, payload, code] of CASES) {
      if (!code) continue;
      const head = Buffer.from(payload).subarray(0, 64);
      expect(rejectsWith(rejects, (raw) => raw.subarray(0, 64).equals(head)).length, name).toBeGreaterThan(0);
    }
    expect(t.gw.journal.state).toBe('open');
    recordResult('sensor-payloads', {
      hostilePayloads: CASES.length + 1,
      rejectsCounted: await counter(t.gw, 'fleetsync_gateway_rejects_total'),
      goodReadingsAcked: steady.acked.size,
      goodReadingsInJournal: stored.size,
      lost: [...steady.acked].filter((i) => !stored.has(i)).length,
    });
  });
});

// A good reading on the hostile sensor's own connection, to be sure the connection itself survived everything.
describe('the hostile sensor itself', () => {
  it('can still publish a good reading afterwards', async () => {
    await hostile.publishAsync(TOPIC, readingJson('after_all', 1), { qos: 1 });
    expect((await laneEvents(t.gw, 'telemetry')).some((e) => e.kind === 'reading' && e.body.signal === 'after_all')).toBe(true);
  });
});
