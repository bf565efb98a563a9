/**
 * Bronze batch -> Silver rows: decode, deduplicate by (device, epoch, lane, seq), validate against the contracts,
 * upcast v1 to v2, normalise units, route failures to quarantine with a reason. Driver ids are only marked here
 * (DRIVER_MARK); the caller swaps them for pseudonyms (resolveDrivers), so that this part can run on a worker
 * thread without the driver mapping. No I/O: the caller owns the state and writes the output (finish()).
 * Resent sensor items (same natural key, new seq) are removed in the write transaction, because that needs the
 * stored Silver rows (resend-dedup.ts); here the series filter (resend-filter.ts) picks the few items to check.
 */
import type { Lane, ReadingV2, RollupV2, StampedEvent } from '../../../shared/contracts/types.ts';
import { upcastAlert, upcastGatewayStatus, upcastPosition, upcastReading } from '../../../shared/contracts/upcast.ts';
import { validateAlert, validateGatewayStatus, validatePosition, validateReading, validateRollup } from '../../../shared/contracts/validate.ts';
import { decodeBatch, WireError, type DecodedBatch } from '../../../shared/wire/index.ts';
import { DAY_MS } from '../gold/gold-settings.ts';
import { signalSpec, type SignalSpec } from '../signals.ts';
import { streamKey } from '../bronze/batch-meta.ts';
import type { QuarantineReason, QuarantineRow } from './rows.ts';
import { ColumnBatch, type ColumnBatchData } from '../../storage/column-batch.ts';
import { SILVER_ALERTS, SILVER_POSITIONS, SILVER_READINGS, SILVER_ROLLUPS, SILVER_STATUS } from '../schema.ts';
import { addSeq, emptySeqState, serialiseSeqState, type SeqState } from './seq-tracker.ts';
import type { ResendWindows, SuspectRow } from './resend-dedup.ts';
import { addItem, compact, mayRepeat, segmentsOf, serialiseSeries, trimSeries, type StreamSeries } from './resend-filter.ts';
import { TimeBuckets } from './time-windows.ts';
import { normalisationOf, type UnitNormalisation } from './units.ts';

export interface StreamState {
  device: string;
  epoch: string;
  lane: Lane;
  vehicle: string;
  seq: SeqState;
  duplicates: number;
  lastIngestMs: number;
  lastBronzeId: number;
  lastLagMs: number | null;
  maxLagMs: number | null;
  /** Sensor-time segments per series, for the resend filter. */
  series: StreamSeries;
}

/** What Silver remembers between batches (persisted in silver_streams and device_vehicle). */
export interface SilverState {
  streams: Map<string, StreamState>;
  deviceVehicle: Map<string, string>;
}

export function emptySilverState(): SilverState {
  return { streams: new Map(), deviceVehicle: new Map() };
}

/** Prefix of a raw driver id in value_text until resolveDrivers replaces it by the pseudonym. */
export const DRIVER_MARK = '\u0000driver\u0000';

export interface QualityDelta {
  vehicle: string;
  dayMs: number;
  valid: number;
  quarantined: number;
  duplicates: number;
  lastEventMs: number | null;
  lastIngestMs: number;
}

/** Rows and bookkeeping produced by a run of batches, written in one transaction. */
export interface SilverOutput {
  /** Silver rows, column-oriented, columns as in ../schema.ts. */
  readings: ColumnBatch;
  positions: ColumnBatch;
  alerts: ColumnBatch;
  statuses: ColumnBatch;
  rollups: ColumnBatch;
  quarantine: QuarantineRow[];
  quality: Map<string, QualityDelta>;
  reasons: Map<string, { vehicle: string; dayMs: number; reason: QuarantineReason; n: number }>;
  /** (vehicle, day) partitions whose Gold must be recomputed. */
  dirty: Map<string, { vehicle: string; dayMs: number }>;
  touchedStreams: Set<string>;
  touchedDevices: Set<string>;
  /** Readings, positions and rollups that may repeat a stored one, and their event seconds (where to look for the copy). */
  suspects: SuspectRow[];
  readingTimes: TimeBuckets;
  positionTimes: TimeBuckets;
  rollupTimes: TimeBuckets;
  lastBronzeId: number;
  events: number;
}

