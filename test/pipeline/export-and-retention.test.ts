/**
 * The Parquet export (partitioned by date, sorted by vehicle and time) read back by a separate DuckDB instance,
 * the same export into Azure Blob Storage (real Azurite emulator), and retention across all layers and the export.
 */
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { AzureBlobExportTarget } from '../../cloud/storage/azure-blob-target.ts';
import { useAzurite } from './use-azurite.ts';
import { FakeGateway, hubMessage, status, tempDir } from './fixtures.ts';
import { D0, DAY, fleetDays } from './fleet-days.ts';

let dir = '';
let cleanup: () => Promise<void>;
let p: Pipeline;
const shipments = fleetDays(2, 3);

async function readBack<T>(sql: string): Promise<T[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('fleetsync-export-'));
  p = await openPipeline({ dataDir: join(dir, 'data'), exportTarget: new LocalExportTarget(join(dir, 'export')), now: () => D0 + 3 * DAY });
  for (const s of shipments) await p.sink.accept(hubMessage(s.device, s.body, s.onTime));
  await p.processPending();
  await p.exportNow();
}, 60_000);

afterAll(async () => {
  await p?.close();
  await cleanup?.();
});

describe('Parquet export', () => {
  it('lays out one file per table and UTC day', async () => {
    const keys = await p.exportTarget!.list('');
    expect(keys).toContain('silver/silver_readings/day=2024-03-04/data.parquet');
    expect(keys).toContain('gold/gold_trips/day=2024-03-06/data.parquet');
    expect(keys).toContain('gold/gold_sync_health/data.parquet');
    // Partitioned by day only: never by vehicle.
    expect(keys.filter((k) => k.includes('vehicle='))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('silver/silver_positions/'))).toHaveLength(3);
  });

  it('is read back by a separate DuckDB instance, equal to the tables', async () => {
    const glob = join(dir, 'export', 'silver', 'silver_readings', '*', '*.parquet');
    const [fromFiles] = await readBack<{ n: bigint; v: number; days: bigint }>(
      `SELECT count(*) AS n, sum(value_num) AS v, count(DISTINCT day) AS days FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'day': DATE})`,
    );
    const c = await p.connect();
    try {
      const [[n, v]] = (await c.runAndReadAll('SELECT count(*), sum(value_num) FROM silver_readings')).getRows() as [[bigint, number]];
      expect(fromFiles!.n).toBe(n);
      expect(fromFiles!.v).toBeCloseTo(v, 6);
      expect(fromFiles!.days).toBe(3n);
    } finally {
      c.closeSync();
    }
    const trips = await readBack<{ vehicle: string; day: string; distance_km: number }>(
      `SELECT vehicle, day::VARCHAR AS day, distance_km FROM read_parquet('${join(dir, 'export', 'gold', 'gold_trips', '*', '*.parquet')}', hive_partitioning = true, hive_types = {'day': DATE}) ORDER BY vehicle, start_ms`,
    );
    const api = await p.queries.trips();
    expect(trips.map((t) => [t.vehicle, t.day, t.distance_km])).toEqual(api.map((t) => [t.vehicle, t.day, t.distanceKm]));
  });

  it('sorts each file by vehicle, then time', async () => {
    const rows = await readBack<{ vehicle: string; event_ms: bigint }>(
      `SELECT vehicle, event_ms FROM read_parquet('${join(dir, 'export', 'silver', 'silver_positions', 'day=2024-03-05', 'data.parquet')}')`,
    );
    expect(rows.length).toBeGreaterThan(100);
    const sorted = [...rows].sort((a, b) => (a.vehicle < b.vehicle ? -1 : a.vehicle > b.vehicle ? 1 : Number(a.event_ms - b.event_ms)));
    expect(rows).toEqual(sorted);
  });

  it('rewrites only the partitions that changed', async () => {
    expect(await p.exportNow()).toEqual({ written: 0, deleted: 0 });
    // A redelivered batch changes nothing.
    const again = shipments.find((s) => s.day === 0 && s.lane === 'status')!;
    await p.sink.accept(hubMessage(again.device, again.body, D0 + 3 * DAY));
    await p.processPending();
    expect(await p.exportNow()).toEqual({ written: 0, deleted: 0 });
    // Late data for day 0 rewrites that day's 14 per-day files (with or without rows) and the 2 whole-table files.
    const gw = new FakeGateway('gw-100', 'TRK-100', 'EPOCH-LATE');
    const late = gw.batch('status', gw.stamp('status', [status('gw-100', 'TRK-100', D0 + 13 * 3600_000, 1)]));
    await p.sink.accept(hubMessage('gw-100', late, D0 + 3 * DAY));
    await p.processPending();
    const r = await p.exportNow();
    expect(r.written + r.deleted).toBe(16);
  });
});

