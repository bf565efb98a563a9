/**
 * Every table of the pipeline, declared once. Silver column lists drive the DDL, the Appender chunk types and the
 * canonical ordering used by replay checks and the Parquet export. docs/medallion.md describes each column.
 */
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DOUBLE,
  ENUM,
  INTEGER,
  UTINYINT,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
} from '@duckdb/node-api';
import { LANES } from '../../shared/contracts/types.ts';
import type { ColumnKind, ColumnSpec } from '../storage/column-batch.ts';

/**
 * 2: quality_daily.resent, gold_sync_health.resent_events, silver_streams.series (dedup of resent sensor items).
 * 3: silver_rollups, gold_sync_health.downsampled. An older program would append one column too few to
 * gold_sync_health, so it must refuse this file rather than fail in every Gold refresh.
 */
export const SCHEMA_VERSION = 3;

export const QUALITIES = ['good', 'suspect', 'bad'] as const;
export const ALERT_STATES = ['raised', 'updated', 'cleared', 'summary'] as const;
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

const sqlEnum = (values: readonly string[]): string => `ENUM (${values.map((v) => `'${v}'`).join(', ')})`;

/** ENUM columns are declared inline (not as named types) so that Parquet and other databases see plain strings. */
export const LANE_SQL = sqlEnum(LANES);
const LANE_T = ENUM(LANES);
const QUALITY_T = ENUM(QUALITIES);
const STATE_T = ENUM(ALERT_STATES);
const SEVERITY_T = ENUM(SEVERITIES);

export interface Column extends ColumnSpec {
  sql: string;
}

const KIND_OF: ReadonlyMap<DuckDBType, ColumnKind> = new Map<DuckDBType, ColumnKind>([
  [VARCHAR, 'varchar'],
  [BIGINT, 'bigint'],
  [DOUBLE, 'double'],
  [INTEGER, 'integer'],
  [UTINYINT, 'utinyint'],
  [BOOLEAN, 'boolean'],
  [BLOB, 'blob'],
]);

function col(name: string, sql: string, type: DuckDBType, values?: readonly string[]): Column {
  if (values !== undefined) return { name, sql, type, kind: 'enum', values };
  const kind = KIND_OF.get(type);
  if (kind === undefined) throw new Error(`no column kind for ${name}`);
  return { name, sql, type, kind };
}

/** The idempotency key and ingest lineage every Silver event row starts with. */
const EVENT_KEY: Column[] = [
  col('vehicle', 'VARCHAR NOT NULL', VARCHAR),
  col('epoch', 'VARCHAR NOT NULL', VARCHAR),
  col('lane', `${LANE_SQL} NOT NULL`, LANE_T, LANES),
  col('seq', 'BIGINT NOT NULL', BIGINT),
  col('event_ms', 'BIGINT NOT NULL', BIGINT),
  col('ingest_ms', 'BIGINT NOT NULL', BIGINT),
  col('gateway_ms', 'BIGINT NOT NULL', BIGINT),
];
const LINEAGE: Column[] = [col('src_version', 'UTINYINT NOT NULL', UTINYINT), col('bronze_id', 'BIGINT NOT NULL', BIGINT)];

export const SILVER_READINGS: Column[] = [
  ...EVENT_KEY,
  col('sensor', 'VARCHAR NOT NULL', VARCHAR),
  col('signal', 'VARCHAR NOT NULL', VARCHAR),
  col('value_num', 'DOUBLE', DOUBLE),
  col('value_text', 'VARCHAR', VARCHAR),
  col('value_bool', 'BOOLEAN', BOOLEAN),
  col('unit', 'VARCHAR NOT NULL', VARCHAR),
  col('from_unit', 'VARCHAR', VARCHAR),
  col('quality', `${sqlEnum(QUALITIES)} NOT NULL`, QUALITY_T, QUALITIES),
  col('spn', 'INTEGER', INTEGER),
  ...LINEAGE,
];

