import { BIGINT, BLOB, BOOLEAN, DOUBLE, DuckDBInstance, ENUM, INTEGER, UTINYINT, VARCHAR } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ColumnBatch, type ColumnSpec } from './column-batch.ts';

const SPECS: ColumnSpec[] = [
  { name: 's', kind: 'varchar', type: VARCHAR },
  { name: 'b', kind: 'bigint', type: BIGINT },
  { name: 'd', kind: 'double', type: DOUBLE },
  { name: 'i', kind: 'integer', type: INTEGER },
  { name: 'u', kind: 'utinyint', type: UTINYINT },
  { name: 'f', kind: 'boolean', type: BOOLEAN },
  { name: 'e', kind: 'enum', type: ENUM(['x', 'y', 'z']), values: ['x', 'y', 'z'] },
  { name: 'x', kind: 'blob', type: BLOB },
];

// Short strings are inlined in DuckDB's string_t, longer ones live in the vector's heap: cover both, and many chunks.
const STRINGS = ['', 'a', 'twelve-chars', 'thirteen-char', 'a considerably longer string ü€', null];

function row(k: number): [string | null, number | null, number | null, number | null, number | null, boolean | null, string | null, Uint8Array | null] {
  return [
    STRINGS[k % STRINGS.length]!,
    k % 11 === 0 ? null : (k % 2 ? -1 : 1) * (k * 1_000_003 + 2 ** 52),
    k % 13 === 0 ? null : k / 7,
    k % 17 === 0 ? null : k - 3000,
    k % 19 === 0 ? null : k % 256,
    k % 23 === 0 ? null : k % 3 === 0,
    k % 29 === 0 ? null : (['x', 'y', 'z'] as const)[k % 3]!,
    k % 5 === 0 ? null : Uint8Array.of(k % 256, 0, 255, (k >> 8) % 256),
  ];
}

describe('ColumnBatch', () => {
  it('round-trips every column kind, nulls and long strings through the Appender across many chunks', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    try {
      await conn.run(`CREATE TABLE t (s VARCHAR, b BIGINT, d DOUBLE, i INTEGER, u UTINYINT, f BOOLEAN, e ENUM('x', 'y', 'z'), x BLOB)`);
      const n = 5000;
      const batch = new ColumnBatch(SPECS, 16);
      for (let k = 0; k < n; k++) {
        const [s, b, d, i, u, f, e, x] = row(k);
        const r = batch.row();
        batch.str(0, r, s);
        batch.num(1, r, b);
        batch.num(2, r, d);
        batch.num(3, r, i);
        batch.num(4, r, u);
        batch.bool(5, r, f);
        batch.enum(6, r, e);
        batch.blob(7, r, x);
      }
      await batch.appendTo(conn, 't');
      const rows = (await conn.runAndReadAll('SELECT s, b, d, i, u, f, e::VARCHAR, x FROM t')).getRows();
      expect(rows).toHaveLength(n);
      rows.forEach((got, k) => {
        const [s, b, d, i, u, f, e, x] = row(k);
        expect(got[0]).toBe(s);
        expect(got[1]).toBe(b === null ? null : BigInt(b));
        expect(got[2]).toBe(d);
        expect(got[3]).toBe(i);
        expect(got[4]).toBe(u);
        expect(got[5]).toBe(f);
        expect(got[6]).toBe(e);
        expect(got[7] === null ? null : new Uint8Array((got[7] as { bytes: Uint8Array }).bytes)).toEqual(x);
      });
    } finally {
      conn.closeSync();
      inst.closeSync();
    }
  });

  it('survives a trip through its transferable form', () => {
    const a = new ColumnBatch(SPECS.slice(0, 2));
    for (let k = 0; k < 10; k++) {
      const r = a.row();
      a.str(0, r, `v${k % 3}`);
      a.num(1, r, k % 4 === 0 ? null : k);
    }
    const b = ColumnBatch.fromData(SPECS.slice(0, 2), structuredClone(a.toData()));
    expect(Array.from({ length: 10 }, (_, k) => b.rowObject(k))).toEqual(Array.from({ length: 10 }, (_, k) => a.rowObject(k)));
  });

  it('refuses a value outside an enum', () => {
    const a = new ColumnBatch(SPECS);
    expect(() => a.enum(6, a.row(), 'w')).toThrow(/not one of/);
  });
});
