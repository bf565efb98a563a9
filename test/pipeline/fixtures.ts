/** Builders for pipeline tests: contract bodies, stamped events, encoded batches and hub messages. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { batchId, encodeBatch, messageProperties, readBatchHeader } from '../../shared/wire/index.ts';
import type { HubTelemetry } from '../../cloud/hub/ingest-sink.ts';
import type { Pipeline } from '../../cloud/pipeline/pipeline.ts';

export const VEHICLE = 'TRK-0042';
export const DEVICE = 'gw-TRK-0042';
export const EPOCH = '01JNZ8Q3W5M7Y2K4T6V8X0B1C3';

export async function tempDir(prefix = 'fleetsync-pipeline-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The rows of a query on a read connection of its own, as plain objects (BIGINT as bigint). */
export async function queryRows(p: Pipeline, sql: string): Promise<Record<string, unknown>[]> {
  const c = await p.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    c.closeSync();
  }
}

/** A gateway that numbers each lane's events 1, 2, 3, ... like the journal does. */
export class FakeGateway {
  private readonly next = new Map<Lane, number>();

  constructor(
    readonly device = DEVICE,
    readonly vehicle = VEHICLE,
    readonly epoch = EPOCH,
  ) {}

  /** Stamps bodies with consecutive seqs of `lane`; rt = body time + 50 ms unless given. */
  stamp(lane: Lane, items: { kind: StampedEvent['kind']; body: unknown; rt?: number }[]): StampedEvent[] {
    let seq = this.next.get(lane) ?? 1;
    const out = items.map((it) => {
      const b = it.body as { ts?: number; sensorTime?: number };
      const rt = it.rt ?? (b.sensorTime ?? b.ts ?? 0) + 50;
      return { seq: seq++, rt, kind: it.kind, body: it.body } as StampedEvent;
    });
    this.next.set(lane, seq);
    return out;
  }

  batch(lane: Lane, events: StampedEvent[], createdAt?: number): Uint8Array {
    return encodeBatch({ gatewayId: this.device, epoch: this.epoch, lane, createdAt: createdAt ?? (events[events.length - 1]?.rt ?? 0) + 100 }, events);
  }
}

/** The hub message for a batch, as the hub endpoint hands it to the sink. */
export function hubMessage(deviceId: string, body: Uint8Array, enqueuedAt: number): HubTelemetry {
  let messageId: string | undefined;
  let properties: Record<string, string> = {};
  try {
    const h = readBatchHeader(body);
    messageId = batchId(h);
    properties = messageProperties(h);
  } catch {
    messageId = undefined;
  }
  return {
    deviceId,
    body,
    system: { ...(messageId ? { messageId } : {}), contentType: 'application/vnd.fleetsync.batch', contentEncoding: 'identity' },
    properties,
    enqueuedAt,
  };
}

export const reading = (vehicle: string, signal: string, value: number | boolean | string, unit: string, t: number, extra: Record<string, unknown> = {}) => ({
  kind: 'reading' as const,
  body: { v: 2, vehicle, sensor: 'j1939', signal, value, unit, sensorTime: t, quality: 'good', ...extra },
});

export const readingV1 = (vehicle: string, signal: string, value: number | boolean | string, unit: string, t: number) => ({
  kind: 'reading' as const,
  body: { vehicle, sensor: 'old-ecu', signal, value, unit, ts: t },
});

export const position = (vehicle: string, lat: number, lon: number, t: number, speedKmh?: number) => ({
  kind: 'position' as const,
  body: { v: 2, vehicle, sensor: 'gps', lat, lon, sensorTime: t, ...(speedKmh !== undefined ? { speedKmh } : {}) },
});

export const positionV1 = (vehicle: string, lat: number, lon: number, t: number, speedKmh?: number) => ({
  kind: 'position' as const,
  body: { v: 1, vehicle, sensor: 'gps', lat, lon, ts: t, ...(speedKmh !== undefined ? { speedKmh } : {}) },
});

export const alert = (
  vehicle: string,
  id: string,
  ruleId: string,
  state: 'raised' | 'updated' | 'cleared' | 'summary',
  t: number,
  raisedAt: number,
  extra: Record<string, unknown> = {},
) => ({
  kind: 'alert' as const,
  body: {
    v: 2, id, vehicle, ruleId, state, severity: 'warning', value: null, threshold: null, sensorTime: t, raisedAt, peak: null,
    message: `${ruleId} ${state}`, ...extra,
  },
});

/** `downsampled` only when given: older gateways leave it out. */
export const status = (gateway: string, vehicle: string, t: number, evicted = 0, downsampled?: number) => ({
  kind: 'status' as const,
  body: {
    v: 2, gateway, vehicle, bootId: 'boot-1', sensorTime: t, connectivity: 'online', version: '1.0.0', uptimeS: 100,
    lanes: { telemetry: { backlogEvents: 0, backlogBytes: 0, oldestUnsentMs: null, lastAckedSeq: 0, lastAckAt: null, evicted, ...(downsampled !== undefined ? { downsampled } : {}) } },
    rejects: 0, diskBytes: 1000,
  },
});

/** A rollup of one minute starting at `t` (a multiple of 60 s), over `count` good readings from min to max. */
export const rollup = (vehicle: string, signal: string, unit: string, t: number, f: { count: number; min: number | null; max: number | null; mean: number | null }, extra: Record<string, unknown> = {}) => ({
  kind: 'rollup' as const,
  body: { v: 2, vehicle, sensor: 'j1939', signal, unit, sensorTime: t, windowMs: 60_000, ...f, first: t, last: t + 59_000, bad: 0, ...extra },
});

export const reject = (topic: string, raw: string, reason: string) => ({
  kind: 'reject' as const,
  body: { topic, raw: new TextEncoder().encode(raw), reason },
  rt: 0,
});

/** Columns that depend on when (and in which order) data arrived, not on what arrived: left out when comparing runs. */
export const INGEST_DEPENDENT = {
  silver_readings: ['ingest_ms', 'bronze_id'],
  silver_positions: ['ingest_ms', 'bronze_id'],
  silver_alerts: ['ingest_ms', 'bronze_id'],
  silver_status: ['ingest_ms', 'bronze_id'],
  silver_rollups: ['ingest_ms', 'bronze_id'],
  quarantine: ['ingest_ms', 'bronze_id'],
  quality_daily: ['last_ingest_ms'],
  // Lag, gaps closed later: properties of the delivery itself.
  gold_sync_health: ['last_ingest_ms', 'ingest_lag_ms', 'max_ingest_lag_ms', 'closed_gaps'],
} as const;
