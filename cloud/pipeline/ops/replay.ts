/**
 * Replay: drop everything derived from Bronze (Silver, quarantine, sequence state, quality figures, Gold, work
 * queues) and rebuild it by processing Bronze again in bronze_id order.
 *
 * Determinism: Silver depends only on Bronze rows taken in bronze_id order (ingest time is Bronze's recorded
 * enqueue time, never the clock), dedup keeps the first copy in that order (of resent sensor items the lowest
 * (epoch, lane, seq), in any order), and driver pseudonyms come from the kept driver_map. Gold depends only on Silver. So the rebuilt tables are byte-identical to the live ones
 * (compare with digestAll).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../../storage/duckdb.ts';
import { SILVER_TABLES } from '../schema.ts';

/** Tables replay empties. Kept: bronze_batches, bronze_duplicates, driver_map, erase_audit, pipeline_state (schema). */
export const DERIVED_TABLES: readonly string[] = [
  ...SILVER_TABLES.map((t) => t.name),
  'silver_streams',
  'quality_daily',
  'quality_reasons',
  'device_vehicle',
  'gold_dirty',
  'export_dirty',
  'gold_vehicle_daily',
  'gold_trips',
  'gold_stops',
  'gold_alerts',
  'gold_reefer_compliance',
  'gold_driver_safety_daily',
  'gold_vehicle_health',
  'gold_sync_health',
];

export async function clearDerived(conn: DuckDBConnection): Promise<void> {
  await inTransaction(conn, async () => {
    for (const t of DERIVED_TABLES) await conn.run(`DELETE FROM ${t}`);
    await conn.run(`DELETE FROM pipeline_state WHERE key = 'silver_watermark'`);
  });
}
