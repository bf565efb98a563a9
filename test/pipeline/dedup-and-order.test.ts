/**
 * At-least-once delivery and offline trucks: the same batch twice counts once (also across a restart), overlapping
 * re-cut batches deduplicate per event, and out-of-order or days-late delivery gives the same Silver and Gold as
 * in-order delivery. Real DuckDB files in temp folders.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { DEVICE, FakeGateway, hubMessage, position, reading, tempDir, VEHICLE, INGEST_DEPENDENT } from './fixtures.ts';
import { DAY, fleetDays, shuffled, type Shipment } from './fleet-days.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Pseudonyms derived from the id, so that two pipelines fed in different orders agree (tests only). */
const stablePseudonym = (id: string): string => `drv_${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;

async function open(): Promise<{ p: Pipeline; dir: string }> {
  const { dir, cleanup } = await tempDir();
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } }, newPseudonym: stablePseudonym });
  cleanups.push(async () => {
    await p.close().catch(() => undefined);
    await cleanup();
  });
  return { p, dir };
}

const T = Date.UTC(2024, 2, 4, 6);

describe('redelivery', () => {
  it('stores and counts a batch delivered twice only once', async () => {
    const { p } = await open();
    const gw = new FakeGateway();
    const body = gw.batch('telemetry', gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 800, 'rpm', T), position(VEHICLE, 50, 4, T + 1000, 0)]));
    await Promise.all([p.sink.accept(hubMessage(DEVICE, body, T + 5000)), p.sink.accept(hubMessage(DEVICE, body, T + 5000))]);
    await p.sink.accept(hubMessage(DEVICE, body, T + 9000));
    await p.processPending();
    const c = await p.queries.counts();
    expect(c.bronze.batches).toBe(1);
    expect(c.bronze.duplicateBatches).toBe(2);
    expect(c.silver.readings + c.silver.positions).toBe(2);
    expect(c.quality.valid).toBe(2);
    const [health] = await p.queries.syncHealth(VEHICLE);
    expect(health).toMatchObject({ duplicateBatches: 2, duplicateEvents: 0, validEvents: 2, openGaps: 0 });
  });

  it('still recognises a redelivery after a restart', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const gw = new FakeGateway();
    const body = gw.batch('telemetry', gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 800, 'rpm', T)]));
    const first = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
    await first.sink.accept(hubMessage(DEVICE, body, T + 5000));
    await first.processPending();
    await first.close();
    const second = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
    try {
      await second.sink.accept(hubMessage(DEVICE, body, T + 60_000));
      await second.processPending();
      const c = await second.queries.counts();
      expect([c.bronze.batches, c.bronze.duplicateBatches, c.silver.readings]).toEqual([1, 1, 1]);
    } finally {
      await second.close();
    }
  });

  it('deduplicates events of overlapping batches (a batch re-cut after a gateway restart)', async () => {
    const { p } = await open();
    const gw = new FakeGateway();
    const events = gw.stamp('telemetry', Array.from({ length: 10 }, (_, i) => reading(VEHICLE, 'engine_speed', 700 + i, 'rpm', T + i * 1000)));
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(0, 6)), T + 20_000)); // seqs 1-6
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(3, 10)), T + 30_000)); // seqs 4-10
    await p.processPending();
    const c = await p.queries.counts();
    expect(c.bronze.batches).toBe(2);
    expect(c.silver.readings).toBe(10);
    expect(c.quality.duplicates).toBe(3);
    const [health] = await p.queries.syncHealth(VEHICLE);
    expect(health).toMatchObject({ duplicateEvents: 3, openGaps: 0 });
  });

  it('reports a sequence gap while it is open and as closed once the late batch arrives', async () => {
    const { p } = await open();
    const gw = new FakeGateway();
    const events = gw.stamp('telemetry', Array.from({ length: 9 }, (_, i) => reading(VEHICLE, 'engine_speed', 700 + i, 'rpm', T + i * 1000)));
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(0, 3)), T + 20_000));
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(6, 9)), T + 21_000));
    await p.processPending();
    expect((await p.queries.syncHealth(VEHICLE))[0]).toMatchObject({ openGaps: 1, openGapEvents: 3, closedGaps: 0 });
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(3, 6)), T + 3 * DAY));
    await p.processPending();
    expect((await p.queries.syncHealth(VEHICLE))[0]).toMatchObject({ openGaps: 0, openGapEvents: 0, closedGaps: 1 });
  });
});

async function deliver(p: Pipeline, shipments: Shipment[], at: (s: Shipment, i: number) => number, processEvery: number): Promise<void> {
  for (let i = 0; i < shipments.length; i++) {
    const s = shipments[i]!;
    await p.sink.accept(hubMessage(s.device, s.body, at(s, i)));
    if ((i + 1) % processEvery === 0) await p.processPending();
  }
  await p.processPending();
}

describe('delivery order', () => {
  it('gives the same Silver and Gold for in-order, shuffled and days-late delivery', async () => {
    const shipments = fleetDays(2, 3);
    const inOrder = await open();
    await deliver(inOrder.p, shipments, (s) => s.onTime, 10);

    // Every batch in random order, processed in small runs so that Gold is recomputed many times over.
    const shuffledRun = await open();
    await deliver(shuffledRun.p, shuffled(shipments, 7), (s) => s.onTime + 5 * DAY, 5);

    // Truck TRK-101 offline for days: its first two days arrive only after everything else.
    const offline = await open();
    const late = shipments.filter((s) => s.device === 'gw-101' && s.day < 2);
    const rest = shipments.filter((s) => !late.includes(s));
    const lastTime = shipments[shipments.length - 1]!.onTime;
    await deliver(offline.p, [...rest, ...late], (s) => (late.includes(s) ? lastTime + 3 * DAY : s.onTime), 10);

    const a = await inOrder.p.digest({ exclude: INGEST_DEPENDENT });
    const b = await shuffledRun.p.digest({ exclude: INGEST_DEPENDENT });
    const c = await offline.p.digest({ exclude: INGEST_DEPENDENT });
    // Something was built at all, in every layer.
    for (const t of ['silver_readings', 'silver_positions', 'silver_alerts', 'silver_status', 'gold_vehicle_daily', 'gold_trips', 'gold_alerts', 'gold_reefer_compliance', 'gold_driver_safety_daily'])
      expect(a[t]!.rows, t).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // The late truck's gaps were open before its old data arrived and are closed now.
    expect((await offline.p.queries.syncHealth('TRK-101'))[0]).toMatchObject({ openGaps: 0 });
  });
});
