/**
 * Incremental Gold: takes (vehicle, day) partitions from gold_dirty, reads their Silver rows, recomputes them with
 * the pure functions (vehicle-day.ts, alert-lifecycle.ts, sync-health.ts) and replaces exactly those partitions,
 * in one transaction per run. Never rebuilds a whole table.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../../storage/duckdb.ts';
import { appendPlainRows, type Plain } from '../../storage/plain-rows.ts';
import { DRIVER_SIGNALS, signalsFor } from '../signals.ts';
import { mergeAlertLifecycle } from './alert-lifecycle.ts';
import { DAY_MS, type GoldSettings } from './gold-settings.ts';
import { computeSyncHealth, type StreamRow } from './sync-health.ts';
import type { GoldAlertEvent, GoldPosition, GoldReading, MergedAlert } from './types.ts';
import { computeVehicleDay, type VehicleDayInput } from './vehicle-day.ts';
import { partitionKey, type DirtyPartition } from './plan-gold.ts';
import { SILVER_EXPORT_TABLES } from '../silver/silver-writer.ts';

export interface GoldResult {
  partitions: number;
  vehicles: number;
  alerts: number;
}

/** Gold tables partitioned by (vehicle, day). */
const DAY_TABLES = ['gold_vehicle_daily', 'gold_trips', 'gold_stops', 'gold_reefer_compliance', 'gold_driver_safety_daily'] as const;
export const GOLD_EXPORT_DAY_TABLES = [...DAY_TABLES, 'gold_alerts', 'quality_daily', 'quality_reasons'] as const;
export const GOLD_EXPORT_WHOLE_TABLES = ['gold_vehicle_health', 'gold_sync_health'] as const;
/** export_dirty's day for tables exported as one file. */
export const WHOLE_TABLE_DAY = '1970-01-01';

const GOLD_SIGNALS = signalsFor('odometer', 'engineHours', 'fuelUsed', 'fuelRate', 'speed', 'rpm', 'ignition', 'reeferTemp', 'reeferSetpoint', 'defrost', 'door', 'driver');
const sqlList = (xs: readonly string[]): string => xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(', ');
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const n = (v: unknown): number => Number(v);
const nn = (v: unknown): number | null => (v === null ? null : Number(v));
const sn = (v: unknown): string | null => (v === null ? null : String(v));

export interface Partition {
  vehicle: string;
  dayMs: number;
}

const pkey = partitionKey;

/** Refreshes up to `limit` dirty partitions. Returns zero partitions when Gold is up to date. */
export async function refreshGold(conn: DuckDBConnection, s: GoldSettings, limit = 2000): Promise<GoldResult> {
  const dirty = (
    await conn.runAndReadAll(`SELECT vehicle, epoch_ms(day)::DOUBLE FROM gold_dirty ORDER BY vehicle, day LIMIT ?`, [limit])
  ).getRows().map(([v, d]) => ({ vehicle: String(v), dayMs: n(d) }));
  return refreshGoldPartitions(conn, s, dirty);
}

/** Every dirty partition with its Silver event count (what planGoldSlice weighs). */
export async function readDirtyPartitions(conn: DuckDBConnection): Promise<DirtyPartition[]> {
  const rows = await conn.runAndReadAll(
    `SELECT d.vehicle, epoch_ms(d.day)::DOUBLE, coalesce(q.valid, 0)::DOUBLE FROM gold_dirty d LEFT JOIN quality_daily q USING (vehicle, day)`,
  );
  return rows.getRows().map(([v, d, e]) => ({ vehicle: String(v), dayMs: n(d), events: n(e) }));
}

