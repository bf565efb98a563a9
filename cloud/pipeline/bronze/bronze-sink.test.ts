/**
 * Bronze as the hub's IngestSink, on real DuckDB files: accept() resolves only once the batch is committed (another
 * connection sees it, and it survives the process dying right after), concurrent accepts share a transaction, and
 * DuckDB is set up never to download extensions.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, EXTENSION_DIR, openDatabase } from '../../storage/duckdb.ts';
import { createSchema } from '../schema.ts';
import { BronzeSink } from './bronze-sink.ts';
import { FakeGateway, hubMessage, reading, tempDir, VEHICLE, DEVICE } from '../../../test/pipeline/fixtures.ts';

const T = Date.UTC(2024, 2, 4, 6);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const { dir, cleanup } = await tempDir('fleetsync-bronze-');
  const { instance } = await openDatabase(dir);
  const conn = await instance.connect();
  await createSchema(conn);
  let committed = 0;
  const sink = await BronzeSink.open(await instance.connect(), { onCommitted: () => committed++ });
  cleanups.push(async () => {
    await sink.close();
    instance.closeSync();
    await cleanup();
  });
  return { dir, instance, conn, sink, committed: () => committed };
}

const batches = (n: number): Uint8Array[] => {
  const gw = new FakeGateway();
  return Array.from({ length: n }, (_, i) => gw.batch('telemetry', gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 700 + i, 'rpm', T + i * 1000)])));
};

describe('Bronze sink', () => {
  it('resolves accept() only after the commit: another connection sees the batch at once', async () => {
    const { instance, sink } = await setup();
    const [body] = batches(1);
    await sink.accept(hubMessage(DEVICE, body!, T + 5000));
    const other = await instance.connect();
    const rows = (await other.runAndReadAll('SELECT device_id, lane::VARCHAR, first_seq, last_seq, event_count, enqueued_ms, size_bytes, body FROM bronze_batches')).getRows();
    other.closeSync();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(0, 7)).toEqual([DEVICE, 'telemetry', 1n, 1n, 1, BigInt(T + 5000), body!.byteLength]);
    expect(Buffer.from((rows[0]![7] as { bytes: Uint8Array }).bytes).equals(Buffer.from(body!))).toBe(true);
  });

  it('groups concurrent accepts into one transaction', async () => {
    const { sink, committed } = await setup();
    await Promise.all(batches(50).map((b) => sink.accept(hubMessage(DEVICE, b, T + 60_000))));
    expect(sink.stats.stored).toBe(50);
    expect(sink.stats.commits).toBeLessThan(5);
    expect(committed()).toBe(sink.stats.commits);
  });

  it('keeps an accepted batch when the process dies right after accept() resolved', async () => {
    const { dir, cleanup } = await tempDir('fleetsync-bronze-crash-');
    cleanups.push(cleanup);
    const [body] = batches(1);
    const script = join(dir, 'crash.mts');
    const here = new URL('.', import.meta.url).pathname;
    await writeFile(
      script,
      `import { openDatabase } from '${join(here, '../../storage/duckdb.ts')}';
       import { createSchema } from '${join(here, '../schema.ts')}';
       import { BronzeSink } from '${join(here, 'bronze-sink.ts')}';
       const { instance } = await openDatabase(${JSON.stringify(join(dir, 'data'))});
       await createSchema(await instance.connect());
       const sink = await BronzeSink.open(await instance.connect());
       await sink.accept({ deviceId: 'gw-1', body: Buffer.from(${JSON.stringify(Buffer.from(body!).toString('base64'))}, 'base64'), system: {}, properties: {}, enqueuedAt: 1 });
       process.exit(0); // no close, no checkpoint: only what the commit made durable survives`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const { instance } = await openDatabase(join(dir, 'data'));
    try {
      const c = await instance.connect();
      expect((await c.runAndReadAll('SELECT count(*) FROM bronze_batches')).getRows()[0]![0]).toBe(1n);
      c.closeSync();
    } finally {
      instance.closeSync();
    }
  });

  it('stores a batch whose envelope does not parse, and counts its redelivery', async () => {
    const { conn, sink } = await setup();
    const junk = new TextEncoder().encode('not a batch');
    await sink.accept(hubMessage(DEVICE, junk, T));
    await sink.accept(hubMessage(DEVICE, junk, T + 1000));
    const rows = (await conn.runAndReadAll('SELECT header_error, lane FROM bronze_batches')).getRows();
    expect(rows).toHaveLength(1);
    expect(String(rows[0]![0])).toMatch(/^magic/);
    expect(sink.stats.duplicates).toBe(1);
  });

  it('never downloads DuckDB extensions: auto-install off, extension folder in the data folder', async () => {
    const { dir, conn } = await setup();
    const [[auto, extDir]] = (await conn.runAndReadAll(`SELECT current_setting('autoinstall_known_extensions'), current_setting('extension_directory')`)).getRows() as [[boolean, string]];
    expect(auto).toBe(false);
    expect(extDir).toBe(join(dir, EXTENSION_DIR));
    expect(DB_FILE).toBe('pipeline.duckdb');
    // A known but not built-in extension fails at once instead of reaching out.
    await expect(conn.run(`SELECT * FROM read_csv('s3://bucket/file.csv')`)).rejects.toThrow();
  });
});
