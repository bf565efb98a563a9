import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { mergeRows } from './plain-rows.ts';

describe('mergeRows (real DuckDB file)', () => {
  it('still merges after the transaction that first created its staging table was rolled back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-plain-rows-'));
    const db = await DuckDBInstance.create(join(dir, 'db.duckdb'));
    const conn = await db.connect();
    try {
      await conn.run('CREATE TABLE t (k INTEGER PRIMARY KEY, v VARCHAR)');
      await conn.run('BEGIN TRANSACTION');
      await mergeRows(conn, 't', [[1, 'a']], 'OR REPLACE');
      await conn.run('ROLLBACK'); // takes the staging table's creation with it
      await mergeRows(conn, 't', [[2, 'b']], 'OR REPLACE');
      await mergeRows(conn, 't', [[2, 'c']], 'OR REPLACE');
      expect((await conn.runAndReadAll('SELECT k, v FROM t ORDER BY k')).getRows()).toEqual([[2, 'c']]);
    } finally {
      conn.closeSync();
      db.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