/** Recomputes exactly these partitions (each should be in gold_dirty) in one transaction. */
export async function refreshGoldPartitions(conn: DuckDBConnection, s: GoldSettings, dirty: readonly Partition[]): Promise<GoldResult> {
  if (dirty.length === 0) return { partitions: 0, vehicles: 0, alerts: 0 };
  return inTransaction(conn, async () => {
    await conn.run('CREATE TEMP TABLE IF NOT EXISTS gold_batch (vehicle VARCHAR, day DATE, start_ms BIGINT, end_ms BIGINT, idx INTEGER)');
    await conn.run('DELETE FROM gold_batch');
    await appendPlainRows(conn, 'gold_batch', dirty.map((p, i) => [p.vehicle, isoDay(p.dayMs), p.dayMs, p.dayMs + DAY_MS, i]));

    const alerts = await refreshAlerts(conn);
    const inputs = await loadInputs(conn, dirty);

    for (const t of DAY_TABLES) await conn.run(`DELETE FROM ${t} WHERE (vehicle, day) IN (SELECT vehicle, day FROM gold_batch)`);
    const daily: Plain[][] = [];
    const trips: Plain[][] = [];
    const stops: Plain[][] = [];
    const reefer: Plain[][] = [];
    const safety: Plain[][] = [];
    for (const p of dirty) {
      const inp = inputs.get(pkey(p.vehicle, p.dayMs))!;
      const out = computeVehicleDay(inp, s);
      const day = isoDay(p.dayMs);
      const d = out.daily;
      if (d !== null)
        daily.push([p.vehicle, day, d.distanceKm, d.distanceSource, d.engineHours, d.idleS, d.fuelUsedL, d.avgSpeedKmh, d.maxSpeedKmh, d.startOdometerKm, d.endOdometerKm, d.movingS, d.trips, d.positions, d.readings]);
      for (const t of out.trips)
        trips.push([p.vehicle, day, t.startMs, t.endMs, t.startLat, t.startLon, t.endLat, t.endLon, t.distanceKm, t.durationS, t.avgSpeedKmh, t.maxSpeedKmh, t.idleS, t.fuelUsedL, t.startOdometerKm, t.endOdometerKm, t.driver]);
      for (const st of out.stops) stops.push([p.vehicle, day, st.startMs, st.endMs, st.durationS, st.lat, st.lon, st.engineOnS]);
      const r = out.reefer;
      if (r !== null) reefer.push([p.vehicle, day, r.monitoredMin, r.outOfRangeMin, r.excursions, r.doorOpenMin, r.minTempC, r.maxTempC]);
      for (const x of out.safety) safety.push([p.vehicle, day, x.driver, x.distanceKm, x.harshEvents, x.harshPer100Km, x.overspeedS]);
    }
    await appendPlainRows(conn, 'gold_vehicle_daily', daily);
    await appendPlainRows(conn, 'gold_trips', trips);
    await appendPlainRows(conn, 'gold_stops', stops);
    await appendPlainRows(conn, 'gold_reefer_compliance', reefer);
    await appendPlainRows(conn, 'gold_driver_safety_daily', safety);

    const vehicles = [...new Set(dirty.map((p) => p.vehicle))].sort();
    await refreshVehicleHealth(conn, s);
    await refreshSyncHealth(conn);

    // Export: every Silver and Gold table of these days, and the whole-table ones.
    const tables = [...SILVER_EXPORT_TABLES, ...GOLD_EXPORT_DAY_TABLES];
    await conn.run(`INSERT OR IGNORE INTO export_dirty SELECT DISTINCT t.tbl, b.day FROM gold_batch b, (VALUES ${tables.map((t) => `('${t}')`).join(', ')}) t(tbl)`);
    for (const t of GOLD_EXPORT_WHOLE_TABLES) await conn.run(`INSERT OR IGNORE INTO export_dirty VALUES (?, CAST(? AS DATE))`, [t, WHOLE_TABLE_DAY]);
    await conn.run('DELETE FROM gold_dirty WHERE (vehicle, day) IN (SELECT vehicle, day FROM gold_batch)');
    return { partitions: dirty.length, vehicles: vehicles.length, alerts };
  });
}

