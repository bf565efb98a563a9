/**
 * Resent sensor items: a sensor re-sends a QoS 1 reading or position when the gateway crashed after journalling it
 * but before its PUBACK, and the gateway journals the resend as a new event with a new seq, so the (device, epoch,
 * lane, seq) dedup cannot see it. Here, in the Silver transaction and after the run's rows are appended, the run's
 * suspects (resend-filter.ts: the items that may repeat an earlier one) are matched against Silver by natural key
 * and content:
 *
 *   readings   (vehicle, sensor, signal, event_ms) and value_num, value_text, value_bool, unit, from_unit, quality, spn, src_version
 *   positions  (vehicle, sensor, event_ms) and lat, lon, speed_kmh, heading, altitude_m, hdop, satellites, src_version
 *   rollups    (vehicle, sensor, signal, event_ms, window_ms) and unit, count, min, max, mean, first_ms, last_ms, bad, spn, src_version
 *
 * Rollups are the gateway's, not a sensor's. A gateway writes a rollup and the eviction of its readings in one write
 * batch, so it never folds the same readings twice; were a copy to come (a gateway with a store that split the two),
 * it is the same rollup under a new seq, found like a resent reading.
 *
 * A resend repeats the payload byte for byte, so only copies equal in every content column are duplicates; rows
 * that share the natural key with other content (a coarse sensor clock) are all kept. Of a set of copies, the one
 * with the lowest (epoch, lane, seq) stays (the copy the gateway journalled first) and the others are deleted,
 * whether they arrived in this run or earlier, so the result does not depend on arrival order or on how Bronze was
 * cut into runs. Each deleted copy counts as a duplicate (and as `resent`) on the UTC day of its gateway receive
 * stamp, like a sequence duplicate, and takes back the `valid` it was counted with.
 *
 * Cost: nothing when a run has no suspects (the usual case). Otherwise one hash join per table between the
 * suspects and the Silver rows whose event time falls in the suspects' seconds (time-windows.ts); DuckDB skips
 * the other row groups by their min/max statistics.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lane } from '../../../shared/contracts/types.ts';
import { appendPlainRows } from '../../storage/plain-rows.ts';
import { rangeFilter, rangesOf, type TimeRange } from './time-windows.ts';

type Tag = 'r' | 'p' | 'u';

interface ResendTable {
  name: 'silver_readings' | 'silver_positions' | 'silver_rollups';
  tag: Tag;
  key: readonly string[];
  content: readonly string[];
}

const TABLES: readonly ResendTable[] = [
  {
    name: 'silver_readings',
    tag: 'r',
    key: ['vehicle', 'sensor', 'signal', 'event_ms'],
    content: ['value_num', 'value_text', 'value_bool', 'unit', 'from_unit', 'quality', 'spn', 'src_version'],
  },
  {
    name: 'silver_positions',
    tag: 'p',
    key: ['vehicle', 'sensor', 'event_ms'],
    content: ['lat', 'lon', 'speed_kmh', 'heading', 'altitude_m', 'hdop', 'satellites', 'src_version'],
  },
  {
    name: 'silver_rollups',
    tag: 'u',
    key: ['vehicle', 'sensor', 'signal', 'event_ms', 'window_ms'],
    content: ['unit', 'count', 'min', 'max', 'mean', 'first_ms', 'last_ms', 'bad', 'spn', 'src_version'],
  },
];

/** A reading ('r'), position ('p') or rollup ('u') of this run that may repeat an earlier one: its Silver key. */
export type SuspectRow = [tbl: Tag, vehicle: string, epoch: string, lane: Lane, seq: number];

export interface ResendWindows {
  /** Event-time ranges of the run's suspect readings, positions and rollups. */
  readings: readonly TimeRange[];
  positions: readonly TimeRange[];
  rollups: readonly TimeRange[];
}

export interface ResendResult {
  readings: number;
  positions: number;
  rollups: number;
}

const RESULT_KEY = { r: 'readings', p: 'positions', u: 'rollups' } as const satisfies Record<Tag, keyof ResendResult & keyof ResendWindows>;

const LOSERS = 'resend_losers';
const SUSPECTS = 'resend_suspects';

