/**
 * Bad batch bytes through the hub into the pipeline: random bytes, a truncated batch, a wrong checksum, a
 * decompression bomb, a valid envelope around a payload that is not an event array, valid batches of invalid
 * events, a foreign format version, bodies that are not batches at all (JSON, text, nothing). Each is acknowledged
 * (Bronze keeps it exactly as received, so a later decoder can replay it), quarantined in Silver with a reason and
 * counted, while good batches from another gateway, interleaved with them, all reach Silver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Packr } from 'msgpackr';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import { encodeBatch } from '../../shared/wire/index.ts';
import { craft } from '../../shared/wire/test-craft.ts';
import { removeTempDirs } from '../hub/support.ts';
import { EPOCH, readingBatch, recordResult } from './support.ts';
import { num, sendBatch, sendBody, startCloudInProcess, type CloudInProcess } from './pipeline-kit.ts';

let c: CloudInProcess;
let good: MqttClient;
let bad: MqttClient;
let goodSeq = 1;
const GOOD_PER_BATCH = 20;

beforeAll(async () => {
  c = await startCloudInProcess();
  good = await c.device('gw-good');
  bad = await c.device('gw-bad');
});

afterAll(async () => {
  await c?.close();
  await removeTempDirs();
});

async function sendGood(): Promise<void> {
  await sendBatch(good, 'gw-good', readingBatch('gw-good', 'truck-good', goodSeq, GOOD_PER_BATCH));
  goodSeq += GOOD_PER_BATCH;
}

const T = Date.now();
const valid = readingBatch('gw-bad', 'truck-bad', 1, 10).bytes;
const withByte = (b: Uint8Array, at: number, xor: number): Uint8Array => {
  const out = Uint8Array.from(b);
  out[at]! ^= xor;
  return out;
};
const badHeader = { gatewayId: 'gw-bad', epoch: EPOCH, lane: 'telemetry' as const, createdAt: T };
const invalidEvents: StampedEvent[] = [
  { seq: 500, rt: T, kind: 'reading', body: { v: 2, signal: 'no_unit', value: 1, sensorTime: T, quality: 'good' } as never },
  { seq: 501, rt: T, kind: 'reading', body: { v: 2, vehicle: 'truck-bad', sensor: 's', signal: 'nan', value: Number.NaN, unit: 'C', sensorTime: T, quality: 'good' } },
  { seq: 502, rt: T, kind: 'position', body: { v: 2, vehicle: 'truck-bad', sensor: 'gps', lat: 123, lon: 4, sensorTime: T } },
];

/** [name, body, reason in quarantine, detail pattern]. */
const CASES: [string, Uint8Array, string, RegExp][] = [
  ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 131 + 7) & 0xff), 'undecodable_batch', /magic/],
  ['a truncated batch', valid.subarray(0, Math.floor(valid.length / 2)), 'undecodable_batch', /truncated/],
  ['a batch with a flipped payload byte (wrong checksum)', withByte(valid, valid.length - 10, 0x40), 'undecodable_batch', /checksum/],
  [
    'a decompression bomb (declares 1,000 bytes, inflates to 8 MiB)',
    craft({ header: { ...badHeader, firstSeq: 900, lastSeq: 900, count: 1 }, raw: new Uint8Array(8 * 1024 * 1024), rawLength: 1000, quality: 1 }),
    'undecodable_batch',
    /bomb/,
  ],
  ['a valid envelope around a payload that is not an array', craft({ header: { ...badHeader, firstSeq: 910, lastSeq: 910, count: 1 }, raw: new Packr().pack(42) }), 'undecodable_batch', /types/],
  ['a valid envelope around bytes that are not MessagePack', craft({ header: { ...badHeader, firstSeq: 920, lastSeq: 920, count: 1 }, raw: Uint8Array.from([0xc1, 0xc1, 0xc1]) }), 'undecodable_batch', /corrupt/],
  ['format version 2', (() => { const b = Uint8Array.from(valid); b[4] = 2; return b; })(), 'undecodable_batch', /version/],
  ['a JSON document', new TextEncoder().encode('{"temp":-19,"ts":1714550400000}'), 'undecodable_batch', /magic/],
  ['an empty body', new Uint8Array(0), 'undecodable_batch', /truncated|magic/],
  ['a valid batch of invalid events', encodeBatch(badHeader, invalidEvents), 'invalid_contract', /./],
];