/** `expectedEvents` sizes the column buffers up front (Bronze knows each batch's event count). */
export function emptySilverOutput(expectedEvents = 4096): SilverOutput {
  return {
    readings: new ColumnBatch(SILVER_READINGS, Math.max(1024, expectedEvents)),
    positions: new ColumnBatch(SILVER_POSITIONS, Math.max(1024, expectedEvents >> 2)),
    alerts: new ColumnBatch(SILVER_ALERTS, 64),
    statuses: new ColumnBatch(SILVER_STATUS, 64),
    rollups: new ColumnBatch(SILVER_ROLLUPS, 64),
    quarantine: [],
    quality: new Map(),
    reasons: new Map(),
    dirty: new Map(),
    touchedStreams: new Set(),
    touchedDevices: new Set(),
    suspects: [],
    readingTimes: new TimeBuckets(),
    positionTimes: new TimeBuckets(),
    rollupTimes: new TimeBuckets(),
    lastBronzeId: 0,
    events: 0,
  };
}

export interface SilverOptions {
  /** Event times further ahead of the hub receive time than this are quarantined (a wrong clock). */
  maxFutureMs: number;
}

/** A silver_streams row. */
export type StreamRowData = [device: string, epoch: string, lane: Lane, vehicle: string, ranges: string, gapsClosed: number, duplicates: number, lastIngestMs: number, lastBronzeId: number, lastLagMs: number | null, maxLagMs: number | null, series: string];

/** One Silver transaction's worth of rows and bookkeeping, as plain data. */
export interface SilverWrite {
  readings: ColumnBatchData;
  positions: ColumnBatchData;
  alerts: ColumnBatchData;
  statuses: ColumnBatchData;
  rollups: ColumnBatchData;
  quarantine: QuarantineRow[];
  quality: QualityDelta[];
  reasons: { vehicle: string; dayMs: number; reason: QuarantineReason; n: number }[];
  dirty: { vehicle: string; dayMs: number }[];
  streams: StreamRowData[];
  devices: [device: string, vehicle: string][];
  suspects: SuspectRow[];
  windows: ResendWindows;
  lastBronzeId: number;
  events: number;
}

export interface BronzeBatch {
  bronzeId: number;
  deviceId: string;
  enqueuedMs: number;
  body: Uint8Array;
  /** From the envelope, when Bronze could read it (sizes buffers only). */
  eventCount?: number;
}

export function expectedEvents(batches: readonly BronzeBatch[]): number {
  let n = 0;
  for (const b of batches) n += b.eventCount ?? 0;
  return n;
}

const MAX_RAW_JSON = 16_384;
/** Alert lifecycle messages may arrive days after the raise: Gold of every day in between is refreshed, up to this. */
const MAX_ALERT_SPAN_DAYS = 31;

const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** A JSON rendering of a body for quarantine; never throws, bounded in size. */
export function rawJson(body: unknown): string {
  try {
    const s = JSON.stringify(body, (_k, v: unknown) =>
      v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString('base64') } : typeof v === 'bigint' ? v.toString() : v,
    );
    return s.length > MAX_RAW_JSON ? `${s.slice(0, MAX_RAW_JSON)}…` : s;
  } catch {
    return '"<unserialisable>"';
  }
}

const ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * A signal's rollups are a series of their own ('#' is no id character): among the signal's live readings, every
 * rollup (an old window at a new seq) would be a suspect.
 */
const ROLLUP_SERIES = '#';

/** The seven leading columns every Silver event table shares (vehicle, epoch, lane, seq, event, ingest, gateway time). */
function eventKey(t: ColumnBatch, vehicle: string, key: { epoch: string; lane: Lane; seq: number }, eventMs: number, ingestMs: number, rt: number): number {
  const i = t.row();
  t.str(0, i, vehicle);
  t.str(1, i, key.epoch);
  t.enum(2, i, key.lane);
  t.num(3, i, key.seq);
  t.num(4, i, eventMs);
  t.num(5, i, ingestMs);
  t.num(6, i, Math.trunc(rt));
  return i;
}

