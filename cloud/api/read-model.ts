/**
 * Everything the API reads from the pipeline. Most of it goes through the pipeline's own query helpers
 * (PipelineQueries); what they lack (time series, positions, gateway status history, alerts in ingest order,
 * filtered alerts, throughput) is read here with bound parameters over a read connection on the pipeline's DuckDB
 * database (Pipeline.connect). Without such a connection those reads throw UnavailableError (the API answers 501)
 * and the rest works.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { PipelineQueries, Row } from '../pipeline/queries.ts';
import { SILVER_EVENT_TABLES } from '../pipeline/schema.ts';

export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

export type AlertStateFilter = 'raised' | 'updated' | 'cleared' | 'summary' | 'active';

export interface AlertFilter {
  vehicle?: string;
  severity?: 'info' | 'warning' | 'critical';
  state?: AlertStateFilter;
  /** Raise time range, epoch ms, inclusive. */
  fromMs?: number;
  toMs?: number;
  limit: number;
}

/** Position of an alert lifecycle message in ingest order. */
export interface AlertCursor {
  bronzeId: number;
  seq: number;
}

/** One alert lifecycle message as it arrived (raised, updated, cleared, summary). */
export interface LiveAlert {
  id: string;
  alertId: string;
  vehicle: string;
  ruleId: string;
  state: string;
  severity: string;
  message: string;
  value: number | null;
  threshold: number | null;
  peak: number | null;
  raisedMs: number;
  eventMs: number;
  ingestMs: number;
  signal: string | null;
  sensor: string | null;
  lat: number | null;
  lon: number | null;
}

export interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
  n: number;
}

export interface TimeRange {
  vehicle: string;
  fromMs: number;
  toMs: number;
}

