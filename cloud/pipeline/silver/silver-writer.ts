/**
 * Writes one SilverOutput in the caller's transaction: the event rows through the Appender, then the bookkeeping
 * (sequence state, quality figures, dirty partitions, device and driver maps, the Bronze watermark).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ColumnBatch } from '../../storage/column-batch.ts';
import { mergeRows, type Plain } from '../../storage/plain-rows.ts';
import { QUARANTINE } from '../schema.ts';
import type { QuarantineRow } from './rows.ts';
import { serialiseSeqState } from './seq-tracker.ts';
import type { SilverOutput, SilverState } from './to-silver.ts';

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

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
const isoDay = (dayMs: number): string => new Date(dayMs).toISOString().slice(0, 10);

/** Silver tables whose export partitions a row lands in, by day. */
export const SILVER_EXPORT_TABLES = ['silver_readings', 'silver_positions', 'silver_alerts', 'silver_status', 'quarantine'] as const;

export async function writeSilver(conn: DuckDBConnection, out: SilverOutput, state: SilverState): Promise<void> {
  await out.readings.appendTo(conn, 'silver_readings');
  await out.positions.appendTo(conn, 'silver_positions');
  await out.alerts.appendTo(conn, 'silver_alerts');
  await out.statuses.appendTo(conn, 'silver_status');
  await quarantineBatch(out.quarantine).appendTo(conn, 'quarantine');

  // Bookkeeping in bulk: one staged merge per table, whatever the number of rows.
  const streams: Plain[][] = [];
  for (const key of out.touchedStreams) {
    const s = state.streams.get(key);
    if (s === undefined) continue;
    streams.push([s.device, s.epoch, s.lane, s.vehicle, serialiseSeqState(s.seq), s.seq.gapsClosed, s.duplicates, finite(s.lastIngestMs) ?? 0, s.lastBronzeId, s.lastLagMs, s.maxLagMs]);
  }
  await mergeRows(conn, 'silver_streams', streams, 'OR REPLACE');
  await mergeRows(
    conn,
    'quality_daily',
    [...out.quality.values()].map((q) => [q.vehicle, isoDay(q.dayMs), q.valid, q.quarantined, q.duplicates, q.lastEventMs, q.lastIngestMs]),
    `ON CONFLICT (vehicle, day) DO UPDATE SET
       valid = quality_daily.valid + excluded.valid,
       quarantined = quality_daily.quarantined + excluded.quarantined,
       duplicates = quality_daily.duplicates + excluded.duplicates,
       last_event_ms = greatest(quality_daily.last_event_ms, excluded.last_event_ms),
       last_ingest_ms = greatest(quality_daily.last_ingest_ms, excluded.last_ingest_ms)`,
  );
  await mergeRows(
    conn,
    'quality_reasons',
    [...out.reasons.values()].map((r) => [r.vehicle, isoDay(r.dayMs), r.reason, r.n]),
    'ON CONFLICT (vehicle, day, reason) DO UPDATE SET n = quality_reasons.n + excluded.n',
  );
  // Gold refresh of these partitions also queues their Silver export files.
  await mergeRows(conn, 'gold_dirty', [...out.dirty.values()].map((d) => [d.vehicle, isoDay(d.dayMs)]), 'OR IGNORE');
  const devices: Plain[][] = [];
  for (const device of out.touchedDevices) {
    const vehicle = state.deviceVehicle.get(device);
    if (vehicle !== undefined) devices.push([device, vehicle]);
  }
  await mergeRows(conn, 'device_vehicle', devices, 'OR REPLACE');
  await mergeRows(conn, 'driver_map', out.newDrivers, 'OR IGNORE');
  await conn.run(`INSERT OR REPLACE INTO pipeline_state VALUES ('silver_watermark', ?)`, [String(out.lastBronzeId)]);
}