export class SilverBuilder {
  constructor(
    private readonly state: SilverState,
    private readonly opts: SilverOptions,
    readonly out: SilverOutput = emptySilverOutput(),
  ) {}

  /** Everything to write, as plain data (transferable from a worker thread). */
  finish(): SilverWrite {
    const o = this.out;
    const streams: StreamRowData[] = [];
    for (const key of o.touchedStreams) {
      const s = this.state.streams.get(key);
      if (s === undefined) continue;
      // Holes this run filled may let segments join.
      for (const bySignal of s.series.values()) for (const segs of bySignal.values()) if (segs.length > 4) compact(segs, s.seq);
      trimSeries(s.series);
      streams.push([s.device, s.epoch, s.lane, s.vehicle, serialiseSeqState(s.seq), s.seq.gapsClosed, s.duplicates, Number.isFinite(s.lastIngestMs) ? s.lastIngestMs : 0, s.lastBronzeId, s.lastLagMs, s.maxLagMs, serialiseSeries(s.series)]);
    }
    const devices: [string, string][] = [];
    for (const d of o.touchedDevices) {
      const v = this.state.deviceVehicle.get(d);
      if (v !== undefined) devices.push([d, v]);
    }
    return {
      readings: o.readings.toData(),
      positions: o.positions.toData(),
      alerts: o.alerts.toData(),
      statuses: o.statuses.toData(),
      rollups: o.rollups.toData(),
      quarantine: o.quarantine,
      quality: [...o.quality.values()],
      reasons: [...o.reasons.values()],
      dirty: [...o.dirty.values()],
      streams,
      devices,
      suspects: o.suspects,
      windows: { readings: o.readingTimes.ranges(), positions: o.positionTimes.ranges(), rollups: o.rollupTimes.ranges() },
      lastBronzeId: o.lastBronzeId,
      events: o.events,
    };
  }

  /** Processes one Bronze batch; any problem ends in quarantine, never in an exception. */
  add(b: BronzeBatch): void {
    this.out.lastBronzeId = Math.max(this.out.lastBronzeId, b.bronzeId);
    let decoded: DecodedBatch;
    try {
      decoded = decodeBatch(b.body);
    } catch (err) {
      const detail = err instanceof WireError ? err.message : `corrupt: ${String(err)}`;
      const vehicle = this.state.deviceVehicle.get(b.deviceId) ?? b.deviceId;
      this.quarantine(b, vehicle, null, null, null, 'batch', 'undecodable_batch', detail, null, null, b.body);
      return;
    }
    const { header, events } = decoded;
    const sk = streamKey(b.deviceId, header.epoch, header.lane);
    let stream = this.state.streams.get(sk);
    if (stream === undefined) {
      stream = {
        device: b.deviceId,
        epoch: header.epoch,
        lane: header.lane,
        vehicle: this.state.deviceVehicle.get(b.deviceId) ?? b.deviceId,
        seq: emptySeqState(),
        duplicates: 0,
        lastIngestMs: Number.NEGATIVE_INFINITY,
        lastBronzeId: 0,
        lastLagMs: null,
        maxLagMs: null,
        series: new Map(),
      };
      this.state.streams.set(sk, stream);
    }
    this.out.touchedStreams.add(sk);
    let newest = Number.NEGATIVE_INFINITY;
    for (const e of events) {
      this.out.events++;
      if (!addSeq(stream.seq, e.seq)) {
        stream.duplicates++;
        const day = dayOf(e.rt);
        this.quality(stream.vehicle, day, b.enqueuedMs).duplicates++;
        // Sync health (duplicate counts) and the quality export change.
        this.dirty(stream.vehicle, day);
        continue;
      }
      const t = this.event(b, stream, e);
      if (t !== null && t > newest) newest = t;
    }
    // Lag of the newest batch: how long after its newest event the hub received it.
    if (b.enqueuedMs > stream.lastIngestMs || (b.enqueuedMs === stream.lastIngestMs && b.bronzeId > stream.lastBronzeId)) {
      stream.lastIngestMs = b.enqueuedMs;
      stream.lastBronzeId = b.bronzeId;
      if (Number.isFinite(newest)) stream.lastLagMs = b.enqueuedMs - newest;
    }
    if (Number.isFinite(newest)) stream.maxLagMs = Math.max(stream.maxLagMs ?? 0, b.enqueuedMs - newest);
  }