/** Re-merges every alert id that has a lifecycle message in the batch's partitions. */
async function refreshAlerts(conn: DuckDBConnection): Promise<number> {
  await conn.run('CREATE TEMP TABLE IF NOT EXISTS gold_alert_ids (alert_id VARCHAR)');
  await conn.run('DELETE FROM gold_alert_ids');
  await conn.run(
    `INSERT INTO gold_alert_ids SELECT DISTINCT a.alert_id FROM silver_alerts a JOIN gold_batch b
       ON a.vehicle = b.vehicle AND a.event_ms >= b.start_ms AND a.event_ms < b.end_ms`,
  );
  const rows = (
    await conn.runAndReadAll(
      `SELECT alert_id, vehicle, event_ms::DOUBLE, seq::DOUBLE, state::VARCHAR, severity::VARCHAR, rule_id, value, threshold, peak,
              raised_ms::DOUBLE, message, lat, lon, signal, sensor, suppressed
       FROM silver_alerts WHERE alert_id IN (SELECT alert_id FROM gold_alert_ids)
       ORDER BY alert_id, event_ms, epoch, lane, seq`,
    )
  ).getRows();
  const byId = new Map<string, GoldAlertEvent[]>();
  for (const r of rows) {
    const e: GoldAlertEvent = {
      alertId: String(r[0]), vehicle: String(r[1]), t: n(r[2]), seq: n(r[3]), state: String(r[4]) as GoldAlertEvent['state'],
      severity: String(r[5]) as GoldAlertEvent['severity'], ruleId: String(r[6]), value: nn(r[7]), threshold: nn(r[8]), peak: nn(r[9]),
      raisedMs: n(r[10]), message: String(r[11]), lat: nn(r[12]), lon: nn(r[13]), signal: sn(r[14]), sensor: sn(r[15]), suppressed: nn(r[16]),
    };
    const list = byId.get(e.alertId);
    if (list) list.push(e);
    else byId.set(e.alertId, [e]);
  }
  await conn.run('DELETE FROM gold_alerts WHERE alert_id IN (SELECT alert_id FROM gold_alert_ids)');
  const out: Plain[][] = [];
  for (const events of byId.values()) {
    const a = mergeAlertLifecycle(events);
    out.push([a.alertId, a.vehicle, isoDay(Math.floor(a.raisedMs / DAY_MS) * DAY_MS), a.ruleId, a.severity, a.state, a.raisedMs, a.clearedMs, a.lastEventMs, a.durationS, a.updates, a.value, a.threshold, a.peak, a.message, a.lat, a.lon, a.signal, a.sensor, a.suppressed]);
  }
  await appendPlainRows(conn, 'gold_alerts', out);
  // An alert raised on an earlier day changes that day's export file too.
  await conn.run(
    `INSERT OR IGNORE INTO export_dirty SELECT DISTINCT 'gold_alerts', day FROM gold_alerts WHERE alert_id IN (SELECT alert_id FROM gold_alert_ids)`,
  );
  return byId.size;
}

