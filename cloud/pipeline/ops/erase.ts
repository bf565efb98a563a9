/**
 * Erase a data subject (a vehicle or a driver) from every layer: Bronze (batches deleted, or re-encoded without
 * the subject's events when they also hold other data), Silver, quarantine, Gold, quality figures, bookkeeping,
 * the driver mapping; the caller then rewrites the affected export partitions. An audit row records what was
 * done without naming the subject.
 */
import { randomUUID } from 'node:crypto';
import { blobValue, type DuckDBBlobValue, type DuckDBConnection } from '@duckdb/node-api';
import type { StampedEvent } from '../../../shared/contracts/types.ts';
import { decodeBatch, encodeBatch, batchId } from '../../../shared/wire/index.ts';
import { inTransaction } from '../../storage/duckdb.ts';
import { DAY_MS } from '../gold/gold-settings.ts';
import { SILVER_EVENT_TABLES } from '../schema.ts';
import { DRIVER_SIGNALS } from '../signals.ts';
import { GOLD_EXPORT_DAY_TABLES, GOLD_EXPORT_WHOLE_TABLES, WHOLE_TABLE_DAY } from '../gold/refresh-gold.ts';
import { SILVER_EXPORT_TABLES } from '../silver/silver-writer.ts';
import { rawJson } from '../silver/to-silver.ts';

export type EraseSubject = { vehicle: string } | { driver: string };

export interface EraseReport {
  eraseId: string;
  subjectKind: 'vehicle' | 'driver';
  atMs: number;
  reference: string | null;
  /** Rows removed per table (Bronze: whole batches removed). */
  deleted: Record<string, number>;
  /** Bronze batches re-encoded without the subject's events. */
  bronzeRewritten: number;
  /** (vehicle, day) Gold partitions queued for recomputation. */
  goldPartitions: number;
  /** Export partitions queued for rewriting. */
  exportPartitions: number;
}

const sqlList = (xs: readonly string[]): string => (xs.length ? xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(', ') : 'NULL');
const count = async (conn: DuckDBConnection, sql: string, params: (string | number)[] = []): Promise<number> =>
  Number((await conn.runAndReadAll(sql, params)).getRows()[0]?.[0] ?? 0);

function bytesContain(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle) >= 0;
}

/** Does this event carry the subject anywhere (vehicle field, driver value, raw reject payload, any text)? */
function mentions(e: StampedEvent, needle: string, needleBytes: Uint8Array): boolean {
  if (e.kind === 'reject' && e.body.raw instanceof Uint8Array && bytesContain(e.body.raw, needleBytes)) return true;
  // As a whole JSON string ("TRK-1"), so that erasing TRK-1 leaves TRK-10 alone.
  return rawJson(e.body).includes(JSON.stringify(needle));
}

/**
 * Runs the erase in one transaction. `pseudonym` is looked up here for drivers. Returns the report; the caller
 * refreshes Gold, rewrites the export and checkpoints.
 */