  /** Returns the event time of a valid event, null when quarantined. */
  private event(b: BronzeBatch, stream: StreamState, e: StampedEvent): number | null {
    const key = { epoch: stream.epoch, lane: stream.lane, seq: e.seq };
    switch (e.kind) {
      case 'reject': {
        const r = e.body;
        const detail = typeof r.reason === 'string' ? r.reason : 'rejected by the gateway';
        this.quarantine(b, stream.vehicle, key.epoch, key.lane, key.seq, 'reject', 'gateway_reject', detail, null, rawJson({ topic: r.topic, reason: r.reason, sensor: r.sensor }), r.raw instanceof Uint8Array ? r.raw : null);
        return null;
      }
      case 'reading': {
        const v = validateReading(e.body);
        if (!v.ok) return this.invalid(b, stream, key, 'reading', `${v.error.field}: ${v.error.reason}`, e.body);
        const r = upcastReading(v.value);
        this.learnVehicle(stream, r.vehicle);
        if (this.future(b, stream, key, 'reading', r.sensorTime, e.body)) return null;
        return this.reading(b, stream, key, e, r, v.value.v);
      }
      case 'position': {
        const v = validatePosition(e.body);
        if (!v.ok) return this.invalid(b, stream, key, 'position', `${v.error.field}: ${v.error.reason}`, e.body);
        const p = upcastPosition(v.value);
        this.learnVehicle(stream, p.vehicle);
        if (this.future(b, stream, key, 'position', p.sensorTime, e.body)) return null;
        const t = this.out.positions;
        const i = eventKey(t, p.vehicle, key, p.sensorTime, b.enqueuedMs, e.rt);
        t.str(7, i, p.sensor);
        t.num(8, i, p.lat);
        t.num(9, i, p.lon);
        t.num(10, i, p.speedKmh ?? null);
        t.num(11, i, p.heading ?? null);
        t.num(12, i, p.altitude ?? null);
        t.num(13, i, p.hdop ?? null);
        t.num(14, i, p.satellites ?? null);
        t.num(15, i, v.value.v);
        t.num(16, i, b.bronzeId);
        if (this.resendFilter(stream, 'p', p.vehicle, p.sensor, '', e.seq, p.sensorTime)) this.out.positionTimes.add(p.sensorTime);
        this.valid(p.vehicle, p.sensorTime, b.enqueuedMs);
        return p.sensorTime;
      }
      case 'alert': {
        const v = validateAlert(e.body);
        if (!v.ok) return this.invalid(b, stream, key, 'alert', `${v.error.field}: ${v.error.reason}`, e.body);
        const a = upcastAlert(v.value);
        this.learnVehicle(stream, a.vehicle);
        if (this.future(b, stream, key, 'alert', a.sensorTime, e.body)) return null;
        const t = this.out.alerts;
        const i = eventKey(t, a.vehicle, key, a.sensorTime, b.enqueuedMs, e.rt);
        t.str(7, i, a.id);
        t.str(8, i, a.ruleId);
        t.enum(9, i, a.state);
        t.enum(10, i, a.severity);
        t.num(11, i, a.value);
        t.num(12, i, a.threshold);
        t.num(13, i, a.peak);
        t.num(14, i, a.raisedAt);
        t.str(15, i, a.message);
        t.num(16, i, a.position?.lat ?? null);
        t.num(17, i, a.position?.lon ?? null);
        t.str(18, i, a.signal ?? null);
        t.str(19, i, a.sensor ?? null);
        t.num(20, i, a.suppressed ?? null);
        t.num(21, i, v.value.v);
        t.num(22, i, b.bronzeId);
        this.valid(a.vehicle, a.sensorTime, b.enqueuedMs);
        // Days between the raise and this message: their Gold (overspeed time, alert rows) may change.
        const from = dayOf(Math.min(a.raisedAt, a.sensorTime));
        const to = dayOf(a.sensorTime);
        for (let d = Math.max(from, to - MAX_ALERT_SPAN_DAYS * DAY_MS); d < to; d += DAY_MS) this.dirty(a.vehicle, d);
        return a.sensorTime;
      }
      case 'status': {
        const v = validateGatewayStatus(e.body);
        if (!v.ok) return this.invalid(b, stream, key, 'status', `${v.error.field}: ${v.error.reason}`, e.body);
        const s = upcastGatewayStatus(v.value);
        this.learnVehicle(stream, s.vehicle);
        if (this.future(b, stream, key, 'status', s.sensorTime, e.body)) return null;
        let backlog = 0;
        let evicted = 0;
        const lanes: Record<string, unknown> = {};
        for (const lane of Object.keys(s.lanes).sort() as Lane[]) {
          const l = s.lanes[lane];
          if (l === undefined) continue;
          backlog += l.backlogEvents;
          evicted += l.evicted;
          lanes[lane] = l;
        }
        const t = this.out.statuses;
        const i = eventKey(t, s.vehicle, key, s.sensorTime, b.enqueuedMs, e.rt);
        t.str(7, i, s.gateway);
        t.str(8, i, s.bootId);
        t.str(9, i, s.connectivity);
        t.str(10, i, s.version);
        t.num(11, i, s.uptimeS);
        t.num(12, i, s.rejects);
        t.num(13, i, s.diskBytes);
        t.num(14, i, backlog);
        t.num(15, i, evicted);
        t.str(16, i, JSON.stringify(lanes));
        t.num(17, i, v.value.v);
        t.num(18, i, b.bronzeId);
        this.valid(s.vehicle, s.sensorTime, b.enqueuedMs);
        return s.sensorTime;
      }
      case 'rollup': {
        const v = validateRollup(e.body);
        if (!v.ok) return this.invalid(b, stream, key, 'rollup', `${v.error.field}: ${v.error.reason}`, e.body);
        const r = v.value;
        this.learnVehicle(stream, r.vehicle);
        // The newest reading it stands for must not lie ahead, not only the window's start.
        if (this.future(b, stream, key, 'rollup', Math.max(r.sensorTime, r.last), e.body)) return null;
        return this.rollup(b, stream, key, e, r);
      }
      default:
        // The wire decoder admits only the six kinds; this keeps an unknown one from vanishing silently.
        return this.invalid(b, stream, key, 'unknown', `unknown event kind`, e);
    }
  }