/** Copies that lose to an identical copy with a lower (epoch, lane, seq): new ones and replaced older ones. */
function losersSql(t: ResendTable, windows: readonly TimeRange[]): string {
  const cols = [...t.key, ...t.content, 'epoch', 'lane', 'seq', 'gateway_ms', 'ingest_ms'];
  const list = cols.join(', ');
  const group = [...t.key, ...t.content].join(', ');
  return `INSERT INTO ${LOSERS}
    WITH n AS (
      SELECT x.rowid AS rid, ${cols.map((c) => `x.${c}`).join(', ')} FROM ${t.name} x
      SEMI JOIN ${SUSPECTS} s ON s.tbl = '${t.tag}' AND s.vehicle = x.vehicle AND s.epoch = x.epoch AND s.lane = x.lane::VARCHAR AND s.seq = x.seq
      WHERE x.bronze_id > $1 AND ${rangeFilter('x.event_ms', windows)}
    ),
    o AS (SELECT rowid AS rid, ${list} FROM ${t.name} WHERE ${rangeFilter('event_ms', windows)}),
    pairs AS (
      SELECT n.rid AS n_rid, ${cols.map((c) => `n.${c} AS n_${c}`).join(', ')}, o.rid AS o_rid, ${cols.map((c) => `o.${c} AS o_${c}`).join(', ')}
      FROM n JOIN o ON ${t.key.map((c) => `o.${c} = n.${c}`).join(' AND ')}
      WHERE o.rid <> n.rid AND ${t.content.map((c) => `o.${c} IS NOT DISTINCT FROM n.${c}`).join(' AND ')}
    ),
    members AS (
      SELECT DISTINCT * FROM (
        SELECT n_rid AS rid, ${cols.map((c) => `n_${c} AS ${c}`).join(', ')} FROM pairs
        UNION ALL
        SELECT o_rid AS rid, ${cols.map((c) => `o_${c} AS ${c}`).join(', ')} FROM pairs
      )
    ),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY ${group} ORDER BY epoch, lane, seq) AS rn FROM members)
    SELECT '${t.tag}', rid, vehicle, event_ms, gateway_ms, ingest_ms FROM ranked WHERE rn > 1`;
}

/**
 * Deletes the copies that lose to an identical one, among the suspects of this run (rows of Bronze batches after
 * `afterBronzeId`) and the Silver rows they match, and fixes the quality figures. Runs inside the caller's Silver
 * transaction, after the run's rows and quality deltas are written.
 */
export async function dropResends(conn: DuckDBConnection, afterBronzeId: number, suspects: readonly SuspectRow[], windows: ResendWindows): Promise<ResendResult> {
  const res: ResendResult = { readings: 0, positions: 0, rollups: 0 };
  const work = TABLES.map((t) => ({ t, ranges: windows[RESULT_KEY[t.tag]] })).filter((w) => w.ranges.length > 0);
  if (work.length === 0 || suspects.length === 0) return res;
  // Created in the transaction (temporary tables roll back with it), so they are never assumed to exist.
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${SUSPECTS} (tbl VARCHAR, vehicle VARCHAR, epoch VARCHAR, lane VARCHAR, seq BIGINT)`);
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${LOSERS} (tbl VARCHAR, rid BIGINT, vehicle VARCHAR, event_ms BIGINT, gateway_ms BIGINT, ingest_ms BIGINT)`);
  await conn.run(`DELETE FROM ${SUSPECTS}`);
  await appendPlainRows(conn, SUSPECTS, suspects);
  let any = false;
  for (const { t, ranges } of work) {
    const n = Number((await conn.runAndReadAll(losersSql(t, ranges), [afterBronzeId])).getRows()[0]?.[0] ?? 0);
    res[RESULT_KEY[t.tag]] = n;
    any ||= n > 0;
  }
  if (!any) return res;
  for (const t of TABLES) {
    const times = (await conn.runAndReadAll(`SELECT DISTINCT event_ms FROM ${LOSERS} WHERE tbl = '${t.tag}'`)).getRows().map(([v]) => Number(v));
    if (times.length === 0) continue;
    await conn.run(`DELETE FROM ${t.name} WHERE ${rangeFilter('event_ms', rangesOf(times))} AND rowid IN (SELECT rid FROM ${LOSERS} WHERE tbl = '${t.tag}')`);
  }
  // The copy was counted valid on its event day when it was built; as a duplicate it counts on its receive day.
  await conn.run(
    `INSERT INTO quality_daily (vehicle, day, valid, quarantined, duplicates, last_event_ms, last_ingest_ms, resent)
     SELECT vehicle, day, sum(valid)::BIGINT, 0, sum(dup)::BIGINT, NULL, max(ingest_ms), sum(dup)::BIGINT FROM (
       SELECT vehicle, CAST(epoch_ms(event_ms) AS DATE) AS day, -1 AS valid, 0 AS dup, ingest_ms FROM ${LOSERS}
       UNION ALL
       SELECT vehicle, CAST(epoch_ms(gateway_ms) AS DATE), 0, 1, ingest_ms FROM ${LOSERS}
     ) GROUP BY vehicle, day
     ON CONFLICT (vehicle, day) DO UPDATE SET
       valid = quality_daily.valid + excluded.valid,
       duplicates = quality_daily.duplicates + excluded.duplicates,
       resent = quality_daily.resent + excluded.resent,
       last_ingest_ms = greatest(quality_daily.last_ingest_ms, excluded.last_ingest_ms)`,
  );
  // The kept copy's day changed; the receive day's quality export and sync health too.
  await conn.run(
    `INSERT OR IGNORE INTO gold_dirty
     SELECT DISTINCT vehicle, CAST(epoch_ms(event_ms) AS DATE) FROM ${LOSERS}
     UNION SELECT DISTINCT vehicle, CAST(epoch_ms(gateway_ms) AS DATE) FROM ${LOSERS}`,
  );
  await conn.run(`DELETE FROM ${LOSERS}`);
  return res;
}
