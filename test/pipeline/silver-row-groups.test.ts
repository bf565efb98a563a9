/**
 * A catch-up Silver transaction is large enough for DuckDB to write whole row groups (122,880 rows) of
 * silver_readings straight to the database file. Smaller transactions log every row in the WAL, and the next
 * checkpoint copies it all again: the default used to be 100,000 events, which cost about a quarter more CPU per
 * event in the pipeline bench.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { DB_FILE } from '../../cloud/storage/duckdb.ts';
import { FakeGateway, hubMessage, queryRows, reading, tempDir, VEHICLE } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const READINGS = 125_000; // one row group and a little more, in batches of 1,000 as a catching-up gateway sends them
const T0 = Date.UTC(2025, 2, 10, 6);

function backlog(): { body: Uint8Array; at: number }[] {
  const gw = new FakeGateway();
  const out: { body: Uint8Array; at: number }[] = [];
  for (let b = 0; b < READINGS / 1000; b++) {
    const items = Array.from({ length: 1000 }, (_, i) => {
      const t = T0 + (b * 1000 + i) * 100;
      return reading(VEHICLE, 'coolant_temp', 80 + ((b + i) % 20), 'C', t);
    });
    const events = gw.stamp('telemetry', items);
    out.push({ body: gw.batch('telemetry', events), at: events[events.length - 1]!.rt + 500 });
  }
  return out;
}

/** The WAL file's size: DuckDB keeps it beside the database file. */
const walBytes = async (dir: string): Promise<number> => (await stat(join(dir, `${DB_FILE}.wal`)).catch(() => ({ size: 0 }))).size;

/** WAL bytes that processing the backlog into Silver wrote, with automatic checkpoints held off so none is missed. */
async function walGrowth(batches: { body: Uint8Array; at: number }[], silver: { maxEventsPerTransaction?: number }): Promise<number> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false }, silver } });
  try {
    const conn = (p as unknown as { worker: DuckDBConnection }).worker;
    await conn.run(`SET checkpoint_threshold = '4GB'`);
    for (const b of batches) await p.sink.accept(hubMessage('gw-TRK-0042', b.body, b.at));
    await (p as unknown as { bronze: { drain(): Promise<void> } }).bronze.drain();
    const before = await walBytes(dir);
    const r = await p.processSilver();
    expect(r.events).toBe(READINGS);
    expect((await queryRows(p, 'SELECT count(*)::INTEGER AS n FROM silver_readings'))[0]!.n).toBe(READINGS);
    return (await walBytes(dir)) - before;
  } finally {
    await p.close();
  }
}

describe('Silver transactions and DuckDB row groups', () => {
  it('a catch-up run with the default settings writes row groups to the database file, not row by row to the WAL', async () => {
    const batches = backlog();
    const logged = await walGrowth(batches, { maxEventsPerTransaction: 100_000 });
    const direct = await walGrowth(batches, {});
    // 125,000 readings logged row by row took 14 MiB of WAL on the machine these figures come from.
    expect(logged).toBeGreaterThan(5 * 2 ** 20);
    expect(direct).toBeLessThan(logged / 3);
  }, 60_000);
});