  private reading(
    b: BronzeBatch,
    stream: StreamState,
    key: { epoch: string; lane: Lane; seq: number },
    e: StampedEvent,
    r: ReadingV2,
    srcVersion: number,
  ): number | null {
    const spec = signalSpec(r.signal);
    let valueNum: number | null = null;
    let valueText: string | null = null;
    let valueBool: boolean | null = null;
    let unit = r.unit;
    let fromUnit: string | null = null;
    const value = r.value;
    if (spec !== undefined && typeof value !== spec.type) {
      this.quarantine(b, r.vehicle, key.epoch, key.lane, key.seq, 'reading', 'value_type', `${r.signal} must be a ${spec.type}, got a ${typeof value}`, r.sensorTime, rawJson(e.body), null);
      return null;
    }
    if (typeof value === 'number') {
      const n = this.storedUnit(b, key, 'reading', r, spec, r.sensorTime, e.body);
      if (n === null) return null;
      valueNum = n.convert(value);
      unit = n.unit;
      fromUnit = n.fromUnit;
    } else if (typeof value === 'boolean') {
      valueBool = value;
    } else {
      valueText = spec?.role === 'driver' && value !== '' ? DRIVER_MARK + value : value;
      // Gold carries the last driver of a day over into the next one: that day changes too.
      if (spec?.role === 'driver') this.dirty(r.vehicle, dayOf(r.sensorTime) + DAY_MS);
    }
    const t = this.out.readings;
    const i = eventKey(t, r.vehicle, key, r.sensorTime, b.enqueuedMs, e.rt);
    t.str(7, i, r.sensor);
    t.str(8, i, r.signal);
    t.num(9, i, valueNum);
    t.str(10, i, valueText);
    t.bool(11, i, valueBool);
    t.str(12, i, unit);
    t.str(13, i, fromUnit);
    t.enum(14, i, r.quality);
    t.num(15, i, r.spn ?? null);
    t.num(16, i, srcVersion);
    t.num(17, i, b.bronzeId);
    if (this.resendFilter(stream, 'r', r.vehicle, r.sensor, r.signal, e.seq, r.sensorTime)) this.out.readingTimes.add(r.sensorTime);
    this.valid(r.vehicle, r.sensorTime, b.enqueuedMs);
    return r.sensorTime;
  }

