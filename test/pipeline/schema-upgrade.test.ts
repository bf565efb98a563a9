/**
 * Opening a pipeline database of an older schema version upgrades it in place (new tables and columns), and a
 * newer one is refused rather than half-understood.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { SCHEMA_VERSION } from '../../cloud/pipeline/schema.ts';
import { DEVICE, FakeGateway, hubMessage, rollup, status, tempDir, VEHICLE } from './fixtures.ts';

const T = Date.UTC(2024, 2, 4, 6);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Runs statements on the database file directly, as another program version would have left it. */
async function rawSql(file: string, statements: string[]): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    let last: Record<string, unknown>[] = [];
    for (const s of statements) last = (await conn.runAndReadAll(s)).getRowObjectsJS();
    return last;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

async function freshDatabase(): Promise<string> {
  const { dir, cleanup } = await tempDir('fleetsync-schema-');
  cleanups.push(cleanup);
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
  await p.close();
  return dir;
}

describe('schema versions', () => {
  it('upgrades a version 2 database: silver_rollups and gold_sync_health.downsampled appear, and work', async () => {
    const dir = await freshDatabase();
    const file = join(dir, 'pipeline.duckdb');
    // What version 2 had: no rollup table, no downsampled column, and a sync health row written by it.
    await rawSql(file, [
      'DROP TABLE silver_rollups',
      'ALTER TABLE gold_sync_health DROP COLUMN downsampled',
      `INSERT INTO gold_sync_health VALUES ('TRK-OLD', 1, 2, 1, 1, 0, 0, 0, 0, 5, 0, 3, 0)`,
      `UPDATE pipeline_state SET value = '2' WHERE key = 'schema_version'`,
    ]);

    const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
    try {
      const gw = new FakeGateway();
      const events = gw.stamp('telemetry', [rollup(VEHICLE, 'coolant_temp', 'C', T, { count: 1, min: 90, max: 90, mean: 90 })]);
      await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events), T + 60_000));
      await p.sink.accept(hubMessage(DEVICE, gw.batch('status', gw.stamp('status', [status(DEVICE, VEHICLE, T, 4, 3)])), T + 60_000));
      await p.processPending();
      expect((await p.queries.counts()).silver.rollups).toBe(1);
      const health = Object.fromEntries((await p.queries.syncHealth()).map((h) => [h.vehicle, h]));
      expect(health[VEHICLE]).toMatchObject({ evicted: 4, downsampled: 3 });
      // Rows of the old version read as "nothing downsampled".
      expect(health['TRK-OLD']).toMatchObject({ evicted: 3, downsampled: 0 });
    } finally {
      await p.close();
    }
    expect(await rawSql(file, [`SELECT value FROM pipeline_state WHERE key = 'schema_version'`])).toEqual([{ value: String(SCHEMA_VERSION) }]);
  });

  it('refuses a database of a newer version', async () => {
    const dir = await freshDatabase();
    await rawSql(join(dir, 'pipeline.duckdb'), [`UPDATE pipeline_state SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`]);
    await expect(openPipeline({ dataDir: dir, settings: { export: { enabled: false } } })).rejects.toThrow(/newer than this program/);
  });
});