async function loadInputs(
  conn: DuckDBConnection,
  dirty: readonly Partition[],
): Promise<Map<string, VehicleDayInput>> {
  const inputs = new Map<string, VehicleDayInput>();
  for (const p of dirty) inputs.set(pkey(p.vehicle, p.dayMs), { dayStart: p.dayMs, positions: [], readings: [], rollups: [], readingCount: 0, driverAtStart: undefined, alerts: [] });

  // Read column-wise with the partition as an index and the signal as a code: no strings per row.
  const byIdx = dirty.map((p) => inputs.get(pkey(p.vehicle, p.dayMs))!);
  const pos = (
    await conn.runAndReadAll(
      `SELECT b.idx, p.event_ms::DOUBLE, p.lat, p.lon, p.speed_kmh FROM silver_positions p JOIN gold_batch b
         ON p.vehicle = b.vehicle AND p.event_ms >= b.start_ms AND p.event_ms < b.end_ms
       ORDER BY b.idx, p.event_ms, p.epoch, p.lane, p.seq`,
    )
  ).getColumns() as [number[], number[], number[], number[], (number | null)[]];
  // (an empty result has no column arrays at all)
  for (let i = 0; i < (pos[0]?.length ?? 0); i++)
    byIdx[pos[0][i]!]!.positions.push({ t: pos[1][i]!, lat: pos[2][i]!, lon: pos[3][i]!, speedKmh: pos[4][i] ?? null });
  const rd = (
    await conn.runAndReadAll(
      `SELECT b.idx, r.event_ms::DOUBLE, list_position([${sqlList(GOLD_SIGNALS)}], r.signal)::INTEGER, r.value_num, r.value_bool, r.value_text
       FROM silver_readings r JOIN gold_batch b
         ON r.vehicle = b.vehicle AND r.event_ms >= b.start_ms AND r.event_ms < b.end_ms
       WHERE r.signal IN (${sqlList(GOLD_SIGNALS)})
       ORDER BY b.idx, r.event_ms, r.epoch, r.lane, r.seq`,
    )
  ).getColumns() as [number[], number[], number[], (number | null)[], (boolean | null)[], (string | null)[]];
  for (let i = 0; i < (rd[0]?.length ?? 0); i++)
    byIdx[rd[0][i]!]!.readings.push({ t: rd[1][i]!, signal: GOLD_SIGNALS[rd[2][i]! - 1]!, num: rd[3][i] ?? null, bool: rd[4][i] ?? null, text: rd[5][i] ?? null });
  // Windows of readings a gateway folded (rollups), placed by window start like readings by sensor time.
  const ru = (
    await conn.runAndReadAll(
      `SELECT b.idx, list_position([${sqlList(GOLD_SIGNALS)}], r.signal)::INTEGER, r.window_ms::DOUBLE, r.count::DOUBLE, r.bad::DOUBLE,
              r.min, r.max, r.mean, r.first_ms::DOUBLE, r.last_ms::DOUBLE
       FROM silver_rollups r JOIN gold_batch b
         ON r.vehicle = b.vehicle AND r.event_ms >= b.start_ms AND r.event_ms < b.end_ms
       WHERE r.signal IN (${sqlList(GOLD_SIGNALS)})
       ORDER BY b.idx, r.event_ms, r.epoch, r.lane, r.seq`,
    )
  ).getColumns() as [number[], number[], number[], number[], number[], (number | null)[], (number | null)[], (number | null)[], number[], number[]];
  for (let i = 0; i < (ru[0]?.length ?? 0); i++)
    byIdx[ru[0][i]!]!.rollups!.push({
      signal: GOLD_SIGNALS[ru[1][i]! - 1]!, windowMs: ru[2][i]!, count: ru[3][i]!, bad: ru[4][i]!,
      min: ru[5][i] ?? null, max: ru[6][i] ?? null, mean: ru[7][i] ?? null, first: ru[8][i]!, last: ru[9][i]!,
    });
  // Gold reads only the signals it uses; the daily row still counts every reading of the day, raw and folded.
  const counts = await conn.runAndReadAll(
    `SELECT vehicle, start_ms::DOUBLE, sum(n)::DOUBLE FROM (
       SELECT r.vehicle, b.start_ms, count(*) AS n FROM silver_readings r JOIN gold_batch b
         ON r.vehicle = b.vehicle AND r.event_ms >= b.start_ms AND r.event_ms < b.end_ms GROUP BY ALL
       UNION ALL
       SELECT r.vehicle, b.start_ms, sum(r.count + r.bad) AS n FROM silver_rollups r JOIN gold_batch b
         ON r.vehicle = b.vehicle AND r.event_ms >= b.start_ms AND r.event_ms < b.end_ms GROUP BY ALL
     ) GROUP BY ALL`,
  );
  for (const [v, start, c] of counts.getRows()) {
    const inp = inputs.get(pkey(String(v), n(start)));
    if (inp) inp.readingCount = n(c);
  }
  // The driver in force at midnight: the last driver reading of the previous day (one day of carry-over).
  const carry = await conn.runAndReadAll(
    `SELECT b.vehicle, b.start_ms::DOUBLE, arg_max(r.value_text, (r.event_ms, r.epoch, r.lane, r.seq)) FROM silver_readings r JOIN gold_batch b
       ON r.vehicle = b.vehicle AND r.event_ms >= b.start_ms - ${DAY_MS} AND r.event_ms < b.start_ms
     WHERE r.signal IN (${sqlList(DRIVER_SIGNALS)}) AND r.value_text IS NOT NULL
     GROUP BY b.vehicle, b.start_ms`,
  );
  for (const [v, start, text] of carry.getRows()) {
    const inp = inputs.get(pkey(String(v), n(start)));
    if (inp) inp.driverAtStart = text === '' || text === null ? null : String(text);
  }
  const alerts = await conn.runAndReadAll(
    `SELECT b.vehicle, b.start_ms::DOUBLE, a.alert_id, a.rule_id, a.severity, a.state, a.raised_ms::DOUBLE, a.cleared_ms::DOUBLE,
            a.last_event_ms::DOUBLE, a.duration_s, a.updates, a.value, a.threshold, a.peak, a.message, a.lat, a.lon, a.signal, a.sensor, a.suppressed
     FROM gold_alerts a JOIN gold_batch b
       ON a.vehicle = b.vehicle AND a.raised_ms < b.end_ms AND coalesce(a.cleared_ms, a.last_event_ms) >= b.start_ms
     ORDER BY b.vehicle, b.start_ms, a.raised_ms, a.alert_id`,
  );
  for (const r of alerts.getRows()) {
    const inp = inputs.get(pkey(String(r[0]), n(r[1])));
    inp?.alerts.push({
      alertId: String(r[2]), vehicle: String(r[0]), ruleId: String(r[3]), severity: String(r[4]) as MergedAlert['severity'],
      state: String(r[5]) as MergedAlert['state'], raisedMs: n(r[6]), clearedMs: nn(r[7]), lastEventMs: n(r[8]), durationS: nn(r[9]),
      updates: n(r[10]), value: nn(r[11]), threshold: nn(r[12]), peak: nn(r[13]), message: String(r[14]), lat: nn(r[15]), lon: nn(r[16]),
      signal: sn(r[17]), sensor: sn(r[18]), suppressed: n(r[19]),
    });
  }
  return inputs;
}