export const SILVER_POSITIONS: Column[] = [
  ...EVENT_KEY,
  col('sensor', 'VARCHAR NOT NULL', VARCHAR),
  col('lat', 'DOUBLE NOT NULL', DOUBLE),
  col('lon', 'DOUBLE NOT NULL', DOUBLE),
  col('speed_kmh', 'DOUBLE', DOUBLE),
  col('heading', 'DOUBLE', DOUBLE),
  col('altitude_m', 'DOUBLE', DOUBLE),
  col('hdop', 'DOUBLE', DOUBLE),
  col('satellites', 'INTEGER', INTEGER),
  ...LINEAGE,
];

export const SILVER_ALERTS: Column[] = [
  ...EVENT_KEY,
  col('alert_id', 'VARCHAR NOT NULL', VARCHAR),
  col('rule_id', 'VARCHAR NOT NULL', VARCHAR),
  col('state', `${sqlEnum(ALERT_STATES)} NOT NULL`, STATE_T, ALERT_STATES),
  col('severity', `${sqlEnum(SEVERITIES)} NOT NULL`, SEVERITY_T, SEVERITIES),
  col('value', 'DOUBLE', DOUBLE),
  col('threshold', 'DOUBLE', DOUBLE),
  col('peak', 'DOUBLE', DOUBLE),
  col('raised_ms', 'BIGINT NOT NULL', BIGINT),
  col('message', 'VARCHAR NOT NULL', VARCHAR),
  col('lat', 'DOUBLE', DOUBLE),
  col('lon', 'DOUBLE', DOUBLE),
  col('signal', 'VARCHAR', VARCHAR),
  col('sensor', 'VARCHAR', VARCHAR),
  col('suppressed', 'INTEGER', INTEGER),
  ...LINEAGE,
];

export const SILVER_STATUS: Column[] = [
  ...EVENT_KEY,
  col('gateway', 'VARCHAR NOT NULL', VARCHAR),
  col('boot_id', 'VARCHAR NOT NULL', VARCHAR),
  col('connectivity', 'VARCHAR NOT NULL', VARCHAR),
  col('version', 'VARCHAR NOT NULL', VARCHAR),
  col('uptime_s', 'DOUBLE NOT NULL', DOUBLE),
  col('rejects', 'BIGINT NOT NULL', BIGINT),
  col('disk_bytes', 'BIGINT NOT NULL', BIGINT),
  col('backlog_events', 'BIGINT NOT NULL', BIGINT),
  col('evicted', 'BIGINT NOT NULL', BIGINT),
  col('lanes_json', 'VARCHAR NOT NULL', VARCHAR),
  ...LINEAGE,
];

/** A gateway's rollup: one signal of one sensor over one window of sensor time (event_ms is the window start). */
export const SILVER_ROLLUPS: Column[] = [
  ...EVENT_KEY,
  col('sensor', 'VARCHAR NOT NULL', VARCHAR),
  col('signal', 'VARCHAR NOT NULL', VARCHAR),
  col('unit', 'VARCHAR NOT NULL', VARCHAR),
  col('window_ms', 'BIGINT NOT NULL', BIGINT),
  col('count', 'BIGINT NOT NULL', BIGINT),
  col('min', 'DOUBLE', DOUBLE),
  col('max', 'DOUBLE', DOUBLE),
  col('mean', 'DOUBLE', DOUBLE),
  col('first_ms', 'BIGINT NOT NULL', BIGINT),
  col('last_ms', 'BIGINT NOT NULL', BIGINT),
  col('bad', 'BIGINT NOT NULL', BIGINT),
  col('spn', 'INTEGER', INTEGER),
  ...LINEAGE,
];

export const QUARANTINE: Column[] = [
  col('vehicle', 'VARCHAR NOT NULL', VARCHAR),
  col('device_id', 'VARCHAR NOT NULL', VARCHAR),
  col('epoch', 'VARCHAR', VARCHAR),
  col('lane', LANE_SQL, LANE_T, LANES),
  col('seq', 'BIGINT', BIGINT),
  col('kind', 'VARCHAR NOT NULL', VARCHAR),
  col('reason', 'VARCHAR NOT NULL', VARCHAR),
  col('detail', 'VARCHAR NOT NULL', VARCHAR),
  col('event_ms', 'BIGINT', BIGINT),
  col('ingest_ms', 'BIGINT NOT NULL', BIGINT),
  /** Event day when the event time is usable, else the ingest day: the day the quality figures count it on. */
  col('day_ms', 'BIGINT NOT NULL', BIGINT),
  col('raw_json', 'VARCHAR', VARCHAR),
  col('raw_bytes', 'BLOB', BLOB),
  col('bronze_id', 'BIGINT NOT NULL', BIGINT),
];

