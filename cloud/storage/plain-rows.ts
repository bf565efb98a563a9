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