/** Active DTCs per vehicle of the batch: DTC alerts whose latest lifecycle state is not "cleared". */
async function refreshVehicleHealth(conn: DuckDBConnection, s: GoldSettings): Promise<void> {
  await conn.run('DELETE FROM gold_vehicle_health WHERE vehicle IN (SELECT vehicle FROM gold_batch)');
  await conn.run(
    `INSERT INTO gold_vehicle_health
     SELECT vehicle, alert_id, rule_id, severity, value, message, raised_ms, last_event_ms FROM gold_alerts
     WHERE vehicle IN (SELECT vehicle FROM gold_batch) AND state <> 'cleared'
       AND (regexp_matches(rule_id, ?, 'i') OR coalesce(signal, '') IN ('dm1'))`,
    [s.rules.dtc],
  );
}

async function refreshSyncHealth(conn: DuckDBConnection): Promise<void> {
  const vehicles = (await conn.runAndReadAll('SELECT DISTINCT vehicle FROM gold_batch ORDER BY vehicle')).getRows().map(([v]) => String(v));
  const streams = new Map<string, StreamRow[]>();
  for (const r of (
    await conn.runAndReadAll(
      `SELECT vehicle, gateway, ranges, gaps_closed, duplicates, last_ingest_ms::DOUBLE, last_bronze_id::DOUBLE, last_lag_ms::DOUBLE, max_lag_ms::DOUBLE
       FROM silver_streams WHERE vehicle IN (SELECT vehicle FROM gold_batch) ORDER BY gateway, epoch, lane`,
    )
  ).getRows()) {
    const v = String(r[0]);
    const list = streams.get(v) ?? [];
    list.push({ ranges: String(r[2]), gapsClosed: n(r[3]), duplicates: n(r[4]), lastIngestMs: n(r[5]), lastBronzeId: n(r[6]), lastLagMs: nn(r[7]), maxLagMs: nn(r[8]) });
    streams.set(v, list);
  }
  const totals = new Map<string, { valid: number; quarantined: number; lastEventMs: number | null; resent: number }>();
  for (const [v, valid, q, last, resent] of (
    await conn.runAndReadAll(
      `SELECT vehicle, sum(valid)::DOUBLE, sum(quarantined)::DOUBLE, max(last_event_ms)::DOUBLE, sum(resent)::DOUBLE FROM quality_daily
       WHERE vehicle IN (SELECT vehicle FROM gold_batch) GROUP BY vehicle`,
    )
  ).getRows())
    totals.set(String(v), { valid: n(valid), quarantined: n(q), lastEventMs: nn(last), resent: n(resent) });
  // Both counters only grow within a journal epoch: the highest a gateway reported per epoch, summed. A lane's
  // `downsampled` is missing from older gateways (0); TRY_CAST keeps an odd value from failing the refresh.
  const evicted = new Map<string, { evicted: number; downsampled: number }>();
  for (const [v, e, d] of (
    await conn.runAndReadAll(
      `SELECT vehicle, sum(e)::DOUBLE, sum(d)::DOUBLE FROM (
         SELECT vehicle, gateway, epoch, max(evicted) AS e,
                max(coalesce(list_sum(TRY_CAST(json_extract(lanes_json, '$.*.downsampled') AS BIGINT[])), 0)) AS d
         FROM silver_status WHERE vehicle IN (SELECT vehicle FROM gold_batch) GROUP BY ALL
       ) GROUP BY vehicle`,
    )
  ).getRows())
    evicted.set(String(v), { evicted: n(e), downsampled: n(d) });

  await conn.run('DELETE FROM gold_sync_health WHERE vehicle IN (SELECT vehicle FROM gold_batch)');
  const rows: Plain[][] = [];
  for (const v of vehicles) {
    const t = totals.get(v) ?? { valid: 0, quarantined: 0, lastEventMs: null, resent: 0 };
    const h = computeSyncHealth(streams.get(v) ?? [], { ...t, ...(evicted.get(v) ?? { evicted: 0, downsampled: 0 }) });
    rows.push([v, h.lastEventMs, h.lastIngestMs, h.ingestLagMs, h.maxIngestLagMs, h.openGaps, h.openGapEvents, h.closedGaps, h.duplicateEvents, h.validEvents, h.quarantined, h.evicted, h.resentEvents, h.downsampled]);
  }
  await appendPlainRows(conn, 'gold_sync_health', rows);
}
