/**
 * Resent sensor items: a gateway that crashed between journalling a QoS 1 reading and its PUBACK journals the
 * sensor's resend as a new event with a new seq. Silver keeps one copy per natural key and content (the lowest
 * seq), in one batch, across batches, across a restart, whatever the delivery order, and replay reproduces it.
 * Real DuckDB files in temp folders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import { DEVICE, FakeGateway, hubMessage, position, reading, readingV1, tempDir, VEHICLE, INGEST_DEPENDENT } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(dir?: string, settings: Record<string, unknown> = {}): Promise<Pipeline> {
  let d = dir;
  if (d === undefined) {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    d = t.dir;
  }
  const p = await openPipeline({ dataDir: d, settings: { export: { enabled: false }, ...settings }, newPseudonym: (id) => `drv_${id}` });
  // Closed before its folder is removed (cleanups run last-in first-out).
  cleanups.push(() => p.close().catch(() => undefined));
  return p;
}

const T = Date.UTC(2024, 2, 4, 6);
const DAY = 86_400_000;
/** The gateway came back 40 s after the crash: the resend's receive stamp. */
const RESTART = T + 40_000;

/**
 * A telemetry lane with a gateway crash: seqs 1-4 before it (the reading at T + 2000 and the position at T + 3000
 * were journalled but not acknowledged), then the sensors' resends of those two (seqs 5-6, stamped after the
 * restart), then new data (seqs 7-8).
 */
function crashedLane(gw = new FakeGateway()): { gw: FakeGateway; before: StampedEvent[]; resent: StampedEvent[]; after: StampedEvent[] } {
  const before = gw.stamp('telemetry', [
    reading(VEHICLE, 'engine_speed', 800, 'rpm', T),
    reading(VEHICLE, 'engine_speed', 810, 'rpm', T + 1000),
    reading(VEHICLE, 'coolant_temp', 88.5, 'C', T + 2000),
    position(VEHICLE, 50.1, 4.2, T + 3000, 42),
  ]);
  const resent = gw.stamp('telemetry', [
    { ...reading(VEHICLE, 'coolant_temp', 88.5, 'C', T + 2000), rt: RESTART },
    { ...position(VEHICLE, 50.1, 4.2, T + 3000, 42), rt: RESTART + 5 },
  ]);
  const after = gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 820, 'rpm', T + 45_000), position(VEHICLE, 50.2, 4.2, T + 46_000, 40)]);
  return { gw, before, resent, after };
}

async function seqs(p: Pipeline, table: string): Promise<number[]> {
  const conn = await p.connect();
  try {
    return (await conn.runAndReadAll(`SELECT seq FROM ${table} WHERE vehicle = ? ORDER BY seq`, [VEHICLE])).getRows().map(([s]) => Number(s));
  } finally {
    conn.closeSync();
  }
}

async function expectOneCopyEach(p: Pipeline): Promise<void> {
  expect(await seqs(p, 'silver_readings')).toEqual([1, 2, 3, 7]);
  expect(await seqs(p, 'silver_positions')).toEqual([4, 8]);
  const [health] = await p.queries.syncHealth(VEHICLE);
  expect(health).toMatchObject({ validEvents: 6, duplicateEvents: 2, resentEvents: 2, openGaps: 0 });
  // Counted on the day of the resend's receive stamp, like a sequence duplicate.
  const q = await p.queries.quality({ vehicle: VEHICLE });
  expect(q).toMatchObject([{ day: '2024-03-04', valid: 6, quarantined: 0, duplicates: 2, resent: 2 }]);
}

