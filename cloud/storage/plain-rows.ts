import type { DuckDBConnection } from '@duckdb/node-api';

/** A JS value the Appender casts to the column type (numbers to BIGINT/INTEGER/DOUBLE, 'YYYY-MM-DD' to DATE). */
export type Plain = string | number | boolean | null;

/** Appends small row sets (Gold) without declaring vector types; values are cast by the Appender. */
export async function appendPlainRows(conn: DuckDBConnection, table: string, rows: readonly (readonly Plain[])[]): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender(table);
  try {
    for (const row of rows) {
      for (const v of row) {
        if (v === null) app.appendNull();
        else app.appendValue(v);
      }
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/**
 * Bulk upsert: appends `rows` to a connection-local temporary copy of `table` (created if missing: a rolled-back transaction also rolls back its creation, so it is never assumed) and
 * merges it with one statement. `merge` is the tail of the INSERT: 'OR IGNORE', 'OR REPLACE', or an
 * `ON CONFLICT ...` clause (which is appended after the SELECT).
 */
export async function mergeRows(conn: DuckDBConnection, table: string, rows: readonly (readonly Plain[])[], merge: string): Promise<void> {
  if (rows.length === 0) return;
  const tmp = `tmp_${table}`;
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${tmp} AS SELECT * FROM ${table} LIMIT 0`);
  await conn.run(`DELETE FROM ${tmp}`);
  await appendPlainRows(conn, tmp, rows);
  if (merge === 'OR IGNORE' || merge === 'OR REPLACE') await conn.run(`INSERT ${merge} INTO ${table} SELECT * FROM ${tmp}`);
  else await conn.run(`INSERT INTO ${table} SELECT * FROM ${tmp} ${merge}`);
}
