/**
 * Medallion pipeline figures, each on real DuckDB files in a temporary folder:
 *  - Bronze -> Silver throughput (decode, validate, upcast, normalise, dedup, Appender load) in events/s, against a
 *    raw Appender load of the same Silver rows (no decode, validation or dedup) in the same run;
 *  - Gold refresh of 100 trucks x 1 day (all partitions dirty), against a plain SQL scan-and-aggregate of the same
 *    Silver rows;
 *  - Parquet export of that day (Silver and Gold, partitioned by date, sorted), against one unsorted, unpartitioned
 *    COPY of the same tables.
 * Data is generated here, deterministically.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '../harness.ts';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { batchId, decodeBatch, encodeBatch, messageProperties, readBatchHeader } from '../../shared/wire/index.ts';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { openDatabase } from '../../cloud/storage/duckdb.ts';
import { ColumnBatch } from '../../cloud/storage/column-batch.ts';
import { createSchema, SILVER_POSITIONS, SILVER_READINGS } from '../../cloud/pipeline/schema.ts';
import { sqlString } from '../../cloud/storage/duckdb.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { mulberry32 as prng } from '../../test/support/mulberry32.ts';

export const DAY0 = Date.UTC(2025, 2, 10);
export const EPOCH = '01JNZ8Q3W5M7Y2K4T6V8X0B1C3';


/**
 * One truck's telemetry: every `stepS` seconds a position and five readings (engine speed, wheel speed, coolant,
 * fuel used, reefer supply temperature), one in ten of them from old v1 firmware, driving in stretches.
 */
function truckEvents(truck: number, seconds: number, stepS: number, startMs: number): StampedEvent[] {
  const rnd = prng(truck + 1);
  const vehicle = `TRK-${String(truck).padStart(4, '0')}`;
  const out: StampedEvent[] = [];
  let seq = 1;
  let lat = 51.9 + truck * 0.01;
  let speed = 0;
  let fuel = 1000 + truck;
  for (let s = 0; s < seconds; s += stepS) {
    const t = startMs + s * 1000;
    const driving = Math.floor(s / 1800) % 3 !== 2;
    speed = driving ? Math.min(90, speed + 5 * rnd()) : 0;
    lat += (speed * stepS) / 3600 / 111.2;
    fuel += (speed * stepS) / 3600 / 3;
    const rt = t + 40;
    out.push({ seq: seq++, rt, kind: 'position', body: { v: 2, vehicle, sensor: 'gps', lat, lon: 4.46, sensorTime: t, speedKmh: speed, hdop: 0.9 } });
    const r = (signal: string, value: number, unit: string): void => {
      if (seq % 10 === 0) out.push({ seq: seq++, rt, kind: 'reading', body: { v: 1, vehicle, sensor: 'ecu', signal, value, unit, ts: t } });
      else out.push({ seq: seq++, rt, kind: 'reading', body: { v: 2, vehicle, sensor: 'j1939', signal, value, unit, sensorTime: t, quality: 'good' } });
    };
    r('engine_speed', speed > 0 ? 1100 + speed * 5 : 650, 'rpm');
    r('wheel_speed', speed, 'km/h');
    r('coolant_temp', 85 + rnd() * 5, 'C');
    r('fuel_used', fuel, 'L');
    r('reefer_supply_temp', 38 + rnd() * 3, 'F');
  }
  return out;
}

export interface Fleet {
  /** [device, body, enqueuedAt] per batch, in delivery order. */
  batches: [string, Uint8Array, number][];
  events: number;
}

export function fleet(trucks: number, seconds: number, stepS: number, perBatch: number, firstTruck = 0): Fleet {
  const perTruck: [string, Uint8Array, number][][] = [];
  let events = 0;
  for (let k = firstTruck; k < firstTruck + trucks; k++) {
    const device = `gw-${k}`;
    const evs = truckEvents(k, seconds, stepS, DAY0);
    events += evs.length;
    const list: [string, Uint8Array, number][] = [];
    for (let i = 0; i < evs.length; i += perBatch) {
      const slice = evs.slice(i, i + perBatch);
      const last = slice[slice.length - 1]!;
      const bytes = encodeBatch({ gatewayId: device, epoch: EPOCH, lane: 'telemetry' as Lane, createdAt: last.rt + 10 }, slice);
      list.push([device, bytes, last.rt + 500]);
    }
    perTruck.push(list);
  }
  // Interleave trucks, as the hub would receive them.
  const batches: [string, Uint8Array, number][] = [];
  for (let i = 0; ; i++) {
    let any = false;
    for (const list of perTruck) {
      const b = list[i];
      if (b) {
        batches.push(b);
        any = true;
      }
    }
    if (!any) break;
  }
  return { batches, events };
}