export interface SilverTable {
  name: string;
  columns: Column[];
  /** Unique, total order: the canonical row order for hashes and exports. */
  order: string;
  /** Column holding the event time in epoch ms (partitions by UTC day, retention). */
  timeColumn: string;
  /** Row order inside an export file: by vehicle, then time, so row-group statistics prune by both. */
  exportOrder: string;
}

const KEY_ORDER = 'vehicle, epoch, lane, seq';
const eventTable = (name: string, columns: Column[]): SilverTable => ({
  name,
  columns,
  order: KEY_ORDER,
  timeColumn: 'event_ms',
  exportOrder: 'vehicle, event_ms, epoch, lane, seq',
});

/** Silver tables of valid events: each row starts with EVENT_KEY and is one (epoch, lane, seq) of Bronze. */
export const SILVER_EVENT_TABLES: SilverTable[] = [
  eventTable('silver_readings', SILVER_READINGS),
  eventTable('silver_positions', SILVER_POSITIONS),
  eventTable('silver_alerts', SILVER_ALERTS),
  eventTable('silver_status', SILVER_STATUS),
  eventTable('silver_rollups', SILVER_ROLLUPS),
];

/** Every Silver table: the event tables and quarantine. DDL, replay, retention, erase and export follow this list. */
export const SILVER_TABLES: SilverTable[] = [
  ...SILVER_EVENT_TABLES,
  {
    name: 'quarantine',
    columns: QUARANTINE,
    order: 'vehicle, epoch NULLS FIRST, lane NULLS FIRST, seq NULLS FIRST, reason, detail, bronze_id',
    timeColumn: 'day_ms',
    exportOrder: 'vehicle, day_ms, bronze_id, seq NULLS FIRST, reason',
  },
];

const createTable = (name: string, columns: Column[]): string =>
  `CREATE TABLE IF NOT EXISTS ${name} (${columns.map((c) => `${c.name} ${c.sql}`).join(', ')})`;