describe('retention', () => {
  it('drops rows and export partitions older than each layer limit', async () => {
    const { dir: d2, cleanup: c2 } = await tempDir('fleetsync-retention-');
    const target = new LocalExportTarget(join(d2, 'export'));
    // Keep two days: at D0 + 3 days, day D0 is past the limit (Bronze keeps three days).
    const q = await openPipeline({
      dataDir: join(d2, 'data'),
      exportTarget: target,
      now: () => D0 + 3 * DAY + 3600_000,
      settings: { retention: { bronzeDays: 3, silverDays: 2, goldDays: 2 } },
    });
    try {
      for (const s of shipments) await q.sink.accept(hubMessage(s.device, s.body, s.onTime));
      await q.processPending();
      await q.exportNow();
      expect((await target.list('')).some((k) => k.includes('day=2024-03-04'))).toBe(true);
      const r = await q.runRetention();
      expect(r.silver).toBeGreaterThan(0);
      expect(r.gold).toBeGreaterThan(0);
      expect(r.bronze).toBe(0);
      expect(r.exportObjects).toBeGreaterThan(0);
      expect((await target.list('')).some((k) => k.includes('day=2024-03-04'))).toBe(false);
      expect(await q.queries.daily({ to: '2024-03-04' })).toEqual([]);
      expect((await q.queries.daily({ from: '2024-03-05' })).length).toBe(4);
      const c = await q.connect();
      try {
        const [[oldest]] = (await c.runAndReadAll('SELECT min(event_ms) FROM silver_positions')).getRows() as [[bigint]];
        expect(Number(oldest)).toBeGreaterThanOrEqual(D0 + DAY);
      } finally {
        c.closeSync();
      }
    } finally {
      await q.close();
      await c2();
    }
  });
});

describe('export to Azure Blob Storage (real Azurite emulator)', () => {
  const azurite = useAzurite();

  it('writes the same partitions into a container, readable after download', async () => {
    const { dir: d3, cleanup: c3 } = await tempDir('fleetsync-blob-');
    const target = new AzureBlobExportTarget({ connectionString: azurite().connectionString, container: 'lake', prefix: 'fleetsync', createIfMissing: true });
    const q = await openPipeline({ dataDir: join(d3, 'data'), exportTarget: target });
    try {
      for (const s of shipments.filter((x) => x.day === 1)) await q.sink.accept(hubMessage(s.device, s.body, s.onTime));
      await q.processPending();
      await q.exportNow();
      const container = BlobServiceClient.fromConnectionString(azurite().connectionString).getContainerClient('lake');
      const names: string[] = [];
      for await (const b of container.listBlobsFlat({ prefix: 'fleetsync/gold/gold_trips/' })) names.push(b.name);
      expect(names).toEqual(['fleetsync/gold/gold_trips/day=2024-03-05/data.parquet']);
      const local = join(d3, 'dl', 'trips.parquet');
      await mkdir(join(d3, 'dl'), { recursive: true });
      await writeFile(local, await container.getBlobClient(names[0]!).downloadToBuffer());
      const rows = await readBack<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${local}')`);
      expect(rows[0]!.n).toBe(BigInt((await q.queries.trips()).length));
    } finally {
      await q.close();
      await c3();
    }
  });
});