export async function ingest(p: Pipeline, f: Fleet): Promise<void> {
  const group = 64;
  for (let i = 0; i < f.batches.length; i += group) {
    await Promise.all(
      f.batches.slice(i, i + group).map(([device, body, enqueuedAt]) => {
        const h = readBatchHeader(body);
        return p.sink.accept({ deviceId: device, body, system: { messageId: batchId(h) }, properties: messageProperties(h), enqueuedAt });
      }),
    );
  }
}

const ms = (t0: number): number => performance.now() - t0;

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-bench-pipeline-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Silver rows of the fleet, built directly into column batches (what the baseline loads). */
function silverBatches(f: Fleet): { readings: ColumnBatch; positions: ColumnBatch } {
  const readings = new ColumnBatch(SILVER_READINGS, f.events);
  const positions = new ColumnBatch(SILVER_POSITIONS, f.events);
  let bronzeId = 0;
  for (const [, body, enqueuedAt] of f.batches) {
    bronzeId++;
    const { header, events } = decodeBatch(body);
    for (const e of events) {
      const t = e.kind === 'position' ? positions : readings;
      const b = e.body as { vehicle: string; sensorTime?: number; ts?: number; sensor: string };
      const i = t.row();
      t.str(0, i, b.vehicle);
      t.str(1, i, header.epoch);
      t.enum(2, i, header.lane);
      t.num(3, i, e.seq);
      t.num(4, i, b.sensorTime ?? b.ts ?? 0);
      t.num(5, i, enqueuedAt);
      t.num(6, i, e.rt);
      if (e.kind === 'position') {
        const p = e.body as { lat: number; lon: number; speedKmh?: number };
        t.str(7, i, 'gps');
        t.num(8, i, p.lat);
        t.num(9, i, p.lon);
        t.num(10, i, p.speedKmh ?? null);
        for (const k of [11, 12, 13, 14]) t.num(k, i, null);
        t.num(15, i, 2);
        t.num(16, i, bronzeId);
      } else {
        const r = e.body as { signal: string; value: number; unit: string };
        t.str(7, i, b.sensor);
        t.str(8, i, r.signal);
        t.num(9, i, r.value);
        t.str(10, i, null);
        t.bool(11, i, null);
        t.str(12, i, r.unit);
        t.str(13, i, null);
        t.enum(14, i, 'good');
        t.num(15, i, null);
        t.num(16, i, 2);
        t.num(17, i, bronzeId);
      }
    }
  }
  return { readings, positions };
}

async function bronzeToSilver(quick: boolean): Promise<BenchRow[]> {
  const f = fleet(quick ? 20 : 100, 1200, 1, 1000);
  // Steady state: a small warm-up fleet first (JIT, the worker thread, DuckDB's first commit), for both paths.
  const warm = fleet(4, 300, 1, 1000, 10_000);
  return withDir(async (dir) => {
    const p = await openPipeline({ dataDir: join(dir, 'p'), settings: { export: { enabled: false } } });
    let silverMs: number;
    try {
      await ingest(p, warm);
      await p.processSilver();
      await ingest(p, f);
      const t0 = performance.now();
      const r = await p.processSilver();
      silverMs = ms(t0);
      if (r.events !== f.events) throw new Error(`processed ${r.events} of ${f.events} events`);
    } finally {
      await p.close();
    }
    // Baseline: the same Silver rows, built in memory beforehand, loaded through the same Appender path.
    const { instance } = await openDatabase(join(dir, 'b'));
    const conn = await instance.connect();
    await createSchema(conn);
    const load = async (x: Fleet): Promise<number> => {
      const rows = silverBatches(x);
      const t = performance.now();
      await conn.run('BEGIN TRANSACTION');
      await rows.readings.appendTo(conn, 'silver_readings');
      await rows.positions.appendTo(conn, 'silver_positions');
      await conn.run('COMMIT');
      return ms(t);
    };
    await load(warm);
    const baseMs = await load(f);
    conn.closeSync();
    instance.closeSync();
    return [
      {
        group: 'Pipeline',
        name: 'Bronze -> Silver throughput',
        value: f.events / (silverMs / 1000),
        unit: 'events/s',
        baseline: { name: 'raw Appender load of the same rows', value: f.events / (baseMs / 1000) },
        target: '>= 300,000 events/s on 2 cores',
        higherIsBetter: true,
        note: `${f.events.toLocaleString('en-US')} events in ${f.batches.length} batches, after a warm-up; decode + validate + upcast + units + dedup + load`,
      },
    ];
  });
}

