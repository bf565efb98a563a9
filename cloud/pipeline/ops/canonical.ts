/**
 * A canonical rendering of every Silver and Gold table: rows in a total order, values in a fixed text form, hashed.
 * Two databases with equal hashes hold byte-identical tables, whatever their physical row order.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GOLD_TABLES, SILVER_TABLES } from '../schema.ts';

export interface TableDigest {
  rows: number;
  sha256: string;
}

/** Table -> canonical order (unique per row). */
export const CANONICAL_TABLES: ReadonlyMap<string, string> = new Map([
  ...SILVER_TABLES.map((t) => [t.name, t.order] as const),
  ...GOLD_TABLES.map((t) => [t.name, t.order] as const),
]);

function render(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'bigint') return `${v}n`;
  // Shortest round-trip text: equal doubles give equal text, different doubles different text.
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'object' && 'bytes' in v && (v as { bytes: unknown }).bytes instanceof Uint8Array)
    return `0x${Buffer.from((v as { bytes: Uint8Array }).bytes).toString('hex')}`;
  return JSON.stringify(String(v));
}

export async function digestTable(conn: DuckDBConnection, table: string, opts: { exclude?: readonly string[] } = {}): Promise<TableDigest> {
  const order = CANONICAL_TABLES.get(table);
  if (order === undefined) throw new Error(`no canonical order for ${table}`);
  const cols = opts.exclude?.length ? `* EXCLUDE (${opts.exclude.join(', ')})` : '*';
  const result = await conn.stream(`SELECT ${cols} FROM ${table} ORDER BY ${order}`);
  const hash = createHash('sha256');
  hash.update(result.columnNames().join('\t'));
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      hash.update('\n');
      hash.update(row.map(render).join('\t'));
      rows++;
    }
  }
  return { rows, sha256: hash.digest('hex') };
}

/** Digests of every Silver and Gold table (quality figures included). */
export async function digestAll(conn: DuckDBConnection, opts: { exclude?: Readonly<Record<string, readonly string[]>> } = {}): Promise<Record<string, TableDigest>> {
  const out: Record<string, TableDigest> = {};
  for (const table of CANONICAL_TABLES.keys()) {
    const ex = opts.exclude?.[table];
    out[table] = await digestTable(conn, table, ex ? { exclude: ex } : {});
  }
  return out;
}