export const DDL: string[] = [
  // Bronze: every batch as received. bronze_id is the ingest order (assigned by the single committing writer).
  `CREATE TABLE IF NOT EXISTS bronze_batches (
    bronze_id BIGINT NOT NULL,
    device_id VARCHAR NOT NULL,
    message_id VARCHAR,
    batch_id VARCHAR,
    epoch VARCHAR,
    lane ${LANE_SQL},
    first_seq BIGINT,
    last_seq BIGINT,
    event_count INTEGER,
    created_ms BIGINT,
    enqueued_ms BIGINT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content_type VARCHAR,
    content_encoding VARCHAR,
    properties VARCHAR NOT NULL,
    header_error VARCHAR,
    opaque_key VARCHAR,
    body BLOB NOT NULL,
    redacted BOOLEAN NOT NULL
  )`,
  // Redeliveries: counted per device and ingest day, never stored again.
  `CREATE TABLE IF NOT EXISTS bronze_duplicates (
    device_id VARCHAR NOT NULL,
    day DATE NOT NULL,
    batches BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (device_id, day)
  )`,
  ...SILVER_TABLES.map((t) => createTable(t.name, t.columns)),
  // Sequence bookkeeping per gateway stream; the in-memory tracker is loaded from here at start.
  `CREATE TABLE IF NOT EXISTS silver_streams (
    gateway VARCHAR NOT NULL,
    epoch VARCHAR NOT NULL,
    lane ${LANE_SQL} NOT NULL,
    vehicle VARCHAR NOT NULL,
    ranges VARCHAR NOT NULL,
    gaps_closed BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    last_ingest_ms BIGINT NOT NULL,
    last_bronze_id BIGINT NOT NULL,
    last_lag_ms BIGINT,
    max_lag_ms BIGINT,
    series VARCHAR NOT NULL DEFAULT '{}',
    PRIMARY KEY (gateway, epoch, lane)
  )`,
  // Data quality per vehicle and day (event day; ingest day when the event time is unusable).
  `CREATE TABLE IF NOT EXISTS quality_daily (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    valid BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    last_event_ms BIGINT,
    last_ingest_ms BIGINT NOT NULL,
    resent BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (vehicle, day)
  )`,
  `CREATE TABLE IF NOT EXISTS quality_reasons (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    reason VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (vehicle, day, reason)
  )`,
  // Random pseudonyms for driver ids. Deleting a row (erase) unlinks every Silver and Gold row of that driver.
  `CREATE TABLE IF NOT EXISTS driver_map (
    driver_id VARCHAR PRIMARY KEY,
    pseudonym VARCHAR NOT NULL UNIQUE
  )`,
  // Gateway -> vehicle, learned from events; names the vehicle of rejects and of batches that do not decode.
  `CREATE TABLE IF NOT EXISTS device_vehicle (
    device_id VARCHAR PRIMARY KEY,
    vehicle VARCHAR NOT NULL
  )`,
  // Work queues: Gold partitions and export files to rewrite.
  `CREATE TABLE IF NOT EXISTS gold_dirty (vehicle VARCHAR NOT NULL, day DATE NOT NULL, PRIMARY KEY (vehicle, day))`,
  `CREATE TABLE IF NOT EXISTS export_dirty (tbl VARCHAR NOT NULL, day DATE NOT NULL, PRIMARY KEY (tbl, day))`,
  `CREATE TABLE IF NOT EXISTS pipeline_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS erase_audit (
    erase_id VARCHAR NOT NULL,
    at_ms BIGINT NOT NULL,
    subject_kind VARCHAR NOT NULL,
    reference VARCHAR,
    summary VARCHAR NOT NULL
  )`,
  // Gold.
  `CREATE TABLE IF NOT EXISTS gold_vehicle_daily (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    distance_km DOUBLE NOT NULL,
    distance_source VARCHAR NOT NULL,
    engine_hours DOUBLE,
    idle_s DOUBLE NOT NULL,
    fuel_used_l DOUBLE,
    avg_speed_kmh DOUBLE,
    max_speed_kmh DOUBLE,
    start_odometer_km DOUBLE,
    end_odometer_km DOUBLE,
    moving_s DOUBLE NOT NULL,
    trips INTEGER NOT NULL,
    positions BIGINT NOT NULL,
    readings BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS gold_trips (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    start_lat DOUBLE NOT NULL,
    start_lon DOUBLE NOT NULL,
    end_lat DOUBLE NOT NULL,
    end_lon DOUBLE NOT NULL,
    distance_km DOUBLE NOT NULL,
    duration_s DOUBLE NOT NULL,
    avg_speed_kmh DOUBLE NOT NULL,
    max_speed_kmh DOUBLE NOT NULL,
    idle_s DOUBLE NOT NULL,
    fuel_used_l DOUBLE,
    start_odometer_km DOUBLE,
    end_odometer_km DOUBLE,
    driver VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS gold_stops (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    duration_s DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    engine_on_s DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS gold_alerts (
    alert_id VARCHAR NOT NULL,
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    rule_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    raised_ms BIGINT NOT NULL,
    cleared_ms BIGINT,
    last_event_ms BIGINT NOT NULL,
    duration_s DOUBLE,
    updates INTEGER NOT NULL,
    value DOUBLE,
    threshold DOUBLE,
    peak DOUBLE,
    message VARCHAR NOT NULL,
    lat DOUBLE,
    lon DOUBLE,
    signal VARCHAR,
    sensor VARCHAR,
    suppressed BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS gold_reefer_compliance (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    monitored_min DOUBLE NOT NULL,
    out_of_range_min DOUBLE NOT NULL,
    excursions INTEGER NOT NULL,
    door_open_min DOUBLE NOT NULL,
    min_temp_c DOUBLE,
    max_temp_c DOUBLE
  )`,
  `CREATE TABLE IF NOT EXISTS gold_driver_safety_daily (
    vehicle VARCHAR NOT NULL,
    day DATE NOT NULL,
    driver VARCHAR,
    distance_km DOUBLE NOT NULL,
    harsh_events INTEGER NOT NULL,
    harsh_per_100km DOUBLE,
    overspeed_s DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS gold_vehicle_health (
    vehicle VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    spn DOUBLE,
    message VARCHAR NOT NULL,
    since_ms BIGINT NOT NULL,
    last_event_ms BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS gold_sync_health (
    vehicle VARCHAR NOT NULL,
    last_event_ms BIGINT,
    last_ingest_ms BIGINT,
    ingest_lag_ms BIGINT,
    max_ingest_lag_ms BIGINT,
    open_gaps BIGINT NOT NULL,
    open_gap_events BIGINT NOT NULL,
    closed_gaps BIGINT NOT NULL,
    duplicate_events BIGINT NOT NULL,
    valid_events BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    evicted BIGINT NOT NULL,
    resent_events BIGINT NOT NULL DEFAULT 0,
    downsampled BIGINT NOT NULL DEFAULT 0
  )`,
];

