/** Finds every trace of a string in a pipeline database and in Parquet files: the erase tests' witness. */
import { readFile } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBBlobValue, type DuckDBConnection } from '@duckdb/node-api';
import { decodeBatch } from '../../shared/wire/index.ts';

const bytesHave = (hay: Uint8Array, needle: string): boolean => Buffer.from(hay).includes(Buffer.from(needle));

/** "table.column" for every column of every table holding `needle` (text columns as text, blobs as bytes and, for Bronze, decoded). */
export async function findInDatabase(conn: DuckDBConnection, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  const cols = (
    await conn.runAndReadAll(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() ORDER BY table_name, ordinal_position`,
    )
  ).getRows();
  for (const [table, column, type] of cols) {
    const t = String(table);
    const c = String(column);
    if (String(type) === 'BLOB') {
      for (const [v] of (await conn.runAndReadAll(`SELECT "${c}" FROM "${t}" WHERE "${c}" IS NOT NULL`)).getRows()) {
        const bytes = (v as DuckDBBlobValue).bytes;
        for (const n of needles) {
          if (bytesHave(bytes, n)) hits.push(`${t}.${c} (bytes): ${n}`);
          if (t === 'bronze_batches') {
            try {
              const { header, events } = decodeBatch(bytes);
              const text = JSON.stringify({ header, events }, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('latin1') : x));
              if (text.includes(n)) hits.push(`${t}.${c} (decoded): ${n}`);
            } catch {
              // Undecodable bodies were searched as bytes.
            }
          }
        }
      }
      continue;
    }
    for (const n of needles) {
      const [[count]] = (await conn.runAndReadAll(`SELECT count(*) FROM "${t}" WHERE contains(CAST("${c}" AS VARCHAR), ?)`, [n])).getRows() as [[bigint]];
      if (count > 0n) hits.push(`${t}.${c}: ${n} (${count})`);
    }
  }
  return hits;
}

/** Reads each Parquet file with its own DuckDB instance and searches every column as text, and the raw bytes. */
export async function findInParquet(files: string[], needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    for (const f of files) {
      const raw = await readFile(f);
      for (const n of needles) if (raw.includes(Buffer.from(n))) hits.push(`${f} (bytes): ${n}`);
      const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${f.replaceAll("'", "''")}')`)).getRowsJS();
      const text = JSON.stringify(rows, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('latin1') : x));
      for (const n of needles) if (text.includes(n)) hits.push(`${f}: ${n}`);
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  return hits;
}
