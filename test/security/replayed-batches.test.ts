/**
 * Replayed batches: a device sends a batch it already sent, with the same message id and with a new one, whole or
 * overlapping. The hub acknowledges (the device must stop resending), Bronze recognises the repeat and counts it
 * instead of storing it again, and Silver counts every event once: deduplication is by (device, epoch, lane, seq)
 * from the content, so a new message id buys nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { removeTempDirs } from '../hub/support.ts';
import { readingBatch, recordResult } from '../reliability/support.ts';
import { num, sendBatch, sendBody, startCloudInProcess, type CloudInProcess } from '../reliability/pipeline-kit.ts';

let c: CloudInProcess;
let dev: MqttClient;

beforeAll(async () => {
  c = await startCloudInProcess();
  dev = await c.device('gw-replay');
});

afterAll(async () => {
  await c?.close();
  await removeTempDirs();
});

const silverCount = async (vehicle: string): Promise<[number, number]> => {
  const [[n, d]] = (await c.sql(`SELECT count(*), count(DISTINCT seq) FROM silver_readings WHERE vehicle = '${vehicle}'`)) as [[bigint, bigint]];
  return [Number(n), Number(d)];
};
const bronzeRows = async (vehicleDevice: string): Promise<number> => num(await c.sql(`SELECT count(*) FROM bronze_batches WHERE device_id = '${vehicleDevice}'`));

describe('replayed batches', () => {
  it('counts a batch sent twice with the same message id once in Silver, and once in Bronze', async () => {
    const b = readingBatch('gw-replay', 'truck-a', 1, 50);
    const dupBefore = c.pipeline.bronzeStats.duplicates;
    await sendBatch(dev, 'gw-replay', b);
    await sendBatch(dev, 'gw-replay', b);
    await c.settle();
    expect(await silverCount('truck-a')).toEqual([50, 50]);
    expect(await bronzeRows('gw-replay')).toBe(1);
    expect(c.pipeline.bronzeStats.duplicates).toBe(dupBefore + 1);
    expect(num(await c.sql(`SELECT sum(batches) FROM bronze_duplicates WHERE device_id = 'gw-replay'`))).toBe(1);
  });

  it('counts the same batch under a different message id once as well', async () => {
    const b = readingBatch('gw-replay', 'truck-a', 51, 50);
    await sendBatch(dev, 'gw-replay', b);
    await sendBatch(dev, 'gw-replay', b, 'a-fresh-message-id');
    await sendBatch(dev, 'gw-replay', b, 'another-one');
    await c.settle();
    expect(await silverCount('truck-a')).toEqual([100, 100]);
    expect(await bronzeRows('gw-replay')).toBe(2);
    expect(num(await c.sql(`SELECT sum(batches) FROM bronze_duplicates WHERE device_id = 'gw-replay'`))).toBe(3);
  });

  it('stores an overlapping replay (it carries new events) and still counts each event once in Silver', async () => {
    await sendBatch(dev, 'gw-replay', readingBatch('gw-replay', 'truck-a', 80, 40)); // 80..119: 80..100 seen before
    await c.settle();
    expect(await silverCount('truck-a')).toEqual([119, 119]);
    // Silver's own duplicate count shows what the overlap carried again.
    expect(num(await c.sql(`SELECT sum(duplicates) FROM silver_streams WHERE gateway = 'gw-replay'`))).toBe(21);
  });

  it('keeps the streams of two devices apart: the same epoch and seqs from another device are not duplicates', async () => {
    const other = await c.device('gw-other');
    await sendBatch(other, 'gw-other', readingBatch('gw-other', 'truck-b', 1, 50));
    await c.settle();
    expect(await silverCount('truck-b')).toEqual([50, 50]);
    expect(await silverCount('truck-a')).toEqual([119, 119]);
  });

  it('stores a repeated non-batch body once per message id (no content key to deduplicate on), and quarantines it', async () => {
    const body = new TextEncoder().encode('not a batch');
    await sendBody(dev, 'gw-replay', body, 'opaque-1');
    await sendBody(dev, 'gw-replay', body, 'opaque-1');
    await sendBody(dev, 'gw-replay', body, 'opaque-2');
    await c.settle();
    expect(num(await c.sql(`SELECT count(*) FROM bronze_batches WHERE message_id IN ('opaque-1', 'opaque-2')`))).toBe(2);
    expect(num(await c.sql(`SELECT count(*) FROM quarantine q JOIN bronze_batches b USING (bronze_id) WHERE b.message_id LIKE 'opaque-%'`))).toBe(2);
    const counts = await c.pipeline.queries.counts();
    recordResult('replayed-batches', {
      readingsSent: 50 + 50 * 3 + 40 + 50,
      distinctReadings: 169,
      silverReadings: counts.silver.readings,
      bronzeDuplicateBatches: counts.bronze.duplicateBatches,
      doubleCounted: counts.silver.readings - 169,
    });
    expect(counts.silver.readings).toBe(169);
  });
});