export interface GoldTable {
  name: string;
  /** Unique, total order for hashes and exports. */
  order: string;
  /** Partitioned by this DATE column in the export; null = one file for the whole table. */
  dayColumn: string | null;
}

export const GOLD_TABLES: GoldTable[] = [
  { name: 'gold_vehicle_daily', order: 'vehicle, day', dayColumn: 'day' },
  { name: 'gold_trips', order: 'vehicle, start_ms', dayColumn: 'day' },
  { name: 'gold_stops', order: 'vehicle, start_ms', dayColumn: 'day' },
  { name: 'gold_alerts', order: 'vehicle, alert_id', dayColumn: 'day' },
  { name: 'gold_reefer_compliance', order: 'vehicle, day', dayColumn: 'day' },
  { name: 'gold_driver_safety_daily', order: 'vehicle, day, driver NULLS FIRST', dayColumn: 'day' },
  { name: 'gold_vehicle_health', order: 'vehicle, alert_id', dayColumn: null },
  { name: 'gold_sync_health', order: 'vehicle', dayColumn: null },
  { name: 'quality_daily', order: 'vehicle, day', dayColumn: 'day' },
  { name: 'quality_reasons', order: 'vehicle, day, reason', dayColumn: 'day' },
];

/**
 * Columns added after version 1, for databases created before them (new columns go last, as in the DDL, and in
 * the order they were added). New tables need nothing here: the DDL creates them if missing.
 */
const MIGRATIONS: string[] = [
  'ALTER TABLE quality_daily ADD COLUMN IF NOT EXISTS resent BIGINT DEFAULT 0',
  'ALTER TABLE gold_sync_health ADD COLUMN IF NOT EXISTS resent_events BIGINT DEFAULT 0',
  `ALTER TABLE silver_streams ADD COLUMN IF NOT EXISTS series VARCHAR DEFAULT '{}'`,
  'ALTER TABLE gold_sync_health ADD COLUMN IF NOT EXISTS downsampled BIGINT DEFAULT 0',
];

export async function createSchema(conn: DuckDBConnection): Promise<void> {
  for (const stmt of DDL) await conn.run(stmt);
  for (const stmt of MIGRATIONS) await conn.run(stmt);
  const cur = await conn.runAndReadAll(`SELECT value FROM pipeline_state WHERE key = 'schema_version'`);
  const row = cur.getRows()[0];
  if (row === undefined) {
    await conn.run(`INSERT INTO pipeline_state VALUES ('schema_version', ?)`, [String(SCHEMA_VERSION)]);
  } else if (Number(row[0]) > SCHEMA_VERSION) {
    throw new Error(`pipeline database has schema version ${String(row[0])}, newer than this program (${SCHEMA_VERSION})`);
  } else if (Number(row[0]) < SCHEMA_VERSION) {
    await conn.run(`UPDATE pipeline_state SET value = ? WHERE key = 'schema_version'`, [String(SCHEMA_VERSION)]);
  }
}