  /**
   * A gateway's rollup. A sensor never resends one, and a gateway writes it with the eviction of its readings; a copy
   * would be the same rollup under a new seq, found like a resent reading (resend-dedup.ts).
   */
  private rollup(b: BronzeBatch, stream: StreamState, key: { epoch: string; lane: Lane; seq: number }, e: StampedEvent, r: RollupV2): number | null {
    const spec = signalSpec(r.signal);
    if (spec?.type === 'string') {
      this.quarantine(b, r.vehicle, key.epoch, key.lane, key.seq, 'rollup', 'value_type', `${r.signal} must be a string, got a rollup`, r.sensorTime, rawJson(e.body), null);
      return null;
    }
    // Booleans were folded as 0 and 1 and have no unit; numbers are stored in the unit their readings would be.
    const n = this.storedUnit(b, key, 'rollup', r, spec, r.sensorTime, e.body);
    if (n === null) return null;
    const t = this.out.rollups;
    const i = eventKey(t, r.vehicle, key, r.sensorTime, b.enqueuedMs, e.rt);
    t.str(7, i, r.sensor);
    t.str(8, i, r.signal);
    t.str(9, i, n.unit);
    t.num(10, i, r.windowMs);
    t.num(11, i, r.count);
    t.num(12, i, r.min === null ? null : n.convert(r.min));
    t.num(13, i, r.max === null ? null : n.convert(r.max));
    t.num(14, i, r.mean === null ? null : n.convert(r.mean));
    t.num(15, i, r.first);
    t.num(16, i, r.last);
    t.num(17, i, r.bad);
    t.num(18, i, r.spn ?? null);
    t.num(19, i, r.v);
    t.num(20, i, b.bronzeId);
    if (this.resendFilter(stream, 'u', r.vehicle, r.sensor, ROLLUP_SERIES + r.signal, e.seq, r.sensorTime)) this.out.rollupTimes.add(r.sensorTime);
    this.valid(r.vehicle, r.sensorTime, b.enqueuedMs);
    return r.sensorTime;
  }

  /** How a number of this signal is stored; null (quarantined) when its unit is of another dimension than the signal's. */
  private storedUnit(
    b: BronzeBatch,
    key: { epoch: string; lane: Lane; seq: number },
    kind: 'reading' | 'rollup',
    item: { vehicle: string; signal: string; unit: string },
    spec: SignalSpec | undefined,
    eventMs: number,
    body: unknown,
  ): UnitNormalisation | null {
    const n = normalisationOf(item.unit);
    if (spec?.dimension === undefined || n.unit === '' || n.dimension === spec.dimension) return n;
    this.quarantine(b, item.vehicle, key.epoch, key.lane, key.seq, kind, 'unit_mismatch', `${item.signal} needs a ${spec.dimension} unit, got '${item.unit}'`, eventMs, rawJson(body), null);
    return null;
  }

  /** Records a stored reading, position or rollup in its series; true (and listed as a suspect) when it may be a resend. */
  private resendFilter(stream: StreamState, tbl: SuspectRow[0], vehicle: string, sensor: string, signal: string, seq: number, t: number): boolean {
    const segs = segmentsOf(stream.series, sensor, signal);
    const suspect = mayRepeat(segs, seq, t);
    addItem(segs, seq, t, stream.seq);
    if (suspect) this.out.suspects.push([tbl, vehicle, stream.epoch, stream.lane, seq]);
    return suspect;
  }

  private learnVehicle(stream: StreamState, vehicle: string): void {
    if (stream.vehicle !== vehicle) stream.vehicle = vehicle;
    if (this.state.deviceVehicle.get(stream.device) !== vehicle) {
      this.state.deviceVehicle.set(stream.device, vehicle);
      this.out.touchedDevices.add(stream.device);
    }
  }

