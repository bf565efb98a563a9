/**
 * Readings and positions by natural identity: (vehicle, sensor, signal, sensor time) for readings, (vehicle, sensor,
 * sensor time) for positions. What the simulator's sensors had acknowledged is decoded from the publications the
 * ground-truth recorder kept; what the cloud holds is counted in Silver.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { decodeSensorPayload } from '../../../shared/sensor-protocol/decode.ts';
import { parseSensorTopic } from '../../../shared/sensor-protocol/topics.ts';
import type { SentRecord } from '../../../firmware-sim/ground-truth.ts';

export const readingKey = (vehicle: string, sensor: string, signal: string, t: number): string => `r|${vehicle}|${sensor}|${signal}|${t}`;
export const positionKey = (vehicle: string, sensor: string, t: number): string => `p|${vehicle}|${sensor}|${t}`;

export interface SentKeys {
  /** Natural key -> how many acknowledged publications carried it (1 unless the sensor repeated itself). */
  acked: Map<string, number>;
  /** Keys of items that went out without an acknowledgement (QoS 0, or QoS 1 still unacknowledged): they may arrive. */
  bestEffort: Set<string>;
  publications: number;
}

/** The telemetry items of acknowledged QoS 1 publications (and of the unacknowledged ones that went out), by natural key. */
export function sentKeys(log: readonly SentRecord[]): SentKeys {
  const acked = new Map<string, number>();
  const bestEffort = new Set<string>();
  let publications = 0;
  for (const rec of log) {
    if (rec.lane !== 'telemetry') continue;
    const isAcked = rec.qos === 1 && rec.state === 'acked';
    const mayArrive = rec.state === 'sent' || rec.state === 'failed';
    if (!isAcked && !mayArrive) continue;
    const topic = parseSensorTopic(rec.topic);
    if (!topic) throw new Error(`not a sensor topic: ${rec.topic}`);
    if (isAcked) publications++;
    for (const item of decodeSensorPayload(topic, rec.payload).accepted) {
      const b = item.body;
      const t = b.v === 2 ? b.sensorTime : b.ts;
      const key = item.kind === 'reading' ? readingKey(rec.vehicle, b.sensor, (b as { signal: string }).signal, t) : positionKey(rec.vehicle, b.sensor, t);
      if (isAcked) acked.set(key, (acked.get(key) ?? 0) + 1);
      else bestEffort.add(key);
    }
  }
  return { acked, bestEffort, publications };
}

/** Silver rows per natural key, for the given vehicles. */
export async function silverKeyCounts(conn: DuckDBConnection, vehicles: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const list = vehicles.map(() => '?').join(', ');
  const readings = await conn.runAndReadAll(
    `SELECT vehicle, sensor, signal, event_ms::DOUBLE, count(*)::DOUBLE FROM silver_readings WHERE vehicle IN (${list}) GROUP BY ALL`,
    [...vehicles],
  );
  for (const [v, s, sig, t, n] of readings.getRows()) out.set(readingKey(String(v), String(s), String(sig), Number(t)), Number(n));
  const positions = await conn.runAndReadAll(
    `SELECT vehicle, sensor, event_ms::DOUBLE, count(*)::DOUBLE FROM silver_positions WHERE vehicle IN (${list}) GROUP BY ALL`,
    [...vehicles],
  );
  for (const [v, s, t, n] of positions.getRows()) out.set(positionKey(String(v), String(s), Number(t)), Number(n));
  return out;
}

export interface KeyComparison {
  /** Acknowledged items not in Silver. */
  missing: string[];
  /** Acknowledged items in Silver more than once, with the count. */
  duplicated: [key: string, rows: number][];
  /** Silver items nobody sent. */
  unknown: string[];
  /** Acknowledged items the simulator itself sent more than once under the same key. */
  repeatedBySensor: number;
  ackedItems: number;
}

/** Pure: compares what was acknowledged with what Silver holds. */
export function compareKeys(sent: SentKeys, silver: ReadonlyMap<string, number>): KeyComparison {
  const missing: string[] = [];
  const duplicated: [string, number][] = [];
  const unknown: string[] = [];
  let repeatedBySensor = 0;
  for (const [key, times] of sent.acked) {
    if (times > 1) repeatedBySensor++;
    const n = silver.get(key) ?? 0;
    if (n === 0) missing.push(key);
    else if (n > 1) duplicated.push([key, n]);
  }
  for (const key of silver.keys()) if (!sent.acked.has(key) && !sent.bestEffort.has(key)) unknown.push(key);
  return { missing, duplicated, unknown, repeatedBySensor, ackedItems: sent.acked.size };
}

/** A Silver rollup, as far as telling which readings it stands for goes. */
export interface RollupSpan {
  vehicle: string;
  sensor: string;
  signal: string;
  /** Window start and length, and the sensor times of its first and last reading. */
  start: number;
  windowMs: number;
  first: number;
  last: number;
}

export interface FoldedCoverage {
  /** Missing readings inside a rollup of their sensor, signal and window. */
  inRollup: string[];
  /** Missing positions whose window kept a newer position of their sensor (the gateway keeps the newest). */
  thinned: string[];
  /** Neither: gone. */
  lost: string[];
}

/**
 * Pure: which missing items a gateway's downsampling accounts for. `positions` are the position keys Silver holds;
 * `windowMs` the gateway's downsampling window.
 */
export function classifyMissing(missing: readonly string[], rollups: readonly RollupSpan[], positions: Iterable<string>, windowMs: number): FoldedCoverage {
  const spans = new Map<string, RollupSpan[]>();
  for (const r of rollups) {
    const k = `${r.vehicle}|${r.sensor}|${r.signal}`;
    spans.set(k, [...(spans.get(k) ?? []), r]);
  }
  const newestKept = new Map<string, number>();
  for (const key of positions) {
    const [, v, s, t] = key.split('|');
    const k = `${v}|${s}|${Math.floor(Number(t) / windowMs)}`;
    newestKept.set(k, Math.max(newestKept.get(k) ?? -Infinity, Number(t)));
  }
  const out: FoldedCoverage = { inRollup: [], thinned: [], lost: [] };
  for (const key of missing) {
    const parts = key.split('|');
    const t = Number(parts.at(-1));
    if (parts[0] === 'r') {
      const [, v, s, sig] = parts;
      const hit = (spans.get(`${v}|${s}|${sig}`) ?? []).some((r) => t >= r.start && t < r.start + r.windowMs && t >= r.first && t <= r.last);
      (hit ? out.inRollup : out.lost).push(key);
    } else {
      const [, v, s] = parts;
      const kept = newestKept.get(`${v}|${s}|${Math.floor(t / windowMs)}`);
      (kept !== undefined && kept > t ? out.thinned : out.lost).push(key);
    }
  }
  return out;
}

/** The rollups Silver holds for these vehicles. */
export async function silverRollupSpans(conn: DuckDBConnection, vehicles: readonly string[]): Promise<RollupSpan[]> {
  const list = vehicles.map(() => '?').join(', ');
  const rows = await conn.runAndReadAll(
    `SELECT vehicle, sensor, signal, event_ms::DOUBLE, window_ms::DOUBLE, first_ms::DOUBLE, last_ms::DOUBLE FROM silver_rollups WHERE vehicle IN (${list})`,
    [...vehicles],
  );
  return rows.getRows().map(([v, s, sig, start, w, first, last]) => ({
    vehicle: String(v), sensor: String(s), signal: String(sig), start: Number(start), windowMs: Number(w), first: Number(first), last: Number(last),
  }));
}
