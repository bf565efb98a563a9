/**
 * Writes one SilverOutput in the caller's transaction: the event rows through the Appender, then the bookkeeping
 * (sequence state, quality figures, dirty partitions, device and driver maps, the Bronze watermark).
 */
import { blobValue, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';
import { appendRows } from '../../storage/chunk-appender.ts';
import { QUARANTINE, SILVER_ALERTS, SILVER_POSITIONS, SILVER_READINGS, SILVER_STATUS } from '../schema.ts';
import type { AlertRow, PositionRow, QuarantineRow, ReadingRow, StatusRow } from './rows.ts';
import { serialiseSeqState } from './seq-tracker.ts';
import type { SilverOutput, SilverState } from './to-silver.ts';

const big = (n: number | null): bigint | null => (n === null ? null : BigInt(n));

function fillKey(v: DuckDBVector[], i: number, r: ReadingRow | PositionRow | AlertRow | StatusRow): void {
  v[0]!.setItem(i, r.vehicle);
  v[1]!.setItem(i, r.epoch);
  v[2]!.setItem(i, r.lane);
  v[3]!.setItem(i, BigInt(r.seq));
  v[4]!.setItem(i, BigInt(r.eventMs));
  v[5]!.setItem(i, BigInt(r.ingestMs));
  v[6]!.setItem(i, BigInt(r.gatewayMs));
}

const fillReading = (v: DuckDBVector[], i: number, r: ReadingRow): void => {
  fillKey(v, i, r);
  v[7]!.setItem(i, r.sensor);
  v[8]!.setItem(i, r.signal);
  v[9]!.setItem(i, r.valueNum);
  v[10]!.setItem(i, r.valueText);
  v[11]!.setItem(i, r.valueBool);
  v[12]!.setItem(i, r.unit);
  v[13]!.setItem(i, r.fromUnit);
  v[14]!.setItem(i, r.quality);
  v[15]!.setItem(i, r.spn);
  v[16]!.setItem(i, r.srcVersion);
  v[17]!.setItem(i, BigInt(r.bronzeId));
};

const fillPosition = (v: DuckDBVector[], i: number, r: PositionRow): void => {
  fillKey(v, i, r);
  v[7]!.setItem(i, r.sensor);
  v[8]!.setItem(i, r.lat);
  v[9]!.setItem(i, r.lon);
  v[10]!.setItem(i, r.speedKmh);
  v[11]!.setItem(i, r.heading);
  v[12]!.setItem(i, r.altitudeM);
  v[13]!.setItem(i, r.hdop);
  v[14]!.setItem(i, r.satellites);
  v[15]!.setItem(i, r.srcVersion);
  v[16]!.setItem(i, BigInt(r.bronzeId));
};

const fillAlert = (v: DuckDBVector[], i: number, r: AlertRow): void => {
  fillKey(v, i, r);
  v[7]!.setItem(i, r.alertId);
  v[8]!.setItem(i, r.ruleId);
  v[9]!.setItem(i, r.state);
  v[10]!.setItem(i, r.severity);
  v[11]!.setItem(i, r.value);
  v[12]!.setItem(i, r.threshold);
  v[13]!.setItem(i, r.peak);
  v[14]!.setItem(i, BigInt(r.raisedMs));
  v[15]!.setItem(i, r.message);
  v[16]!.setItem(i, r.lat);
  v[17]!.setItem(i, r.lon);
  v[18]!.setItem(i, r.signal);
  v[19]!.setItem(i, r.sensor);
  v[20]!.setItem(i, r.suppressed);
  v[21]!.setItem(i, r.srcVersion);
  v[22]!.setItem(i, BigInt(r.bronzeId));
};

const fillStatus = (v: DuckDBVector[], i: number, r: StatusRow): void => {
  fillKey(v, i, r);
  v[7]!.setItem(i, r.gateway);
  v[8]!.setItem(i, r.bootId);
  v[9]!.setItem(i, r.connectivity);
  v[10]!.setItem(i, r.version);
  v[11]!.setItem(i, r.uptimeS);
  v[12]!.setItem(i, BigInt(r.rejects));
  v[13]!.setItem(i, BigInt(r.diskBytes));
  v[14]!.setItem(i, BigInt(r.backlogEvents));
  v[15]!.setItem(i, BigInt(r.evicted));
  v[16]!.setItem(i, r.lanesJson);
  v[17]!.setItem(i, r.srcVersion);
  v[18]!.setItem(i, BigInt(r.bronzeId));
};

const fillQuarantine = (v: DuckDBVector[], i: number, r: QuarantineRow): void => {
  v[0]!.setItem(i, r.vehicle);
  v[1]!.setItem(i, r.deviceId);
  v[2]!.setItem(i, r.epoch);
  v[3]!.setItem(i, r.lane);
  v[4]!.setItem(i, big(r.seq));
  v[5]!.setItem(i, r.kind);
  v[6]!.setItem(i, r.reason);
  v[7]!.setItem(i, r.detail);
  v[8]!.setItem(i, big(r.eventMs));
  v[9]!.setItem(i, BigInt(r.ingestMs));
  v[10]!.setItem(i, BigInt(r.dayMs));
  v[11]!.setItem(i, r.rawJson);
  v[12]!.setItem(i, r.rawBytes === null ? null : blobValue(r.rawBytes));
  v[13]!.setItem(i, BigInt(r.bronzeId));
};

const isoDay = (dayMs: number): string => new Date(dayMs).toISOString().slice(0, 10);

/** Silver tables whose export partitions a row lands in, by day. */
export const SILVER_EXPORT_TABLES = ['silver_readings', 'silver_positions', 'silver_alerts', 'silver_status', 'quarantine'] as const;

export async function writeSilver(conn: DuckDBConnection, out: SilverOutput, state: SilverState): Promise<void> {
  await appendRows(conn, 'silver_readings', SILVER_READINGS, out.readings, fillReading);
  await appendRows(conn, 'silver_positions', SILVER_POSITIONS, out.positions, fillPosition);
  await appendRows(conn, 'silver_alerts', SILVER_ALERTS, out.alerts, fillAlert);
  await appendRows(conn, 'silver_status', SILVER_STATUS, out.statuses, fillStatus);
  await appendRows(conn, 'quarantine', QUARANTINE, out.quarantine, fillQuarantine);

  for (const key of out.touchedStreams) {
    const s = state.streams.get(key);
    if (s === undefined) continue;
    await conn.run(
      `INSERT OR REPLACE INTO silver_streams VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [s.device, s.epoch, s.lane, s.vehicle, serialiseSeqState(s.seq), s.seq.gapsClosed, s.duplicates, s.lastIngestMs, s.lastBronzeId, s.lastLagMs, s.maxLagMs],
    );
  }
  for (const device of out.touchedDevices) {
    const vehicle = state.deviceVehicle.get(device);
    if (vehicle !== undefined) await conn.run('INSERT OR REPLACE INTO device_vehicle VALUES (?, ?)', [device, vehicle]);
  }
  for (const [driverId, pseudonym] of out.newDrivers) await conn.run('INSERT INTO driver_map VALUES (?, ?)', [driverId, pseudonym]);

  for (const q of out.quality.values()) {
    await conn.run(
      `INSERT INTO quality_daily VALUES (?, CAST(? AS DATE), ?, ?, ?, ?, ?)
       ON CONFLICT (vehicle, day) DO UPDATE SET
         valid = quality_daily.valid + excluded.valid,
         quarantined = quality_daily.quarantined + excluded.quarantined,
         duplicates = quality_daily.duplicates + excluded.duplicates,
         last_event_ms = greatest(quality_daily.last_event_ms, excluded.last_event_ms),
         last_ingest_ms = greatest(quality_daily.last_ingest_ms, excluded.last_ingest_ms)`,
      [q.vehicle, isoDay(q.dayMs), q.valid, q.quarantined, q.duplicates, q.lastEventMs, q.lastIngestMs],
    );
  }
  for (const r of out.reasons.values()) {
    await conn.run(
      `INSERT INTO quality_reasons VALUES (?, CAST(? AS DATE), ?, ?)
       ON CONFLICT (vehicle, day, reason) DO UPDATE SET n = quality_reasons.n + excluded.n`,
      [r.vehicle, isoDay(r.dayMs), r.reason, r.n],
    );
  }
  const days = new Set<number>();
  for (const d of out.dirty.values()) {
    days.add(d.dayMs);
    await conn.run('INSERT OR IGNORE INTO gold_dirty VALUES (?, CAST(? AS DATE))', [d.vehicle, isoDay(d.dayMs)]);
  }
  for (const day of days)
    for (const tbl of SILVER_EXPORT_TABLES) await conn.run('INSERT OR IGNORE INTO export_dirty VALUES (?, CAST(? AS DATE))', [tbl, isoDay(day)]);
  await conn.run(`INSERT OR REPLACE INTO pipeline_state VALUES ('silver_watermark', ?)`, [String(out.lastBronzeId)]);
}