  private future(b: BronzeBatch, stream: StreamState, key: { epoch: string; lane: Lane; seq: number }, kind: string, t: number, body: unknown): boolean {
    if (t <= b.enqueuedMs + this.opts.maxFutureMs) return false;
    const ahead = Math.round((t - b.enqueuedMs) / 1000);
    this.quarantine(b, stream.vehicle, key.epoch, key.lane, key.seq, kind, 'event_time_future', `event time ${new Date(t).toISOString()} is ${ahead} s after the hub received it`, t, rawJson(body), null);
    return true;
  }

  private invalid(b: BronzeBatch, stream: StreamState, key: { epoch: string; lane: Lane; seq: number }, kind: string, detail: string, body: unknown): null {
    const claimed = (body as { vehicle?: unknown } | null)?.vehicle;
    const vehicle = typeof claimed === 'string' && ID_RE.test(claimed) ? claimed : stream.vehicle;
    this.quarantine(b, vehicle, key.epoch, key.lane, key.seq, kind, 'invalid_contract', detail, null, rawJson(body), null);
    return null;
  }

  private quarantine(
    b: BronzeBatch,
    vehicle: string,
    epoch: string | null,
    lane: Lane | null,
    seq: number | null,
    kind: string,
    reason: QuarantineReason,
    detail: string,
    eventMs: number | null,
    json: string | null,
    bytes: Uint8Array | null,
  ): void {
    // Count it on its event day when that time is believable, else on the day it arrived.
    const dayMs = dayOf(eventMs !== null && reason !== 'event_time_future' ? eventMs : b.enqueuedMs);
    this.out.quarantine.push({
      vehicle, deviceId: b.deviceId, epoch, lane, seq, kind, reason, detail: detail.slice(0, 1000), eventMs,
      ingestMs: b.enqueuedMs, dayMs, rawJson: json, rawBytes: bytes, bronzeId: b.bronzeId,
    });
    const q = this.quality(vehicle, dayMs, b.enqueuedMs);
    q.quarantined++;
    const rk = `${vehicle}\u0000${dayMs}\u0000${reason}`;
    const r = this.out.reasons.get(rk);
    if (r) r.n++;
    else this.out.reasons.set(rk, { vehicle, dayMs, reason, n: 1 });
    this.dirty(vehicle, dayMs);
  }

  // Consecutive events nearly always share vehicle and day: skip the map lookups then.
  private lastVehicle = '';
  private lastDay = Number.NaN;
  private lastQuality: QualityDelta | null = null;

  private valid(vehicle: string, eventMs: number, ingestMs: number): void {
    const dayMs = eventMs - (eventMs % DAY_MS);
    let q: QualityDelta;
    if (vehicle === this.lastVehicle && dayMs === this.lastDay && this.lastQuality !== null) {
      q = this.lastQuality;
      if (ingestMs > q.lastIngestMs) q.lastIngestMs = ingestMs;
    } else {
      q = this.quality(vehicle, dayMs, ingestMs);
      this.dirty(vehicle, dayMs);
      this.lastVehicle = vehicle;
      this.lastDay = dayMs;
      this.lastQuality = q;
    }
    q.valid++;
    if (q.lastEventMs === null || eventMs > q.lastEventMs) q.lastEventMs = eventMs;
  }

  private quality(vehicle: string, dayMs: number, ingestMs: number): QualityDelta {
    const k = `${vehicle}\u0000${dayMs}`;
    let q = this.out.quality.get(k);
    if (q === undefined) {
      q = { vehicle, dayMs, valid: 0, quarantined: 0, duplicates: 0, lastEventMs: null, lastIngestMs: ingestMs };
      this.out.quality.set(k, q);
    } else if (ingestMs > q.lastIngestMs) q.lastIngestMs = ingestMs;
    return q;
  }

  private dirty(vehicle: string, dayMs: number): void {
    const k = `${vehicle}\u0000${dayMs}`;
    if (!this.out.dirty.has(k)) this.out.dirty.set(k, { vehicle, dayMs });
  }
}
