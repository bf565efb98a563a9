/**
 * Opening the pipeline's DuckDB database: one file in the data folder, never reaching out for extensions.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export const DB_FILE = 'pipeline.duckdb';
export const EXTENSION_DIR = 'duckdb-extensions';

export interface OpenedDatabase {
  instance: DuckDBInstance;
  path: string;
}

/**
 * Extensions: parquet, json, icu and core_functions are built in. Anything else would be downloaded at run time,
 * which must never happen in production (and fails after a timeout offline), so auto-install is off and the
 * extension folder is ours, inside the data folder.
 */
export async function openDatabase(dataDir: string, opts: { threads?: number; memoryLimit?: string } = {}): Promise<OpenedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const extDir = join(dataDir, EXTENSION_DIR);
  mkdirSync(extDir, { recursive: true });
  const path = join(dataDir, DB_FILE);
  const options: Record<string, string> = {
    extension_directory: extDir,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
    // Query results in insertion order keep replays deterministic where a query has no ORDER BY.
    preserve_insertion_order: 'true',
  };
  if (opts.threads !== undefined) options.threads = String(opts.threads);
  if (opts.memoryLimit !== undefined) options.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(path, options);
  return { instance, path };
}

/** Runs `fn` inside BEGIN/COMMIT on `conn`, rolling back if it throws. */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (err) {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // The transaction may already be aborted; the original error matters.
    }
    throw err;
  }
}

/** SQL string literal (for identifiers and paths in statements that cannot take parameters, e.g. COPY). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * Rewrites the database into a fresh file and swaps it in. DuckDB reuses the blocks of deleted rows but does not
 * wipe them, so after an erase the old bytes can linger in the file until overwritten; a copy holds only live rows.
 * The database must not be open anywhere. `after` runs on the copy before the swap (to clear a flag, say).
 */
export async function compactDatabase(dataDir: string, after?: (conn: DuckDBConnection) => Promise<void>): Promise<void> {
  const path = join(dataDir, DB_FILE);
  const tmp = join(dataDir, `${DB_FILE}.compact`);
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const { instance } = await openDatabase(dataDir);
  try {
    const conn = await instance.connect();
    const name = String((await conn.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
    await conn.run(`ATTACH ${sqlString(tmp)} AS compact_target`);
    await conn.run(`COPY FROM DATABASE "${name.replaceAll('"', '""')}" TO compact_target`);
    if (after) {
      await conn.run('USE compact_target');
      await after(conn);
      await conn.run(`USE "${name.replaceAll('"', '""')}"`);
    }
    await conn.run('CHECKPOINT compact_target');
    await conn.run('DETACH compact_target');
    conn.closeSync();
  } finally {
    instance.closeSync();
  }
  renameSync(tmp, path);
  rmSync(`${path}.wal`, { force: true });
}