describe('hostile batch bytes through the hub into the pipeline', () => {
  // Found by this suite: Gold refresh used to throw for a vehicle-day with readings but no positions (DuckDB's
  // getColumns() returns [] for an empty result), failing every processing run after Silver.
  it('brings Gold up to date for a vehicle-day that has readings but no positions', async () => {
    await sendGood();
    await c.pipeline.processPending();
    expect(c.pipeline.error).toBeNull();
    expect((await c.pipeline.queries.counts()).gold.vehicleDays).toBeGreaterThan(0);
  });

  it.each(CASES)('acknowledges %s, keeps it in Bronze as received and quarantines it with a reason', async (name, body, reason, detail) => {
    const id = `bad-${CASES.findIndex((x) => x[0] === name)}`;
    const before = await c.pipeline.queries.counts();
    await sendGood();
    await sendBody(bad, 'gw-bad', body, id);
    await sendGood();
    await c.settle();

    const rows = await c.sql(`SELECT bronze_id, body FROM bronze_batches WHERE device_id = 'gw-bad' AND message_id = '${id}'`);
    expect(rows).toHaveLength(1);
    const [bronzeId, stored] = rows[0]!;
    expect(Buffer.from((stored as { bytes: Uint8Array }).bytes)).toEqual(Buffer.from(body));
    const q = await c.sql(`SELECT reason, detail FROM quarantine WHERE bronze_id = ${Number(bronzeId)}`);
    expect(q.length).toBeGreaterThan(0);
    for (const [r, d] of q) {
      expect(r).toBe(reason);
      expect(String(d)).toMatch(detail);
    }
    const after = await c.pipeline.queries.counts();
    expect(after.quality.byReason[reason] ?? 0).toBe((before.quality.byReason[reason] ?? 0) + q.length);
    expect(after.silver.quarantined).toBe(before.silver.quarantined + q.length);
    // The good batches on either side were processed.
    expect(after.silver.readings).toBe(before.silver.readings + 2 * GOOD_PER_BATCH);
    expect(c.pipeline.error).toBeNull();
  });

  it('has every good reading in Silver exactly once, and the bad device is still connected and served', async () => {
    await sendBatch(bad, 'gw-bad', readingBatch('gw-bad', 'truck-bad', 1, 10));
    await c.settle();
    const [[n, distinct]] = (await c.sql(`SELECT count(*), count(DISTINCT seq) FROM silver_readings WHERE vehicle = 'truck-good'`)) as [[bigint, bigint]];
    expect(Number(n)).toBe(goodSeq - 1);
    expect(Number(distinct)).toBe(goodSeq - 1);
    expect(num(await c.sql(`SELECT min(seq) FROM silver_readings WHERE vehicle = 'truck-good'`))).toBe(1);
    expect(num(await c.sql(`SELECT count(*) FROM silver_readings WHERE vehicle = 'truck-bad'`))).toBe(10);
    const counts = await c.pipeline.queries.counts();
    recordResult('hostile-batches', {
      hostileBodies: CASES.length,
      bronzeRowsOfHostile: num(await c.sql(`SELECT count(*) FROM bronze_batches WHERE message_id LIKE 'bad-%'`)),
      quarantinedByReason: counts.quality.byReason,
      goodReadingsSent: goodSeq - 1,
      goodReadingsInSilver: Number(n),
      lost: goodSeq - 1 - Number(distinct),
    });
  });
});