export const POSITION_FIELDS = ['speed_kmh', 'altitude_m', 'heading', 'hdop', 'satellites'] as const;
export type PositionField = (typeof POSITION_FIELDS)[number];

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function plain(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

const n = (v: unknown): number => Number(v);
const nn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const sn = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** Bucket width so that [from, to) splits into at most `maxPoints` buckets; at least 1 ms. */
export const bucketMs = (fromMs: number, toMs: number, maxPoints: number): number => Math.max(1, Math.ceil((toMs - fromMs) / Math.max(1, maxPoints)));

const LIVE_ALERT_COLUMNS = `vehicle, alert_id, rule_id, state::VARCHAR, severity::VARCHAR, message, value, threshold, peak, raised_ms, event_ms,
  ingest_ms, signal, sensor, lat, lon, bronze_id, seq`;

export class ReadModel {
  constructor(
    readonly queries: PipelineQueries,
    private readonly conn: DuckDBConnection | null,
  ) {}

  get hasConnection(): boolean {
    return this.conn !== null;
  }

  private need(what: string): DuckDBConnection {
    if (this.conn === null) throw new UnavailableError(`${what} needs a read connection on the pipeline database, and none was given to the API`);
    return this.conn;
  }

  private async rows(conn: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await conn.runAndReadAll(sql, params);
    const names = reader.columnNames();
    return reader.getRows().map((r) => {
      const o: Row = {};
      names.forEach((name, i) => (o[camel(name)] = plain(r[i])));
      return o;
    });
  }

  /** Gateway device id -> vehicle, as learned by Silver. Empty without a connection. */
  async deviceVehicles(): Promise<Map<string, string>> {
    if (this.conn === null) return new Map();
    const r = await this.conn.runAndReadAll('SELECT device_id, vehicle FROM device_vehicle ORDER BY device_id');
    return new Map(r.getRows().map(([d, v]) => [String(d), String(v)]));
  }

  /** Alerts not cleared, per vehicle. */
  async activeAlertCounts(): Promise<Map<string, number>> {
    if (this.conn === null) {
      const out = new Map<string, number>();
      for (const a of await this.queries.alerts({ activeOnly: true, limit: 100_000 })) out.set(String(a.vehicle), (out.get(String(a.vehicle)) ?? 0) + 1);
      return out;
    }
    const r = await this.conn.runAndReadAll(`SELECT vehicle, count(*) FROM gold_alerts WHERE state <> 'cleared' GROUP BY vehicle`);
    return new Map(r.getRows().map(([v, c]) => [String(v), n(c)]));
  }

  /** Gold alerts (lifecycle merged), newest raise first. */
  async alerts(f: AlertFilter): Promise<Row[]> {
    if (this.conn === null) {
      // Without a connection: the pipeline's helper plus filtering here (a day range is the finest it offers).
      const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
      const rows = await this.queries.alerts({
        ...(f.vehicle !== undefined ? { vehicle: f.vehicle } : {}),
        ...(f.fromMs !== undefined ? { from: day(f.fromMs) } : {}),
        ...(f.toMs !== undefined ? { to: day(f.toMs) } : {}),
        activeOnly: f.state === 'active',
        limit: 100_000,
      });
      return rows
        .filter((a) => f.severity === undefined || a.severity === f.severity)
        .filter((a) => f.state === undefined || f.state === 'active' || a.state === f.state)
        .filter((a) => (f.fromMs === undefined || n(a.raisedMs) >= f.fromMs) && (f.toMs === undefined || n(a.raisedMs) <= f.toMs))
        .slice(0, f.limit);
    }
    const conds: string[] = [];
    const params: DuckDBValue[] = [];
    if (f.vehicle !== undefined) {
      conds.push('vehicle = ?');
      params.push(f.vehicle);
    }
    if (f.severity !== undefined) {
      conds.push('severity = ?');
      params.push(f.severity);
    }
    if (f.state === 'active') conds.push(`state <> 'cleared'`);
    else if (f.state !== undefined) {
      conds.push('state = ?');
      params.push(f.state);
    }
    if (f.fromMs !== undefined) {
      conds.push('raised_ms >= CAST(? AS BIGINT)');
      params.push(f.fromMs);
    }
    if (f.toMs !== undefined) {
      conds.push('raised_ms <= CAST(? AS BIGINT)');
      params.push(f.toMs);
    }
    params.push(f.limit);
    return this.rows(
      this.conn,
      `SELECT * EXCLUDE (day), day::VARCHAR AS day FROM gold_alerts ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
       ORDER BY raised_ms DESC, alert_id LIMIT CAST(? AS INTEGER)`,
      params,
    );
  }

  /** The newest alert message's position in ingest order (new streams start after it). */
  async latestAlertCursor(): Promise<AlertCursor> {
    const conn = this.need('the live alert stream');
    const r = (await conn.runAndReadAll('SELECT bronze_id, seq FROM silver_alerts ORDER BY bronze_id DESC, seq DESC LIMIT 1')).getRows()[0];
    return r ? { bronzeId: n(r[0]), seq: n(r[1]) } : { bronzeId: 0, seq: 0 };
  }

  /** Alert messages that arrived after `cursor`, in ingest order. */
  async alertsAfter(cursor: AlertCursor, limit: number): Promise<LiveAlert[]> {
    const conn = this.need('the live alert stream');
    const r = await conn.runAndReadAll(
      `SELECT ${LIVE_ALERT_COLUMNS} FROM silver_alerts
       WHERE bronze_id > CAST(? AS BIGINT) OR (bronze_id = CAST(? AS BIGINT) AND seq > CAST(? AS BIGINT))
       ORDER BY bronze_id, seq LIMIT CAST(? AS INTEGER)`,
      [cursor.bronzeId, cursor.bronzeId, cursor.seq, limit],
    );
    return r.getRows().map((x) => ({
      id: `${n(x[16])}-${n(x[17])}`,
      vehicle: String(x[0]),
      alertId: String(x[1]),
      ruleId: String(x[2]),
      state: String(x[3]),
      severity: String(x[4]),
      message: String(x[5]),
      value: nn(x[6]),
      threshold: nn(x[7]),
      peak: nn(x[8]),
      raisedMs: n(x[9]),
      eventMs: n(x[10]),
      ingestMs: n(x[11]),
      signal: sn(x[12]),
      sensor: sn(x[13]),
      lat: nn(x[14]),
      lon: nn(x[15]),
    }));
  }

  /** Numeric (and boolean, as 0/1) reading signals of a vehicle in a time range, with counts. */
  async signals(q: TimeRange): Promise<{ signal: string; unit: string; n: number }[]> {
    const conn = this.need('signal lists');
    // A signal the gateway had to fold (an outage's readings all in rollups) is still a signal of that range.
    const r = await conn.runAndReadAll(
      `SELECT signal, any_value(unit) AS unit, sum(n)::BIGINT AS n FROM (
         SELECT signal, unit, 1 AS n FROM silver_readings
         WHERE vehicle = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT) AND (value_num IS NOT NULL OR value_bool IS NOT NULL)
         UNION ALL
         SELECT signal, unit, count AS n FROM silver_rollups
         WHERE vehicle = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT) AND count > 0
       ) GROUP BY signal ORDER BY signal LIMIT 500`,
      [q.vehicle, q.fromMs, q.toMs, q.vehicle, q.fromMs, q.toMs],
    );
    return r.getRows().map(([s, u, c]) => ({ signal: String(s), unit: String(u), n: n(c) }));
  }

  /** A reading signal in time buckets (booleans as 0/1). */
  async readingSeries(q: TimeRange & { signal: string; maxPoints: number }): Promise<{ bucketMs: number; unit: string | null; points: SeriesPoint[] }> {
    const conn = this.need('time series');
    const b = bucketMs(q.fromMs, q.toMs, q.maxPoints);
    const r = await conn.runAndReadAll(
      `SELECT (event_ms // CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS t, avg(v), min(v), max(v), count(*), any_value(unit)
       FROM (SELECT event_ms, coalesce(value_num, CAST(value_bool AS INTEGER)::DOUBLE) AS v, unit FROM silver_readings
             WHERE vehicle = ? AND signal = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT))
       WHERE v IS NOT NULL GROUP BY 1 ORDER BY 1`,
      [b, b, q.vehicle, q.signal, q.fromMs, q.toMs],
    );
    const rows = r.getRows();
    return {
      bucketMs: b,
      unit: rows.length ? sn(rows[0]![5]) : null,
      points: rows.map((x) => ({ t: n(x[0]), avg: n(x[1]), min: n(x[2]), max: n(x[3]), n: n(x[4]) })),
    };
  }

  /**
   * A signal's rollups (readings the gateway folded for want of room) in the same buckets as readingSeries, by
   * window start: min and max over the windows, the mean weighted by count, n = the readings they stand for.
   * Windows of bad readings only (count 0) have no figures and are left out.
   */
  async rollupSeries(q: TimeRange & { signal: string; bucketMs: number }): Promise<{ unit: string | null; points: SeriesPoint[] }> {
    const conn = this.need('time series');
    const b = q.bucketMs;
    const r = await conn.runAndReadAll(
      `SELECT (event_ms // CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS t, sum(mean * count) / sum(count), min(min), max(max), sum(count), any_value(unit)
       FROM silver_rollups
       WHERE vehicle = ? AND signal = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT) AND count > 0
       GROUP BY 1 ORDER BY 1`,
      [b, b, q.vehicle, q.signal, q.fromMs, q.toMs],
    );
    const rows = r.getRows();
    return {
      unit: rows.length ? sn(rows[0]![5]) : null,
      points: rows.map((x) => ({ t: n(x[0]), avg: n(x[1]), min: n(x[2]), max: n(x[3]), n: n(x[4]) })),
    };
  }

  /** A position field (GPS speed, altitude, ...) in time buckets. */
  async positionSeries(q: TimeRange & { field: PositionField; maxPoints: number }): Promise<{ bucketMs: number; points: SeriesPoint[] }> {
    const conn = this.need('time series');
    const b = bucketMs(q.fromMs, q.toMs, q.maxPoints);
    // The column name comes from a fixed list (POSITION_FIELDS), never from the request text.
    const col = POSITION_FIELDS.includes(q.field) ? q.field : 'speed_kmh';
    const r = await conn.runAndReadAll(
      `SELECT (event_ms // CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS t, avg(${col}), min(${col}), max(${col}), count(*)
       FROM silver_positions WHERE vehicle = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT) AND ${col} IS NOT NULL
       GROUP BY 1 ORDER BY 1`,
      [b, b, q.vehicle, q.fromMs, q.toMs],
    );
    return { bucketMs: b, points: r.getRows().map((x) => ({ t: n(x[0]), avg: n(x[1]), min: n(x[2]), max: n(x[3]), n: n(x[4]) })) };
  }

  /** Positions in time order, thinned evenly to at most `maxPoints`. */
  async positions(q: TimeRange & { maxPoints: number }): Promise<{ total: number; points: { t: number; lat: number; lon: number; speedKmh: number | null }[] }> {
    const conn = this.need('positions');
    const range = [q.vehicle, q.fromMs, q.toMs];
    const where = 'vehicle = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT)';
    const total = n((await conn.runAndReadAll(`SELECT count(*) FROM silver_positions WHERE ${where}`, range)).getRows()[0]![0]);
    const step = Math.max(1, Math.ceil(total / Math.max(1, q.maxPoints)));
    const r = await conn.runAndReadAll(
      `SELECT t, lat, lon, speed_kmh FROM (
         SELECT event_ms AS t, lat, lon, speed_kmh, row_number() OVER (ORDER BY event_ms, epoch, seq) - 1 AS rn
         FROM silver_positions WHERE ${where})
       WHERE rn % CAST(? AS BIGINT) = 0 OR rn = CAST(? AS BIGINT) - 1 ORDER BY t`,
      [...range, step, total],
    );
    return { total, points: r.getRows().map((x) => ({ t: n(x[0]), lat: n(x[1]), lon: n(x[2]), speedKmh: nn(x[3]) })) };
  }

  /** The gateway's status events (connectivity, backlog, evictions) in time order, thinned to at most `max`. */
  async statusHistory(q: TimeRange & { max: number }): Promise<Row[]> {
    const conn = this.need('the sync timeline');
    const range = [q.vehicle, q.fromMs, q.toMs];
    const where = 'vehicle = ? AND event_ms >= CAST(? AS BIGINT) AND event_ms < CAST(? AS BIGINT)';
    const total = n((await conn.runAndReadAll(`SELECT count(*) FROM silver_status WHERE ${where}`, range)).getRows()[0]![0]);
    const step = Math.max(1, Math.ceil(total / Math.max(1, q.max)));
    return this.rows(
      conn,
      `SELECT t, ingest_ms, connectivity, backlog_events, evicted, rejects, disk_bytes, boot_id, lanes_json FROM (
         SELECT event_ms AS t, ingest_ms, connectivity, backlog_events, evicted, rejects, disk_bytes, boot_id, lanes_json,
                row_number() OVER (ORDER BY event_ms, epoch, seq) - 1 AS rn
         FROM silver_status WHERE ${where})
       WHERE rn % CAST(? AS BIGINT) = 0 OR rn = CAST(? AS BIGINT) - 1 ORDER BY t`,
      [...range, step, total],
    );
  }

  /** Ingest lag (hub receive time minus event time) of readings and positions, in buckets of ingest time. */
  async lagSeries(q: TimeRange & { maxPoints: number }): Promise<{ bucketMs: number; points: SeriesPoint[] }> {
    const conn = this.need('the sync timeline');
    const b = bucketMs(q.fromMs, q.toMs, q.maxPoints);
    const one = (t: string): string =>
      `SELECT ingest_ms, ingest_ms - event_ms AS lag FROM ${t} WHERE vehicle = ? AND ingest_ms >= CAST(? AS BIGINT) AND ingest_ms < CAST(? AS BIGINT)`;
    const r = await conn.runAndReadAll(
      `SELECT (ingest_ms // CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS t, avg(lag), min(lag), max(lag), count(*)
       FROM (${one('silver_readings')} UNION ALL ${one('silver_positions')}) GROUP BY 1 ORDER BY 1`,
      [b, b, q.vehicle, q.fromMs, q.toMs, q.vehicle, q.fromMs, q.toMs],
    );
    return { bucketMs: b, points: r.getRows().map((x) => ({ t: n(x[0]), avg: n(x[1]), min: n(x[2]), max: n(x[3]), n: n(x[4]) })) };
  }

  /** What arrived in the last `windowMs` before `nowMs`: Bronze batches, events and bytes, and Silver events. */
  async throughput(nowMs: number, windowMs: number): Promise<{ windowS: number; batches: number; events: number; bytes: number; silverEvents: number } | null> {
    if (this.conn === null) return null;
    const since = nowMs - windowMs;
    const b = (
      await this.conn.runAndReadAll(
        'SELECT count(*), coalesce(sum(event_count), 0), coalesce(sum(size_bytes), 0) FROM bronze_batches WHERE enqueued_ms >= CAST(? AS BIGINT)',
        [since],
      )
    ).getRows()[0]!;
    const s = (
      await this.conn.runAndReadAll(
        `SELECT ${SILVER_EVENT_TABLES.map((t) => `(SELECT count(*) FROM ${t.name} WHERE ingest_ms >= CAST(? AS BIGINT))`).join(' + ')}`,
        SILVER_EVENT_TABLES.map(() => since),
      )
    ).getRows()[0]!;
    return { windowS: windowMs / 1000, batches: n(b[0]), events: n(b[1]), bytes: n(b[2]), silverEvents: n(s[0]) };
  }

  close(): void {
    this.conn?.closeSync();
  }
}
