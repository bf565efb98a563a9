/**
 * Rollups (readings a gateway folded when its journal ran short of room) through Silver: stored with their units
 * normalised like readings, bad ones quarantined without stopping their batch, kept once however often they are
 * delivered; the gateway's `downsampled` count in sync health; and silver_rollups in export, replay, erase and
 * retention like every Silver table.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldTelemetry } from '../../edge/journal/rollup.ts';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { DEVICE, FakeGateway, hubMessage, position, queryRows, reading, readingV1, rollup, status, tempDir, VEHICLE } from './fixtures.ts';

const T = Date.UTC(2024, 2, 4, 6);
const MIN = 60_000;
const ENQUEUED = T + 10 * MIN;
const DAY_KEY = 'silver/silver_rollups/day=2024-03-04/data.parquet';

let p: Pipeline;
let dir: string;
let cleanup: () => Promise<void>;
const sql = (q: string): Promise<Record<string, unknown>[]> => queryRows(p, q);

const gw = new FakeGateway();
const telemetry = gw.stamp('telemetry', [
  reading(VEHICLE, 'coolant_temp', 90, 'C', T + 1000),
  rollup(VEHICLE, 'coolant_temp', 'C', T, { count: 598, min: 88.5, max: 91.25, mean: 89.7 }, { bad: 2, spn: 110 }),
  // Stored in C, like the readings it stands for: (v - 32) * 5/9 for min, max and mean alike.
  rollup(VEHICLE, 'coolant_temp', 'F', T + MIN, { count: 10, min: 185, max: 195.8, mean: 190.4 }),
  rollup(VEHICLE, 'cargo_door', '', T, { count: 4, min: 0, max: 1, mean: 0.25 }),
  rollup(VEHICLE, 'engine_speed', 'rpm', T, { count: 0, min: null, max: null, mean: null }, { bad: 5 }),
  // Quarantined, each for its own reason.
  rollup(VEHICLE, 'coolant_temp', 'C', T, { count: 3, min: 1, max: 2, mean: 99 }),
  rollup(VEHICLE, 'driver_id', '', T, { count: 3, min: 0, max: 1, mean: 0.5 }),
  rollup(VEHICLE, 'coolant_temp', 'km/h', T, { count: 3, min: 1, max: 2, mean: 1.5 }),
  rollup(VEHICLE, 'coolant_temp', 'C', T + 3 * 86_400_000, { count: 3, min: 1, max: 2, mean: 1.5 }),
  reading(VEHICLE, 'engine_speed', 800, 'rpm', T + 2000),
]);
const statuses = gw.stamp('status', [status(DEVICE, VEHICLE, T + 5000, 700, 650), status(DEVICE, VEHICLE, T + 6000, 900, 800)]);
// The same gateway with an older journal (another epoch) that did not downsample yet: no `downsampled` at all.
const old = new FakeGateway(DEVICE, VEHICLE, 'EPOCH-OLD');
const oldStatuses = old.stamp('status', [status(DEVICE, VEHICLE, T - 5000, 10)]);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  p = await openPipeline({ dataDir: join(dir, 'data'), exportTarget: new LocalExportTarget(join(dir, 'export')) });
  const batch = gw.batch('telemetry', telemetry);
  await p.sink.accept(hubMessage(DEVICE, batch, ENQUEUED));
  await p.sink.accept(hubMessage(DEVICE, gw.batch('status', statuses), ENQUEUED));
  await p.sink.accept(hubMessage(DEVICE, old.batch('status', oldStatuses), ENQUEUED));
  await p.processPending();
  // Delivered again whole (Bronze ignores it), and re-cut after a gateway restart: four rollups already seen, one new.
  await p.sink.accept(hubMessage(DEVICE, batch, ENQUEUED + 1000));
  const recut = [...telemetry.slice(1, 5), ...gw.stamp('telemetry', [rollup(VEHICLE, 'coolant_temp', 'C', T + 2 * MIN, { count: 2, min: 90, max: 90, mean: 90 })])];
  await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', recut), ENQUEUED + 2000));
  await p.processPending();
  await p.exportNow();
}, 60_000);

afterAll(async () => {
  await p?.close();
  await cleanup?.();
});

describe('silver_rollups', () => {
  it('holds each valid rollup with its figures, units normalised like readings', async () => {
    const rows = await sql(
      `SELECT seq, signal, unit, event_ms, window_ms, count, min, max, mean, first_ms, last_ms, bad, spn, src_version, gateway_ms FROM silver_rollups ORDER BY seq`,
    );
    expect(rows.map((r) => r.seq)).toEqual([2n, 3n, 4n, 5n, 11n]);
    expect(rows[0]).toEqual({
      seq: 2n, signal: 'coolant_temp', unit: 'C', event_ms: BigInt(T), window_ms: 60_000n, count: 598n, min: 88.5, max: 91.25, mean: 89.7,
      first_ms: BigInt(T), last_ms: BigInt(T + 59_000), bad: 2n, spn: 110, src_version: 2, gateway_ms: BigInt(T + 50),
    });
    const f = rows[1]!;
    expect(f).toMatchObject({ unit: 'C', event_ms: BigInt(T + MIN), count: 10n });
    expect(f.min).toBeCloseTo(85, 9);
    expect(f.max).toBeCloseTo(91, 9);
    expect(f.mean).toBeCloseTo(88, 9);
    expect(rows[2]).toMatchObject({ signal: 'cargo_door', unit: '', min: 0, max: 1, mean: 0.25 });
    expect(rows[3]).toMatchObject({ signal: 'engine_speed', count: 0n, min: null, max: null, mean: null, bad: 5n, spn: null });
  });

  it('quarantines bad rollups with their reason, and keeps the rest of their batch', async () => {
    const q = await sql(`SELECT seq, kind, reason, detail, raw_json FROM quarantine ORDER BY seq`);
    expect(q.map((r) => [r.seq, r.kind, r.reason])).toEqual([
      [6n, 'rollup', 'invalid_contract'],
      [7n, 'rollup', 'value_type'],
      [8n, 'rollup', 'unit_mismatch'],
      [9n, 'rollup', 'event_time_future'],
    ]);
    expect(q[0]!.detail).toBe('/mean: must lie between min (1) and max (2), got 99');
    expect(JSON.parse(String(q[0]!.raw_json))).toMatchObject({ signal: 'coolant_temp', mean: 99 });
    expect(q[1]!.detail).toBe('driver_id must be a string, got a rollup');
    expect(q[2]!.detail).toBe("coolant_temp needs a temperature unit, got 'km/h'");
    expect(q[3]!.detail).toMatch(/after the hub received it/);
    // The readings around them were stored.
    expect((await sql(`SELECT seq FROM silver_readings ORDER BY seq`)).map((r) => r.seq)).toEqual([1n, 10n]);
  });

  it('stores each rollup once however often it is delivered, counting the copies as duplicates', async () => {
    const c = await p.queries.counts();
    expect(c.silver.rollups).toBe(5);
    expect(c.bronze.duplicateBatches).toBe(1);
    const [s] = await sql(`SELECT duplicates FROM silver_streams WHERE lane = 'telemetry' AND epoch = '${gw.epoch}'`);
    expect(s!.duplicates).toBe(4n);
    const [q] = await p.queries.quality({ vehicle: VEHICLE });
    // Readings 2, rollups 5 (valid: kept), statuses 3; quarantined 4; the re-cut batch's 4 seen rollups.
    expect(q).toMatchObject({ valid: 10, quarantined: 4, duplicates: 4 });
  });

  it('keeps one of two identical rollups under different seqs (a copy the gateway should never make)', async () => {
    const r = await tempDir();
    const q = await openPipeline({ dataDir: join(r.dir, 'data'), settings: { export: { enabled: false } } });
    try {
      const g = new FakeGateway();
      const minute = (t: number, count: number) => rollup(VEHICLE, 'coolant_temp', 'C', t, { count, min: 80, max: 90, mean: 85 });
      const first = g.stamp('telemetry', [minute(T, 50), minute(T + MIN, 50), reading(VEHICLE, 'coolant_temp', 90, 'C', T + 30 * MIN)]);
      await q.sink.accept(hubMessage(DEVICE, g.batch('telemetry', first), ENQUEUED));
      await q.processPending();
      // After the restart: the same two rollups again under new seqs, and a later round's fold of more readings of
      // the first window (same window, other figures: another rollup, kept).
      const again = g.stamp('telemetry', [minute(T, 50), minute(T + MIN, 50), minute(T, 20)]);
      await q.sink.accept(hubMessage(DEVICE, g.batch('telemetry', again), ENQUEUED + MIN));
      await q.processPending();
      const rows = await queryRows(q, `SELECT seq, event_ms, count FROM silver_rollups ORDER BY seq`);
      expect(rows.map((x) => [x.seq, x.count])).toEqual([[1n, 50n], [2n, 50n], [6n, 20n]]);
      const [d] = await q.queries.quality({ vehicle: VEHICLE });
      expect(d).toMatchObject({ valid: 4, duplicates: 2, resent: 2 });
    } finally {
      await q.close();
      await r.cleanup();
    }
  });

  it("stores what the gateway's own fold makes, every reading it folded accounted for", async () => {
    const r = await tempDir();
    const q = await openPipeline({ dataDir: join(r.dir, 'data'), settings: { export: { enabled: false } } });
    try {
      // Three minutes of readings as a journal holds them: a temperature in F (some bad), a door, old firmware, GPS.
      const g = new FakeGateway();
      const items = [];
      for (let i = 0; i < 180; i++) {
        const t = T + i * 1000;
        items.push(reading(VEHICLE, 'reefer_supply_temp', 35 + (i % 7), 'F', t, { quality: i % 10 === 0 ? 'bad' : 'good' }));
        items.push(reading(VEHICLE, 'cargo_door', i % 4 === 0, '', t));
        // The gateway journals a v1 reading as validated, with `v: 1`.
        const v1 = readingV1(VEHICLE, 'battery_voltage', 27 + (i % 3) / 10, 'V', t);
        items.push({ ...v1, body: { ...v1.body, v: 1 } });
        items.push(position(VEHICLE, 52 + i / 1e4, 4.9, t, 50));
      }
      const held = g.stamp('telemetry', items);
      const fold = foldTelemetry(held, MIN);
      const out = g.stamp('telemetry', fold.out);
      await q.sink.accept(hubMessage(DEVICE, g.batch('telemetry', out), ENQUEUED));
      await q.processPending();

      expect(fold.consumed).toHaveLength(held.length);
      expect(await queryRows(q, 'SELECT reason, detail, raw_json FROM quarantine')).toEqual([]);
      const made = out.filter((e) => e.kind === 'rollup');
      expect(made).toHaveLength(9);
      const rows = await queryRows(q, `SELECT signal, unit, sum(count + bad)::INTEGER AS folded, sum(bad)::INTEGER AS bad, min(min) AS lo, max(max) AS hi FROM silver_rollups GROUP BY ALL ORDER BY signal`);
      expect(rows).toEqual([
        { signal: 'battery_voltage', unit: 'V', folded: 180, bad: 0, lo: 27, hi: 27.2 },
        { signal: 'cargo_door', unit: '', folded: 180, bad: 0, lo: 0, hi: 1 },
        { signal: 'reefer_supply_temp', unit: 'C', folded: 180, bad: 18, lo: ((35 - 32) * 5) / 9, hi: ((41 - 32) * 5) / 9 },
      ]);
      // Thinned positions are positions: the newest of each window.
      expect((await q.queries.counts()).silver.positions).toBe(3);
      // Gold reads the windows: the day's readings, the reefer's range in C and the door's open share (45 of the
      // 180 readings were open, each for the second until the next: 45 s raw; a window lays out 15/60 of its 59 s).
      const [d] = await q.queries.daily({ vehicle: VEHICLE });
      expect(d!.readings).toBe(540);
      const [c] = await q.queries.reeferCompliance({ vehicle: VEHICLE });
      expect(c!.minTempC).toBeCloseTo(((35 - 32) * 5) / 9, 9);
      expect(c!.maxTempC).toBeCloseTo(((41 - 32) * 5) / 9, 9);
      expect(c!.doorOpenMin).toBeCloseTo((3 * 59 * 0.25) / 60, 6);
    } finally {
      await q.close();
      await r.cleanup();
    }
  });

  it("counts folded readings in Gold's daily readings, bad ones included", async () => {
    const [d] = await p.queries.daily({ vehicle: VEHICLE });
    // 2 raw readings; rollups stored: 598 + 2 bad, 10, 4, 5 bad, 2.
    expect(d!.readings).toBe(2 + 600 + 10 + 4 + 5 + 2);
  });
});

describe('sync health', () => {
  it('tells evictions folded into rollups from the rest, per gateway epoch, missing as 0', async () => {
    const [h] = await p.queries.syncHealth(VEHICLE);
    // Epoch of this journal: highest reported 900 evicted, 800 of them downsampled; the older epoch: 10, none.
    expect(h).toMatchObject({ evicted: 910, downsampled: 800 });
  });
});

describe('silver_rollups in the Silver operations', () => {
  it('is exported by day', async () => {
    expect(await p.exportTarget!.list('silver/silver_rollups/')).toEqual([DAY_KEY]);
  });

  it('is rebuilt byte for byte by replay', async () => {
    const before = await p.digest();
    expect(before.silver_rollups!.rows).toBe(5);
    await p.replay();
    expect(await p.digest()).toEqual(before);
  });

  it("is erased with its vehicle, from Silver, Bronze and the export", async () => {
    const report = await p.erase({ vehicle: VEHICLE });
    expect(report.deleted.silver_rollups).toBe(5);
    expect((await p.queries.counts()).silver.rollups).toBe(0);
    expect((await p.queries.counts()).bronze.batches).toBe(0);
    await p.exportNow();
    expect(await p.exportTarget!.list('silver/silver_rollups/')).toEqual([]);
  });

  it('is cut by retention like the other Silver tables', async () => {
    const r = await tempDir();
    const q = await openPipeline({ dataDir: join(r.dir, 'data'), exportTarget: new LocalExportTarget(join(r.dir, 'export')) });
    try {
      const g = new FakeGateway();
      await q.sink.accept(hubMessage(DEVICE, g.batch('telemetry', g.stamp('telemetry', [rollup(VEHICLE, 'coolant_temp', 'C', T, { count: 1, min: 1, max: 1, mean: 1 })])), ENQUEUED));
      await q.processPending();
      await q.exportNow();
      expect(await q.exportTarget!.list('silver/silver_rollups/')).toEqual([DAY_KEY]);
      const res = await q.runRetention(T + 1828 * 86_400_000);
      expect(res.silver).toBe(1);
      expect((await q.queries.counts()).silver.rollups).toBe(0);
      expect(await q.exportTarget!.list('silver/silver_rollups/')).toEqual([]);
    } finally {
      await q.close();
      await r.cleanup();
    }
  });
});
