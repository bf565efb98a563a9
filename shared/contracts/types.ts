/**
 * Event contracts shared by edge and cloud, as plain TypeScript types.
 * The validating schemas (shared/contracts/schemas.ts) must describe exactly these shapes.
 *
 * Version history:
 *  - v1 (old firmware): the sensor's timestamp is `ts`; no `v` field on the wire means v1.
 *  - v2: `ts` is renamed `sensorTime`; readings add `quality` and an optional J1939 `spn`,
 *        positions add `altitude`, `hdop` and `satellites`, alerts add `peak` and `suppressed`.
 */

/** Epoch milliseconds. */
export type EpochMs = number;

export type ReadingValue = number | boolean | string;
export type Quality = 'good' | 'suspect' | 'bad';

export interface ReadingV1 {
  v: 1;
  vehicle: string;
  sensor: string;
  signal: string;
  value: ReadingValue;
  unit: string;
  ts: EpochMs;
}

export interface ReadingV2 {
  v: 2;
  vehicle: string;
  sensor: string;
  signal: string;
  value: ReadingValue;
  unit: string;
  sensorTime: EpochMs;
  quality: Quality;
  spn?: number;
}

export interface PositionV1 {
  v: 1;
  vehicle: string;
  sensor: string;
  lat: number;
  lon: number;
  ts: EpochMs;
  speedKmh?: number;
  heading?: number;
}

export interface PositionV2 {
  v: 2;
  vehicle: string;
  sensor: string;
  lat: number;
  lon: number;
  sensorTime: EpochMs;
  speedKmh?: number;
  heading?: number;
  altitude?: number;
  hdop?: number;
  satellites?: number;
}

export type AlertState = 'raised' | 'updated' | 'cleared' | 'summary';
export type Severity = 'info' | 'warning' | 'critical';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface AlertV1 {
  v: 1;
  /** Stable across the alert's lifecycle: raised, updated and cleared share it. */
  id: string;
  vehicle: string;
  ruleId: string;
  state: AlertState;
  severity: Severity;
  value: number | null;
  threshold: number | null;
  ts: EpochMs;
  message: string;
  position?: GeoPoint;
  signal?: string;
  sensor?: string;
}

export interface AlertV2 extends Omit<AlertV1, 'v' | 'ts'> {
  v: 2;
  sensorTime: EpochMs;
  /** When the alert was first raised (equal to sensorTime on the raise itself). */
  raisedAt: EpochMs;
  /** Highest (or most extreme) value seen while active. */
  peak: number | null;
  /** On a summary: how many lifecycle messages storm protection held back. */
  suppressed?: number;
}

export type Lane = 'alerts' | 'telemetry' | 'status' | 'rejects';
export const LANES: readonly Lane[] = ['alerts', 'telemetry', 'status', 'rejects'];
export type ConnectivityState = 'online' | 'offline' | 'connecting' | 'paused';

export interface LaneStatus {
  backlogEvents: number;
  backlogBytes: number;
  oldestUnsentMs: EpochMs | null;
  lastAckedSeq: number;
  lastAckAt: EpochMs | null;
  evicted: number;
  /** Of `evicted`, how many were telemetry folded into rollups or thinned positions rather than lost outright. */
  downsampled?: number;
}

export interface GatewayStatusV1 {
  v: 1;
  gateway: string;
  vehicle: string;
  bootId: string;
  ts: EpochMs;
  connectivity: ConnectivityState;
  version: string;
}

export interface GatewayStatusV2 extends Omit<GatewayStatusV1, 'v' | 'ts'> {
  v: 2;
  sensorTime: EpochMs;
  uptimeS: number;
  lanes: Partial<Record<Lane, LaneStatus>>;
  rejects: number;
  diskBytes: number;
}

/**
 * One signal of one sensor over one time window, folded by a gateway whose journal was running short of room
 * (edge/journal/rollup.ts): what the readings it replaced said, in a few numbers. Numeric readings count as
 * themselves, booleans as 0 and 1 (the mean is then the share of time-samples that were true).
 */
export interface RollupV2 {
  v: 2;
  vehicle: string;
  sensor: string;
  signal: string;
  unit: string;
  /** Start of the window, by sensor time: a multiple of windowMs. */
  sensorTime: EpochMs;
  windowMs: number;
  /** Readings of good or suspect quality, the ones min, max and mean describe. */
  count: number;
  /** null when every reading folded was of bad quality. */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sensor times of the first and last reading folded, whatever their quality. */
  first: EpochMs;
  last: EpochMs;
  /** Readings of bad quality folded: counted, left out of min, max and mean. */
  bad: number;
  spn?: number;
}

export type ContractKind = 'reading' | 'position' | 'alert' | 'status';
export type AnyV1 = ReadingV1 | PositionV1 | AlertV1 | GatewayStatusV1;
export type AnyV2 = ReadingV2 | PositionV2 | AlertV2 | GatewayStatusV2;

/** A payload a sensor sent that failed parsing or validation, kept raw for the cloud's quarantine. */
export interface RejectRecord {
  topic: string;
  raw: Uint8Array;
  reason: string;
  sensor?: string;
}

/**
 * What the gateway journals and ships: one accepted item, stamped with the gateway's receive time
 * and its lane sequence number. `body` is the contract object as received (v1 or v2; the cloud upcasts).
 */
export type StampedEvent =
  | { seq: number; rt: EpochMs; kind: 'reading'; body: ReadingV1 | ReadingV2 }
  | { seq: number; rt: EpochMs; kind: 'position'; body: PositionV1 | PositionV2 }
  | { seq: number; rt: EpochMs; kind: 'alert'; body: AlertV2 }
  | { seq: number; rt: EpochMs; kind: 'status'; body: GatewayStatusV2 }
  | { seq: number; rt: EpochMs; kind: 'reject'; body: RejectRecord }
  | { seq: number; rt: EpochMs; kind: 'rollup'; body: RollupV2 };

export type EventKind = StampedEvent['kind'];
