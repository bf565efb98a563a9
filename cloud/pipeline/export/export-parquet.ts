/**
 * Parquet export of Silver and Gold: one file per table and UTC day (hive layout `day=YYYY-MM-DD`), rows sorted by
 * vehicle and time so row-group statistics prune by vehicle; tables without a day (sync health, vehicle health) are
 * one file each. Only partitions listed in export_dirty are rewritten; a partition left without rows is deleted.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../../storage/duckdb.ts';
import type { ExportTarget } from '../../storage/export-target.ts';
import { DAY_MS } from '../gold/gold-settings.ts';
import { SILVER_TABLES } from '../schema.ts';

interface ExportedTable {
  table: string;
  layer: 'silver' | 'gold';
  /** SQL selecting one day's rows, given :start and :end epoch ms; null = whole table. */
  where: ((startMs: number, endMs: number, day: string) => string) | null;
  columns: string;
  order: string;
}

const byEventTime = (col: string) => (s: number, e: number) => `${col} >= ${s} AND ${col} < ${e}`;
const byDay = (_s: number, _e: number, day: string) => `day = DATE '${day}'`;

export const EXPORTED_TABLES: readonly ExportedTable[] = [
  ...SILVER_TABLES.map((t): ExportedTable => ({ table: t.name, layer: 'silver', where: byEventTime(t.timeColumn), columns: '*', order: t.exportOrder })),
  { table: 'gold_vehicle_daily', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle' },
  { table: 'gold_trips', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle, start_ms' },
  { table: 'gold_stops', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle, start_ms' },
  { table: 'gold_alerts', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle, raised_ms, alert_id' },
  { table: 'gold_reefer_compliance', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle' },
  { table: 'gold_driver_safety_daily', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle, driver NULLS FIRST' },
  { table: 'quality_daily', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle' },
  { table: 'quality_reasons', layer: 'gold', where: byDay, columns: '* EXCLUDE (day)', order: 'vehicle, reason' },
  { table: 'gold_vehicle_health', layer: 'gold', where: null, columns: '*', order: 'vehicle, alert_id' },
  { table: 'gold_sync_health', layer: 'gold', where: null, columns: '*', order: 'vehicle' },
];

const META = new Map(EXPORTED_TABLES.map((t) => [t.table, t]));
const SILVER_TIME = new Map(SILVER_TABLES.map((t) => [t.name, t.timeColumn]));

/** The object key of a table's day partition (or of a whole-table file when day is null). */
export function exportKey(table: string, day: string | null): string {
  const t = META.get(table);
  if (t === undefined) throw new Error(`not an exported table: ${table}`);
  return day === null || t.where === null ? `${t.layer}/${table}/data.parquet` : `${t.layer}/${table}/day=${day}/data.parquet`;
}

export interface ExportResult {
  written: number;
  deleted: number;
}

/** Writes one partition; returns whether it had rows (else its object was deleted). */
async function exportPartition(conn: DuckDBConnection, target: ExportTarget, scratch: string, table: string, day: string): Promise<boolean> {
  const t = META.get(table);
  if (t === undefined) return false;
  const startMs = Date.parse(`${day}T00:00:00Z`);
  const where = t.where === null ? 'true' : t.where(startMs, startMs + DAY_MS, day);
  const key = exportKey(table, t.where === null ? null : day);
  const file = join(scratch, `${table}-${day}.parquet`);
  const res = await conn.runAndReadAll(
    `COPY (SELECT ${t.columns} FROM ${table} WHERE ${where} ORDER BY ${t.order}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const count = Number(res.getRows()[0]?.[0] ?? 0);
  try {
    if (count === 0) {
      await target.delete(key);
      return false;
    }
    await target.putFile(key, file);
    return true;
  } finally {
    await rm(file, { force: true });
  }
}

/** Drains export_dirty: rewrites each listed partition, then forgets it. */
export async function exportDirty(conn: DuckDBConnection, target: ExportTarget, scratch: string): Promise<ExportResult> {
  await mkdir(scratch, { recursive: true });
  const result: ExportResult = { written: 0, deleted: 0 };
  const dirty = (await conn.runAndReadAll(`SELECT tbl, day::VARCHAR FROM export_dirty ORDER BY tbl, day`)).getRows();
  for (const [tbl, day] of dirty) {
    if (await exportPartition(conn, target, scratch, String(tbl), String(day))) result.written++;
    else result.deleted++;
    await conn.run('DELETE FROM export_dirty WHERE tbl = ? AND day = CAST(? AS DATE)', [String(tbl), String(day)]);
  }
  return result;
}

/** Every (table, day) that has rows now, for a full rewrite. */
async function allPartitions(conn: DuckDBConnection): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const t of EXPORTED_TABLES) {
    if (t.where === null) {
      out.push([t.table, '1970-01-01']);
      continue;
    }
    if (t.layer === 'silver') {
      const col = SILVER_TIME.get(t.table) ?? 'event_ms';
      const days = await conn.runAndReadAll(`SELECT DISTINCT (${col} // ${DAY_MS})::DOUBLE FROM ${t.table}`);
      for (const [d] of days.getRows()) out.push([t.table, new Date(Number(d) * DAY_MS).toISOString().slice(0, 10)]);
    } else {
      for (const [d] of (await conn.runAndReadAll(`SELECT DISTINCT day::VARCHAR FROM ${t.table}`)).getRows()) out.push([t.table, String(d)]);
    }
  }
  return out;
}

/** Rewrites the whole export from the tables and deletes objects of partitions that no longer exist. */
export async function exportAll(conn: DuckDBConnection, target: ExportTarget, scratch: string): Promise<ExportResult> {
  await conn.run('DELETE FROM export_dirty');
  const parts = await allPartitions(conn);
  const keep = new Set(parts.map(([t, d]) => exportKey(t, META.get(t)!.where === null ? null : d)));
  const result: ExportResult = { written: 0, deleted: 0 };
  for (const layer of ['silver/', 'gold/']) {
    for (const key of await target.list(layer)) {
      if (!keep.has(key)) {
        await target.delete(key);
        result.deleted++;
      }
    }
  }
  await mkdir(scratch, { recursive: true });
  for (const [t, d] of parts) {
    if (await exportPartition(conn, target, scratch, t, d)) result.written++;
  }
  return result;
}

/** Export keys whose day is before `cutoffDay` (YYYY-MM-DD), for retention. */
export async function keysBefore(target: ExportTarget, cutoffDay: string): Promise<string[]> {
  const out: string[] = [];
  for (const layer of ['silver/', 'gold/']) {
    for (const key of await target.list(layer)) {
      const m = /\/day=(\d{4}-\d{2}-\d{2})\//.exec(key);
      if (m?.[1] !== undefined && m[1] < cutoffDay) out.push(key);
    }
  }
  return out;
}
