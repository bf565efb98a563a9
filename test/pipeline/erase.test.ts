/**
 * Erase: after removing a vehicle, or a driver, no trace of the subject is left in any table of any layer, in the
 * Bronze batches (decoded), in the Parquet export (read back by a separate DuckDB instance) or in the database
 * file itself; other subjects' data stays; an audit row records the erase without naming the subject.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { DB_FILE } from '../../cloud/storage/duckdb.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { FakeGateway, hubMessage, reading, reject, tempDir } from './fixtures.ts';
import { fleetDays } from './fleet-days.ts';
import { findInDatabase, findInParquet } from './search.ts';

let dir = '';
let cleanup: () => Promise<void>;
let p: Pipeline;
let target: LocalExportTarget;
const pseudonyms = new Map<string, string>();
let n = 0;

async function open(): Promise<Pipeline> {
  return openPipeline({
    dataDir: join(dir, 'data'),
    exportTarget: target,
    newPseudonym: (id) => {
      const ps = `drv_p${++n}`;
      pseudonyms.set(id, ps);
      return ps;
    },
  });
}

async function exportFiles(): Promise<string[]> {
  return (await target.list('')).map((k) => join(dir, 'export', k));
}

async function tracesOf(needles: string[]): Promise<string[]> {
  const c = await p.connect();
  try {
    return [...(await findInDatabase(c, needles)), ...(await findInParquet(await exportFiles(), needles))];
  } finally {
    c.closeSync();
  }
}

const T = Date.UTC(2024, 2, 4, 9);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('fleetsync-erase-'));
  target = new LocalExportTarget(join(dir, 'export'));
  p = await open();
  for (const s of fleetDays(2, 2)) await p.sink.accept(hubMessage(s.device, s.body, s.onTime));
  // Traces outside the happy path: an invalid reading naming the vehicle, a gateway reject whose raw payload names
  // a driver, a batch that does not decode, and a redelivered overlapping batch.
  const gw = new FakeGateway('gw-100', 'TRK-100', 'EPOCH-X');
  const bad = gw.stamp('telemetry', [reading('TRK-100', 'engine_speed', 'n/a', 'rpm', T), reading('TRK-100', 'engine_speed', 700, 'rpm', T + 1000)]);
  await p.sink.accept(hubMessage('gw-100', gw.batch('telemetry', bad), T + 5000));
  await p.sink.accept(hubMessage('gw-100', gw.batch('telemetry', bad.slice(1)), T + 6000));
  const gw1 = new FakeGateway('gw-101', 'TRK-101', 'EPOCH-Y');
  const rej = gw1.stamp('rejects', [{ ...reject('fleet/TRK-101/badge/reading', '{"driver":"DRV-10","v":', 'truncated JSON'), rt: T }]);
  await p.sink.accept(hubMessage('gw-101', gw1.batch('rejects', rej), T + 5000));
  await p.sink.accept(hubMessage('gw-100', new TextEncoder().encode('garbage from TRK-100'), T + 7000));
  await p.processPending();
  await p.exportNow();
}, 60_000);

afterAll(async () => {
  await p?.close();
  await cleanup?.();
});

describe('erase', () => {
  it('starts with traces of both subjects everywhere', async () => {
    const hits = await tracesOf(['TRK-100', 'DRV-10', pseudonyms.get('DRV-10')!]);
    expect(hits.some((h) => h.startsWith('bronze_batches.body (decoded): TRK-100'))).toBe(true);
    expect(hits.some((h) => h.startsWith('quarantine.raw_bytes (bytes): DRV-10'))).toBe(true);
    expect(hits.some((h) => h.includes('.parquet') && h.endsWith(pseudonyms.get('DRV-10')!))).toBe(true);
  });

  it('removes a vehicle from every layer and the export, and keeps the other vehicle', async () => {
    const other = {
      daily: await p.queries.daily({ vehicle: 'TRK-101' }),
      trips: await p.queries.trips({ vehicle: 'TRK-101' }),
      alerts: await p.queries.alerts({ vehicle: 'TRK-101' }),
    };
    const report = await p.erase({ vehicle: 'TRK-100' }, { reference: 'ticket-4711' });
    expect(report.subjectKind).toBe('vehicle');
    expect(report.deleted.silver_readings).toBeGreaterThan(0);
    expect(report.deleted.bronze_batches).toBeGreaterThan(0);

    expect(await tracesOf(['TRK-100', 'gw-100'])).toEqual([]);
    expect(await p.queries.daily({ vehicle: 'TRK-101' })).toEqual(other.daily);
    expect(await p.queries.trips({ vehicle: 'TRK-101' })).toEqual(other.trips);
    expect(await p.queries.alerts({ vehicle: 'TRK-101' })).toEqual(other.alerts);
    // The export still has the other vehicle's partitions.
    expect((await exportFiles()).some((f) => f.includes('gold_trips'))).toBe(true);
  });

  it('removes a driver: id, pseudonym and mapping, while the vehicle data stays', async () => {
    const ps = pseudonyms.get('DRV-10')!;
    const tripsBefore = await p.queries.trips({ vehicle: 'TRK-101' });
    expect(tripsBefore.some((t) => t.driver === ps)).toBe(true);
    const report = await p.erase({ driver: 'DRV-10' });
    expect(report.subjectKind).toBe('driver');
    expect(report.bronzeRewritten + (report.deleted.bronze_batches ?? 0)).toBeGreaterThan(0);

    expect(await tracesOf(['DRV-10', ps])).toEqual([]);
    const tripsAfter = await p.queries.trips({ vehicle: 'TRK-101' });
    expect(tripsAfter.map((t) => t.startMs)).toEqual(tripsBefore.map((t) => t.startMs));
    expect(tripsAfter.filter((t) => t.driver === null)).toHaveLength(tripsBefore.filter((t) => t.driver === ps).length);
    // The other driver of that truck is untouched.
    expect(tripsAfter.some((t) => t.driver === pseudonyms.get('DRV-11'))).toBe(true);
  });

  it('records audit rows that do not name the subject', async () => {
    const c = await p.connect();
    try {
      const rows = (await c.runAndReadAll(`SELECT subject_kind, reference, summary FROM erase_audit ORDER BY at_ms, subject_kind DESC`)).getRowObjectsJS();
      expect(rows.map((r) => [r.subject_kind, r.reference])).toEqual([
        ['vehicle', 'ticket-4711'],
        ['driver', null],
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/TRK-100|DRV-10/);
    } finally {
      c.closeSync();
    }
  });

  it('leaves no copy in the database file once it is rewritten (at the next open)', async () => {
    await p.close();
    // Opening compacts: the file is copied live rows only and swapped in.
    p = await open();
    await p.close();
    const file = await readFile(join(dir, 'data', DB_FILE));
    for (const needle of ['TRK-100', 'DRV-10', pseudonyms.get('DRV-10')!]) expect(file.includes(Buffer.from(needle)), needle).toBe(false);
    p = await open();
    // Replay after erase rebuilds without the subjects (Bronze was cleaned too).
    await p.replay();
    expect(await tracesOf(['TRK-100', 'DRV-10', pseudonyms.get('DRV-10')!])).toEqual([]);
  });
});
