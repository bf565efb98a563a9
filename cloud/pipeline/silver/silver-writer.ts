/**
 * Writes one SilverOutput in the caller's transaction: the event rows through the Appender, then the bookkeeping
 * (sequence state, quality figures, dirty partitions, device and driver maps, the Bronze watermark), then the
 * resend check (resend-dedup.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ColumnBatch } from '../../storage/column-batch.ts';
import { mergeRows } from '../../storage/plain-rows.ts';
import { QUARANTINE, SILVER_ALERTS, SILVER_POSITIONS, SILVER_READINGS, SILVER_ROLLUPS, SILVER_STATUS, SILVER_TABLES } from '../schema.ts';
import { dropResends, type ResendResult } from './resend-dedup.ts';
import type { QuarantineRow } from './rows.ts';
import { DRIVER_MARK, type SilverWrite } from './to-silver.ts';

function quarantineBatch(rows: readonly QuarantineRow[]): ColumnBatch {
  const t = new ColumnBatch(QUARANTINE, Math.max(1, rows.length));
  for (const r of rows) {
    const i = t.row();
    t.str(0, i, r.vehicle);
    t.str(1, i, r.deviceId);
    t.str(2, i, r.epoch);
    t.enum(3, i, r.lane);
    t.num(4, i, r.seq);
    t.str(5, i, r.kind);
    t.str(6, i, r.reason);
    t.str(7, i, r.detail);
    t.num(8, i, r.eventMs);
    t.num(9, i, r.ingestMs);
    t.num(10, i, r.dayMs);
    t.str(11, i, r.rawJson);
    t.blob(12, i, r.rawBytes);
    t.num(13, i, r.bronzeId);
  }
  return t;
}

const isoDay = (dayMs: number): string => new Date(dayMs).toISOString().slice(0, 10);

/** Silver tables whose export partitions a row lands in, by day. */
export const SILVER_EXPORT_TABLES: readonly string[] = SILVER_TABLES.map((t) => t.name);

/**
 * Swaps the marked driver ids in the readings' value_text dictionary for their pseudonyms, creating pseudonyms for
 * new drivers. Returns the new (driver id, pseudonym) pairs to store with the rows.
 */
export function resolveDrivers(w: SilverWrite, drivers: Map<string, string>, newPseudonym: (id: string) => string): [string, string][] {
  const dict = w.readings.columns[VALUE_TEXT]?.dict;
  const created: [string, string][] = [];
  if (!dict) return created;
  for (let i = 0; i < dict.length; i++) {
    const v = dict[i]!;
    if (!v.startsWith(DRIVER_MARK)) continue;
    const id = v.slice(DRIVER_MARK.length);
    let p = drivers.get(id);
    if (p === undefined) {
      p = newPseudonym(id);
      drivers.set(id, p);
      created.push([id, p]);
    }
    dict[i] = p;
  }
  return created;
}

const VALUE_TEXT = SILVER_READINGS.findIndex((c) => c.name === 'value_text');

/**
 * Writes one Silver transaction's rows and bookkeeping, inside the caller's transaction, then removes resent
 * copies. `afterBronzeId` is the watermark before this run: the run's rows are those of later Bronze batches.
 */
export async function writeSilver(conn: DuckDBConnection, w: SilverWrite, newDrivers: readonly [string, string][], afterBronzeId: number): Promise<ResendResult> {
  await ColumnBatch.fromData(SILVER_READINGS, w.readings).appendTo(conn, 'silver_readings');
  await ColumnBatch.fromData(SILVER_POSITIONS, w.positions).appendTo(conn, 'silver_positions');
  await ColumnBatch.fromData(SILVER_ALERTS, w.alerts).appendTo(conn, 'silver_alerts');
  await ColumnBatch.fromData(SILVER_STATUS, w.statuses).appendTo(conn, 'silver_status');
  await ColumnBatch.fromData(SILVER_ROLLUPS, w.rollups).appendTo(conn, 'silver_rollups');
  await quarantineBatch(w.quarantine).appendTo(conn, 'quarantine');
  // Bookkeeping in bulk: one staged merge per table, whatever the number of rows.
  await mergeRows(conn, 'silver_streams', w.streams, 'OR REPLACE');
  await mergeRows(
    conn,
    'quality_daily',
    w.quality.map((q) => [q.vehicle, isoDay(q.dayMs), q.valid, q.quarantined, q.duplicates, q.lastEventMs, q.lastIngestMs, 0]),
    `ON CONFLICT (vehicle, day) DO UPDATE SET
       valid = quality_daily.valid + excluded.valid,
       quarantined = quality_daily.quarantined + excluded.quarantined,
       duplicates = quality_daily.duplicates + excluded.duplicates,
       resent = quality_daily.resent + excluded.resent,
       last_event_ms = greatest(quality_daily.last_event_ms, excluded.last_event_ms),
       last_ingest_ms = greatest(quality_daily.last_ingest_ms, excluded.last_ingest_ms)`,
  );
  await mergeRows(
    conn,
    'quality_reasons',
    w.reasons.map((r) => [r.vehicle, isoDay(r.dayMs), r.reason, r.n]),
    'ON CONFLICT (vehicle, day, reason) DO UPDATE SET n = quality_reasons.n + excluded.n',
  );
  // Gold refresh of these partitions also queues their Silver export files.
  await mergeRows(conn, 'gold_dirty', w.dirty.map((d) => [d.vehicle, isoDay(d.dayMs)]), 'OR IGNORE');
  await mergeRows(conn, 'device_vehicle', w.devices, 'OR REPLACE');
  await mergeRows(conn, 'driver_map', newDrivers, 'OR IGNORE');
  await conn.run(`INSERT OR REPLACE INTO pipeline_state VALUES ('silver_watermark', ?)`, [String(w.lastBronzeId)]);
  return dropResends(conn, afterBronzeId, w.suspects, w.windows);
}