/** Columns that say when and in which run a copy arrived, not what arrived. */
describe('resent sensor items', () => {
  it('keeps one copy of a reading and a position journalled twice in the same batch', async () => {
    const p = await open();
    const { gw, before, resent, after } = crashedLane();
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [...before, ...resent, ...after]), RESTART + 10_000));
    await p.processPending();
    await expectOneCopyEach(p);
  });

  it('keeps one copy across Bronze batches, processed in one run and in separate runs', async () => {
    for (const separately of [false, true]) {
      const p = await open();
      const { gw, before, resent, after } = crashedLane();
      await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', before), T + 5000));
      if (separately) await p.processPending();
      await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [...resent, ...after]), RESTART + 10_000));
      await p.processPending();
      await expectOneCopyEach(p);
    }
  });

  it('keeps one copy across a restart of the pipeline', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { gw, before, resent, after } = crashedLane();
    const first = await open(dir);
    await first.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', before), T + 5000));
    await first.processPending();
    await first.close();
    const second = await open(dir);
    await second.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [...resent, ...after]), RESTART + 10_000));
    await second.processPending();
    await expectOneCopyEach(second);
  });

  it('keeps the first-journalled copy when the resend arrives first (live before backlog), days apart', async () => {
    const { gw, before, resent, after } = crashedLane();
    // Another truck's three days, delivered between the live data and the backlog.
    const other = new FakeGateway('gw-OTHER', 'TRK-OTHER', 'EPOCH-OTHER');
    const others: [Uint8Array, number][] = [];
    for (let h = 1; h < 72; h += 6) {
      const evs = other.stamp('telemetry', Array.from({ length: 20 }, (_, i) => reading('TRK-OTHER', 'engine_speed', 700 + i, 'rpm', T + h * 3_600_000 + i * 1000)));
      others.push([other.batch('telemetry', evs), T + h * 3_600_000 + 30_000]);
    }

    const inOrder = await open();
    await inOrder.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', before), T + 5000));
    await inOrder.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [...resent, ...after]), RESTART + 10_000));
    for (const [body, at] of others) await inOrder.sink.accept(hubMessage('gw-OTHER', body, at));
    await inOrder.processPending();
    await expectOneCopyEach(inOrder);

    // Live first: the resend and newer data arrive and are processed; the backlog with the originals follows three
    // days later, after the other truck's data.
    const liveFirst = await open();
    await liveFirst.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [...resent, ...after]), RESTART + 10_000));
    await liveFirst.processPending();
    expect(await seqs(liveFirst, 'silver_readings')).toEqual([5, 7]);
    expect(await seqs(liveFirst, 'silver_positions')).toEqual([6, 8]);
    for (const [body, at] of others) await liveFirst.sink.accept(hubMessage('gw-OTHER', body, at));
    await liveFirst.processPending();
    await liveFirst.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', before), T + 3 * DAY));
    await liveFirst.processPending();
    await expectOneCopyEach(liveFirst);

    // The kept rows are the originals, receive stamps included, and Silver and Gold equal in-order delivery's.
    const conn = await liveFirst.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT seq, gateway_ms FROM silver_readings WHERE signal = 'coolant_temp'`)).getRows();
      expect(rows.map(([s, g]) => [Number(s), Number(g)])).toEqual([[3, T + 2050]]);
    } finally {
      conn.closeSync();
    }
    expect(await liveFirst.digest({ exclude: INGEST_DEPENDENT })).toEqual(await inOrder.digest({ exclude: INGEST_DEPENDENT }));
  });

  it('keeps readings that share sensor, signal and time but differ in value (a coarse sensor clock)', async () => {
    const p = await open();
    const gw = new FakeGateway();
    const evs = gw.stamp('telemetry', [
      reading(VEHICLE, 'coolant_temp', 88.5, 'C', T),
      reading(VEHICLE, 'coolant_temp', 88.6, 'C', T),
      reading(VEHICLE, 'coolant_temp', 88.5, 'C', T, { quality: 'suspect' }),
      { kind: 'reading' as const, body: { ...readingV1(VEHICLE, 'coolant_temp', 88.5, 'C', T).body, sensor: 'j1939' } },
      reading(VEHICLE, 'coolant_temp', 88.5, 'C', T, { sensor: 'other-probe' }),
      position(VEHICLE, 50.1, 4.2, T, 42),
      position(VEHICLE, 50.1, 4.2, T, 43),
    ]);
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', evs), T + 5000));
    // The same value again, later: a resend of the first.
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', gw.stamp('telemetry', [reading(VEHICLE, 'coolant_temp', 88.5, 'C', T)])), T + 9000));
    await p.processPending();
    expect(await seqs(p, 'silver_readings')).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs(p, 'silver_positions')).toEqual([6, 7]);
    expect((await p.queries.counts()).quality).toMatchObject({ valid: 7, duplicates: 1, resent: 1 });
  });

  it('replays byte-identically, whatever the run boundaries of the live processing were', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { gw, before, resent, after } = crashedLane();
    // One batch per event, processed one by one live (the resend lands before its original), in one run on replay.
    let p = await open(dir, { silver: { batchesPerTransaction: 512 } });
    const order = [...resent, ...after, ...before];
    for (let i = 0; i < order.length; i++) {
      await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', [order[i]!]), RESTART + i * 1000));
      await p.processPending();
    }
    await expectOneCopyEach(p);
    const live = await p.digest();
    await p.close();
    p = await open(dir);
    const r = await p.replay();
    expect(r.silver.batches).toBe(order.length);
    expect(await p.digest()).toEqual(live);
    await expectOneCopyEach(p);
  });
});