async function goldAndExport(quick: boolean): Promise<BenchRow[]> {
  const trucks = quick ? 20 : 100;
  // A whole day at one position and five readings every 30 s: 17,280 events per truck.
  const f = fleet(trucks, 86_400, 30, 2000);
  return withDir(async (dir) => {
    const target = new LocalExportTarget(join(dir, 'export'));
    const p = await openPipeline({ dataDir: join(dir, 'p'), exportTarget: target, settings: { export: { everyS: 0 } } });
    let goldMs: number;
    let exportMs: number;
    let written: number;
    try {
      await ingest(p, f);
      await p.processSilver();
      const t0 = performance.now();
      const g = await p.refreshGold();
      goldMs = ms(t0);
      if (g.partitions !== trucks) throw new Error(`refreshed ${g.partitions} partitions, expected ${trucks}`);
      const t1 = performance.now();
      written = (await p.exportEverything()).written;
      exportMs = ms(t1);
    } finally {
      await p.close();
    }
    // Baselines on the same database file, reopened.
    const { instance } = await openDatabase(join(dir, 'p'));
    const conn = await instance.connect();
    const t2 = performance.now();
    await conn.run(
      `SELECT vehicle, event_ms // 86400000 AS d, count(*), avg(speed_kmh), max(speed_kmh), min(lat), max(lat) FROM silver_positions GROUP BY ALL`,
    );
    await conn.run(
      `SELECT vehicle, event_ms // 86400000 AS d, signal, count(*), min(value_num), max(value_num), avg(value_num) FROM silver_readings GROUP BY ALL`,
    );
    const scanMs = ms(t2);
    const t3 = performance.now();
    for (const t of ['silver_readings', 'silver_positions', 'gold_vehicle_daily', 'gold_trips', 'gold_stops', 'gold_reefer_compliance', 'gold_sync_health', 'quality_daily'])
      await conn.run(`COPY ${t} TO ${sqlString(join(dir, `flat-${t}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
    const copyMs = ms(t3);
    conn.closeSync();
    instance.closeSync();
    return [
      {
        group: 'Pipeline',
        name: `Gold refresh, ${trucks} trucks x 1 day`,
        value: goldMs,
        unit: 'ms',
        baseline: { name: 'SQL scan + aggregate of the same Silver rows', value: scanMs },
        higherIsBetter: false,
        note: `${f.events.toLocaleString('en-US')} Silver events; trips, stops, daily, reefer, driver safety, alerts, sync health`,
      },
      {
        group: 'Pipeline',
        name: `Parquet export, ${trucks} trucks x 1 day`,
        value: exportMs,
        unit: 'ms',
        baseline: { name: 'unsorted single-file COPY per table', value: copyMs },
        higherIsBetter: false,
        note: `${written} files, partitioned by date, sorted by vehicle and time, zstd`,
      },
    ];
  });
}

export const pipelineSuite: BenchSuite = {
  name: 'pipeline',
  async run({ quick }) {
    return [...(await bronzeToSilver(quick)), ...(await goldAndExport(quick))];
  },
  check(rows) {
    const r = rows.find((x) => x.name === 'Bronze -> Silver throughput');
    return r ? { [r.name]: r.value >= 300_000 } : {};
  },
};
