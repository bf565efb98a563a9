/**
 * Read helpers for the API: plain JSON-ready objects with camelCase keys, times in epoch ms, days as 'YYYY-MM-DD'.
 * They run on their own connection and see the last committed state.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

export type Row = Record<string, string | number | boolean | null>;

export interface DayRange {
  vehicle?: string;
  /** Inclusive, 'YYYY-MM-DD'. */
  from?: string;
  /** Inclusive, 'YYYY-MM-DD'. */
  to?: string;
  limit?: number;
}

export interface LayerCounts {
  bronze: { batches: number; bytes: number; duplicateBatches: number; undecodable: number };
  silver: { readings: number; positions: number; alerts: number; statuses: number; rollups: number; quarantined: number; watermark: number; pendingBatches: number };
  gold: { vehicleDays: number; trips: number; stops: number; alerts: number; reeferDays: number; driverDays: number; dirtyPartitions: number };
  /** duplicates: sequence duplicates and resent sensor items; resent: the latter alone. */
  quality: { valid: number; quarantined: number; duplicates: number; resent: number; validPct: number | null; byReason: Record<string, number> };
  exportPending: number;
}

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function plain(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

export class PipelineQueries {
  constructor(private readonly conn: DuckDBConnection) {}

  private async rows(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    const names = reader.columnNames();
    return reader.getRows().map((r) => {
      const o: Row = {};
      names.forEach((n, i) => (o[camel(n)] = plain(r[i])));
      return o;
    });
  }

  /** WHERE clause and params for a vehicle/day range over a table with `vehicle` and `day` columns. */
  private range(q: DayRange, dayCol = 'day'): { where: string; params: DuckDBValue[]; limit: number } {
    const conds: string[] = [];
    const params: DuckDBValue[] = [];
    if (q.vehicle !== undefined) {
      conds.push('vehicle = ?');
      params.push(q.vehicle);
    }
    for (const [k, op] of [
      ['from', '>='],
      ['to', '<='],
    ] as const) {
      const d = q[k];
      if (d === undefined) continue;
      if (!DAY_RE.test(d)) throw new QueryError(`${k} must be a day as YYYY-MM-DD, got '${d}'`);
      conds.push(`${dayCol} ${op} CAST(? AS DATE)`);
      params.push(d);
    }
    const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 1000)), 100_000);
    return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params, limit };
  }

  /**
   * Sync health of every vehicle (or one), with the whole-batch redeliveries Bronze counted for the vehicle's
   * gateways added live (duplicate_batches).
   */
  syncHealth(vehicle?: string): Promise<Row[]> {
    const sql = `WITH dup AS (
        SELECT s.vehicle, sum(d.batches) AS duplicate_batches
        FROM (SELECT DISTINCT vehicle, gateway FROM silver_streams) s JOIN bronze_duplicates d ON d.device_id = s.gateway
        GROUP BY s.vehicle)
      SELECT h.*, coalesce(dup.duplicate_batches, 0) AS duplicate_batches
      FROM gold_sync_health h LEFT JOIN dup ON dup.vehicle = h.vehicle`;
    return vehicle === undefined ? this.rows(`${sql} ORDER BY h.vehicle`) : this.rows(`${sql} WHERE h.vehicle = ?`, [vehicle]);
  }

  /** Alerts (lifecycle merged), newest raise first. */
  alerts(q: DayRange & { activeOnly?: boolean } = {}): Promise<Row[]> {
    const r = this.range(q);
    const active = q.activeOnly ? `${r.where ? ' AND' : 'WHERE'} state <> 'cleared'` : '';
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_alerts ${r.where}${active} ORDER BY raised_ms DESC, alert_id LIMIT ${r.limit}`, r.params);
  }

  trips(q: DayRange = {}): Promise<Row[]> {
    const r = this.range(q);
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_trips ${r.where} ORDER BY vehicle, start_ms LIMIT ${r.limit}`, r.params);
  }

  stops(q: DayRange = {}): Promise<Row[]> {
    const r = this.range(q);
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_stops ${r.where} ORDER BY vehicle, start_ms LIMIT ${r.limit}`, r.params);
  }

  daily(q: DayRange = {}): Promise<Row[]> {
    const r = this.range(q);
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_vehicle_daily ${r.where} ORDER BY vehicle, day LIMIT ${r.limit}`, r.params);
  }

  reeferCompliance(q: DayRange = {}): Promise<Row[]> {
    const r = this.range(q);
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_reefer_compliance ${r.where} ORDER BY vehicle, day LIMIT ${r.limit}`, r.params);
  }

  driverSafety(q: DayRange & { driver?: string } = {}): Promise<Row[]> {
    const r = this.range(q);
    let where = r.where;
    const params = [...r.params];
    if (q.driver !== undefined) {
      where = `${where ? `${where} AND` : 'WHERE'} driver = ?`;
      params.push(q.driver);
    }
    return this.rows(`SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_driver_safety_daily ${where} ORDER BY vehicle, day, driver NULLS FIRST LIMIT ${r.limit}`, params);
  }

  vehicleHealth(vehicle?: string): Promise<Row[]> {
    return vehicle === undefined
      ? this.rows('SELECT * FROM gold_vehicle_health ORDER BY vehicle, since_ms')
      : this.rows('SELECT * FROM gold_vehicle_health WHERE vehicle = ? ORDER BY since_ms', [vehicle]);
  }

  /** Data quality per vehicle and day: counts, valid share and quarantine reasons. */
  async quality(q: DayRange = {}): Promise<Row[]> {
    const r = this.range(q, 'q.day');
    const where = r.where.replace('vehicle = ?', 'q.vehicle = ?');
    return this.rows(
      `SELECT q.vehicle, q.day::VARCHAR AS day, q.valid, q.quarantined, q.duplicates, q.resent,
              CASE WHEN q.valid + q.quarantined > 0 THEN 100.0 * q.valid / (q.valid + q.quarantined) END AS valid_pct,
              (SELECT string_agg(reason || '=' || n, ',' ORDER BY reason) FROM quality_reasons r WHERE r.vehicle = q.vehicle AND r.day = q.day) AS reasons
       FROM quality_daily q ${where} ORDER BY q.vehicle, q.day LIMIT ${r.limit}`,
      r.params,
    );
  }

  /** Row counts per layer and the quality totals: for status pages and the metrics endpoint. */
  async counts(): Promise<LayerCounts> {
    const one = async (sql: string): Promise<number> => Number((await this.conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    const watermark = await one(`SELECT coalesce(max(value::BIGINT), 0) FROM pipeline_state WHERE key = 'silver_watermark'`);
    const byReason: Record<string, number> = {};
    for (const [reason, n] of (await this.conn.runAndReadAll('SELECT reason, sum(n) FROM quality_reasons GROUP BY reason ORDER BY reason')).getRows())
      byReason[String(reason)] = Number(n);
    const [valid, quarantined, duplicates, resent] = (
      await this.conn.runAndReadAll('SELECT coalesce(sum(valid), 0), coalesce(sum(quarantined), 0), coalesce(sum(duplicates), 0), coalesce(sum(resent), 0) FROM quality_daily')
    ).getRows()[0]!.map(Number) as [number, number, number, number];
    return {
      bronze: {
        batches: await one('SELECT count(*) FROM bronze_batches'),
        bytes: await one('SELECT coalesce(sum(size_bytes), 0) FROM bronze_batches'),
        duplicateBatches: await one('SELECT coalesce(sum(batches), 0) FROM bronze_duplicates'),
        undecodable: await one('SELECT count(*) FROM bronze_batches WHERE header_error IS NOT NULL'),
      },
      silver: {
        readings: await one('SELECT count(*) FROM silver_readings'),
        positions: await one('SELECT count(*) FROM silver_positions'),
        alerts: await one('SELECT count(*) FROM silver_alerts'),
        statuses: await one('SELECT count(*) FROM silver_status'),
        rollups: await one('SELECT count(*) FROM silver_rollups'),
        quarantined: await one('SELECT count(*) FROM quarantine'),
        watermark,
        pendingBatches: await one(`SELECT count(*) FROM bronze_batches WHERE bronze_id > ${watermark}`),
      },
      gold: {
        vehicleDays: await one('SELECT count(*) FROM gold_vehicle_daily'),
        trips: await one('SELECT count(*) FROM gold_trips'),
        stops: await one('SELECT count(*) FROM gold_stops'),
        alerts: await one('SELECT count(*) FROM gold_alerts'),
        reeferDays: await one('SELECT count(*) FROM gold_reefer_compliance'),
        driverDays: await one('SELECT count(*) FROM gold_driver_safety_daily'),
        dirtyPartitions: await one('SELECT count(*) FROM gold_dirty'),
      },
      quality: { valid, quarantined, duplicates, resent, validPct: valid + quarantined > 0 ? (100 * valid) / (valid + quarantined) : null, byReason },
      exportPending: await one('SELECT count(*) FROM export_dirty'),
    };
  }

  /** Quarantined rows (newest first), without raw bytes. */
  quarantine(q: DayRange & { reason?: string } = {}): Promise<Row[]> {
    const conds: string[] = [];
    const params: DuckDBValue[] = [];
    if (q.vehicle !== undefined) {
      conds.push('vehicle = ?');
      params.push(q.vehicle);
    }
    if (q.reason !== undefined) {
      conds.push('reason = ?');
      params.push(q.reason);
    }
    const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 100)), 10_000);
    return this.rows(
      `SELECT * EXCLUDE (raw_bytes), raw_bytes IS NOT NULL AS has_raw_bytes FROM quarantine ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
       ORDER BY ingest_ms DESC, bronze_id DESC, seq DESC NULLS LAST LIMIT ${limit}`,
      params,
    );
  }

  close(): void {
    this.conn.closeSync();
  }
}
