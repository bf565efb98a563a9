/**
 * Bulk loading through the DuckDB Appender with DataChunks of 2048 rows: the fastest load path from JS measured
 * here (about 1.6x row-by-row appends, 40x INSERT ... VALUES). One fill function per table writes a row's values
 * into the column vectors.
 */
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';
import type { Column } from '../pipeline/schema.ts';

export const CHUNK_ROWS = 2048;

export type FillRow<R> = (v: DuckDBVector[], i: number, row: R) => void;

/** Appends rows to `table` inside the connection's current transaction (if any). */
export async function appendRows<R>(conn: DuckDBConnection, table: string, columns: Column[], rows: readonly R[], fill: FillRow<R>): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender(table);
  try {
    appendChunks(app, columns, rows, fill);
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

export function appendChunks<R>(app: DuckDBAppender, columns: Column[], rows: readonly R[], fill: FillRow<R>): void {
  const chunk = DuckDBDataChunk.create(
    columns.map((c) => c.type),
    CHUNK_ROWS,
  );
  for (let base = 0; base < rows.length; base += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows.length - base);
    chunk.rowCount = n;
    const vectors: DuckDBVector[] = [];
    for (let c = 0; c < columns.length; c++) vectors.push(chunk.getColumnVector(c));
    for (let i = 0; i < n; i++) fill(vectors, i, rows[base + i]!);
    for (const v of vectors) v.flush();
    app.appendDataChunk(chunk);
  }
}