export async function eraseSubject(
  conn: DuckDBConnection,
  subject: EraseSubject,
  opts: { nowMs: number; reference?: string },
): Promise<EraseReport> {
  const kind: 'vehicle' | 'driver' = 'vehicle' in subject ? 'vehicle' : 'driver';
  const id = 'vehicle' in subject ? subject.vehicle : subject.driver;
  if (id.length === 0) throw new Error('erase needs a non-empty subject id');
  const needleBytes = new TextEncoder().encode(id);
  const report: EraseReport = {
    eraseId: randomUUID(),
    subjectKind: kind,
    atMs: opts.nowMs,
    reference: opts.reference ?? null,
    deleted: {},
    bronzeRewritten: 0,
    goldPartitions: 0,
    exportPartitions: 0,
  };
  const del = async (table: string, where: string, params: (string | number)[] = []): Promise<void> => {
    const n = await count(conn, `DELETE FROM ${table} WHERE ${where}`, params);
    report.deleted[table] = (report.deleted[table] ?? 0) + n;
  };

  await inTransaction(conn, async () => {
    await conn.run('CREATE TEMP TABLE IF NOT EXISTS erase_days (vehicle VARCHAR, day DATE)');
    await conn.run('DELETE FROM erase_days');
    await conn.run('CREATE TEMP TABLE IF NOT EXISTS erase_events (epoch VARCHAR, lane VARCHAR, seq BIGINT, bronze_id BIGINT)');
    await conn.run('DELETE FROM erase_events');

    let pseudonym: string | null = null;
    let devices: string[] = [];
    // Which Silver rows are the subject's (as a SQL condition per table), and which devices are wholly its.
    let readingsWhere: string;
    let othersWhere: string;
    if (kind === 'vehicle') {
      devices = (
        await conn.runAndReadAll(
          `SELECT gateway FROM silver_streams WHERE vehicle = ? UNION SELECT device_id FROM device_vehicle WHERE vehicle = ? ORDER BY 1`,
          [id, id],
        )
      ).getRows().map(([d]) => String(d));
      readingsWhere = `vehicle = ${sqlList([id])}`;
      othersWhere = readingsWhere;
    } else {
      const p = (await conn.runAndReadAll('SELECT pseudonym FROM driver_map WHERE driver_id = ?', [id])).getRows()[0];
      pseudonym = p === undefined ? null : String(p[0]);
      readingsWhere = pseudonym === null ? 'false' : `signal IN (${sqlList(DRIVER_SIGNALS)}) AND value_text = ${sqlList([pseudonym])}`;
      othersWhere = 'false';
    }
    // The id as a whole JSON string ("TRK-1"): raw_json is JSON and details quote offending values.
    const like = `%${JSON.stringify(id).replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
    const quarantineWhere =
      `(raw_json LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\'` +
      (kind === 'vehicle' ? ` OR vehicle = ? OR device_id IN (${sqlList(devices)}))` : ')');
    const qParams = kind === 'vehicle' ? [like, like, id] : [like, like];
    // A driver appears only in driver readings; a vehicle in every Silver event table.
    const silverTables = SILVER_EVENT_TABLES.map((t) => t.name).filter((t) => kind === 'vehicle' || t === 'silver_readings');
    const whereOf = (table: string): string => (table === 'silver_readings' ? readingsWhere : othersWhere);

    // Days whose Gold and export change.
    const silverDays = (table: string, where: string): string =>
      `INSERT INTO erase_days SELECT DISTINCT vehicle, make_date(1970, 1, 1) + CAST(event_ms // ${DAY_MS} AS INTEGER) FROM ${table} WHERE ${where}`;
    for (const t of silverTables) await conn.run(silverDays(t, whereOf(t)));
    if (kind === 'driver') {
      // The driver also shapes the next day (carried over at midnight) and every Gold row naming the pseudonym.
      await conn.run(`INSERT INTO erase_days SELECT DISTINCT vehicle, make_date(1970, 1, 1) + CAST(event_ms // ${DAY_MS} AS INTEGER) + 1 FROM silver_readings WHERE ${readingsWhere}`);
      if (pseudonym !== null) {
        await conn.run('INSERT INTO erase_days SELECT DISTINCT vehicle, day FROM gold_trips WHERE driver = ?', [pseudonym]);
        await conn.run('INSERT INTO erase_days SELECT DISTINCT vehicle, day FROM gold_driver_safety_daily WHERE driver = ?', [pseudonym]);
      }
    } else {
      for (const t of ['gold_vehicle_daily', 'gold_alerts', 'quality_daily']) await conn.run(`INSERT INTO erase_days SELECT DISTINCT vehicle, day FROM ${t} WHERE vehicle = ?`, [id]);
    }
    await conn.run(`INSERT INTO erase_days SELECT DISTINCT vehicle, make_date(1970, 1, 1) + CAST(day_ms // ${DAY_MS} AS INTEGER) FROM quarantine WHERE ${quarantineWhere}`, qParams);

    // Raw payloads in quarantine (gateway rejects) can hold the id as bytes only.
    const rawHits = (await conn.runAndReadAll('SELECT rowid, raw_bytes FROM quarantine WHERE raw_bytes IS NOT NULL')).getRows()
      .filter(([, b]) => bytesContain((b as DuckDBBlobValue).bytes, needleBytes))
      .map(([rowid]) => Number(rowid));

    if (rawHits.length)
      await conn.run(`INSERT INTO erase_days SELECT DISTINCT vehicle, make_date(1970, 1, 1) + CAST(day_ms // ${DAY_MS} AS INTEGER) FROM quarantine WHERE rowid IN (${rawHits.join(', ')})`);
    const days = (await conn.runAndReadAll('SELECT DISTINCT day::VARCHAR FROM erase_days ORDER BY 1')).getRows().map(([d]) => String(d));

    // Bronze: the events behind every Silver/quarantine row of the subject, found through their keys.
    for (const t of silverTables) await conn.run(`INSERT INTO erase_events SELECT epoch, lane::VARCHAR, seq, bronze_id FROM ${t} WHERE ${whereOf(t)}`);
    await conn.run(`INSERT INTO erase_events SELECT epoch, lane::VARCHAR, seq, bronze_id FROM quarantine WHERE ${quarantineWhere}`, qParams);
    if (rawHits.length) await conn.run(`INSERT INTO erase_events SELECT epoch, lane::VARCHAR, seq, bronze_id FROM quarantine WHERE rowid IN (${rawHits.join(', ')})`);
    // Every stored copy of those events: the batch they came from and any overlapping redelivery.
    const candidates = (
      await conn.runAndReadAll(
        `SELECT DISTINCT b.bronze_id FROM bronze_batches b JOIN erase_events e
           ON b.bronze_id = e.bronze_id OR (b.epoch = e.epoch AND b.lane::VARCHAR = e.lane AND e.seq BETWEEN b.first_seq AND b.last_seq)
         UNION SELECT bronze_id FROM bronze_batches WHERE device_id IN (${sqlList(devices)})
         ORDER BY 1`,
      )
    ).getRows().map(([b]) => Number(b));

    let bronzeDeleted = 0;
    for (const bid of candidates) {
      const row = (await conn.runAndReadAll('SELECT device_id, body FROM bronze_batches WHERE bronze_id = ?', [bid])).getRows()[0];
      if (row === undefined) continue;
      const wholeDevice = devices.includes(String(row[0]));
      const body = (row[1] as DuckDBBlobValue).bytes;
      let decoded;
      try {
        decoded = decodeBatch(body);
      } catch {
        // Undecodable: nothing to keep apart; it goes if it is the subject's device's or mentions the id.
        if (wholeDevice || bytesContain(body, needleBytes)) {
          await conn.run('DELETE FROM bronze_batches WHERE bronze_id = ?', [bid]);
          bronzeDeleted++;
        }
        continue;
      }
      const keep = decoded.events.filter((e) => {
        if (kind === 'vehicle') return !wholeDevice && !mentions(e, id, needleBytes);
        return !mentions(e, id, needleBytes);
      });
      if (keep.length === decoded.events.length) continue;
      if (keep.length === 0) {
        await conn.run('DELETE FROM bronze_batches WHERE bronze_id = ?', [bid]);
        bronzeDeleted++;
        continue;
      }
      const h = decoded.header;
      const bytes = encodeBatch({ gatewayId: h.gatewayId, epoch: h.epoch, lane: h.lane, createdAt: h.createdAt }, keep);
      const first = keep[0]!.seq;
      const last = keep[keep.length - 1]!.seq;
      await conn.run(
        `UPDATE bronze_batches SET body = ?, size_bytes = ?, first_seq = ?, last_seq = ?, event_count = ?, batch_id = ?, redacted = true
         WHERE bronze_id = ?`,
        [blobValue(bytes), bytes.byteLength, first, last, keep.length, batchId({ ...h, firstSeq: first, lastSeq: last }), bid],
      );
      report.bronzeRewritten++;
    }
    report.deleted.bronze_batches = bronzeDeleted;

    // Silver and quarantine.
    for (const t of silverTables) await del(t, whereOf(t));
    await del('quarantine', quarantineWhere, qParams);
    if (rawHits.length) await del('quarantine', `rowid IN (${rawHits.join(', ')})`);

    if (kind === 'vehicle') {
      await del('silver_streams', `vehicle = ? OR gateway IN (${sqlList(devices)})`, [id]);
      await del('device_vehicle', `vehicle = ? OR device_id IN (${sqlList(devices)})`, [id]);
      await del('bronze_duplicates', `device_id IN (${sqlList(devices)})`);
      for (const t of ['quality_daily', 'quality_reasons', 'gold_vehicle_daily', 'gold_trips', 'gold_stops', 'gold_alerts', 'gold_reefer_compliance', 'gold_driver_safety_daily', 'gold_vehicle_health', 'gold_sync_health', 'gold_dirty'])
        await del(t, 'vehicle = ?', [id]);
      await conn.run('DELETE FROM erase_days WHERE vehicle = ?', [id]);
    } else {
      await del('driver_map', 'driver_id = ?', [id]);
      if (pseudonym !== null) {
        // Recomputed below without the driver; remove now so nothing names the pseudonym even before that.
        await del('gold_trips', 'driver = ?', [pseudonym]);
        await del('gold_driver_safety_daily', 'driver = ?', [pseudonym]);
      }
    }

    // Queue Gold recomputation (other subjects' rows on the same days) and export rewrites.
    report.goldPartitions = await count(conn, 'SELECT count(*) FROM (SELECT DISTINCT vehicle, day FROM erase_days)');
    await conn.run('INSERT OR IGNORE INTO gold_dirty SELECT DISTINCT vehicle, day FROM erase_days');
    const all = [...SILVER_EXPORT_TABLES, ...GOLD_EXPORT_DAY_TABLES];
    for (const day of days) for (const t of all) await conn.run('INSERT OR IGNORE INTO export_dirty VALUES (?, CAST(? AS DATE))', [t, day]);
    for (const t of GOLD_EXPORT_WHOLE_TABLES) await conn.run('INSERT OR IGNORE INTO export_dirty VALUES (?, CAST(? AS DATE))', [t, WHOLE_TABLE_DAY]);
    report.exportPartitions = days.length * all.length + GOLD_EXPORT_WHOLE_TABLES.length;

    // Deleted rows can linger in freed blocks of the file: rewrite it at the next opportunity (see Pipeline.open).
    await conn.run(`INSERT OR REPLACE INTO pipeline_state VALUES ('compact_pending', '1')`);
    await conn.run('INSERT INTO erase_audit VALUES (?, ?, ?, ?, ?)', [
      report.eraseId,
      report.atMs,
      kind,
      report.reference,
      JSON.stringify({ deleted: report.deleted, bronzeRewritten: report.bronzeRewritten, goldPartitions: report.goldPartitions, exportPartitions: report.exportPartitions }),
    ]);
  });
  return report;
}

