/**
 * Retention: removes rows older than each layer's limit. Bronze by hub receive time, Silver by event time (quarantine
 * by its counting day), Gold and quality figures by day; export partitions of removed days are deleted too.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../../storage/duckdb.ts';
import type { ExportTarget } from '../../storage/export-target.ts';
import { keysBefore } from '../export/export-parquet.ts';
import { DAY_MS } from '../gold/gold-settings.ts';
import { SILVER_TABLES } from '../schema.ts';

export interface RetentionLimits {
  bronzeDays: number;
  silverDays: number;
  goldDays: number;
}

export interface RetentionResult {
  bronze: number;
  silver: number;
  gold: number;
  exportObjects: number;
}

const GOLD_DAY_TABLES = ['gold_vehicle_daily', 'gold_trips', 'gold_stops', 'gold_alerts', 'gold_reefer_compliance', 'gold_driver_safety_daily', 'quality_daily', 'quality_reasons'];

const changes = async (conn: DuckDBConnection, sql: string, params: (number | string)[]): Promise<number> =>
  Number((await conn.runAndReadAll(sql, params)).getRows()[0]?.[0] ?? 0);

/** Cutoffs are whole UTC days: a day is kept until all of it is older than the limit. */
export async function enforceRetention(
  conn: DuckDBConnection,
  limits: RetentionLimits,
  nowMs: number,
  target: ExportTarget | null,
): Promise<RetentionResult> {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const bronzeCut = today - limits.bronzeDays * DAY_MS;
  const silverCut = today - limits.silverDays * DAY_MS;
  const goldCut = today - limits.goldDays * DAY_MS;
  const res: RetentionResult = { bronze: 0, silver: 0, gold: 0, exportObjects: 0 };
  await inTransaction(conn, async () => {
    res.bronze = await changes(conn, 'DELETE FROM bronze_batches WHERE enqueued_ms < ?', [bronzeCut]);
    await conn.run('DELETE FROM bronze_duplicates WHERE day < CAST(? AS DATE)', [new Date(bronzeCut).toISOString().slice(0, 10)]);
    for (const t of SILVER_TABLES) res.silver += await changes(conn, `DELETE FROM ${t.name} WHERE ${t.timeColumn} < ?`, [silverCut]);
    const goldDay = new Date(goldCut).toISOString().slice(0, 10);
    for (const t of GOLD_DAY_TABLES) res.gold += await changes(conn, `DELETE FROM ${t} WHERE day < CAST(? AS DATE)`, [goldDay]);
    await conn.run('DELETE FROM gold_dirty WHERE day < CAST(? AS DATE)', [new Date(Math.min(silverCut, goldCut)).toISOString().slice(0, 10)]);
  });
  if (target !== null) {
    const silverDay = new Date(silverCut).toISOString().slice(0, 10);
    const goldDay = new Date(goldCut).toISOString().slice(0, 10);
    for (const key of await keysBefore(target, key0(silverDay, goldDay))) {
      const limit = key.startsWith('silver/') ? silverDay : goldDay;
      const day = /\/day=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
      if (day !== undefined && day < limit) {
        await target.delete(key);
        res.exportObjects++;
      }
    }
  }
  return res;
}

const key0 = (a: string, b: string): string => (a > b ? a : b);
