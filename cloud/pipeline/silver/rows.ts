/** Silver rows as plain objects, one field per column of the tables in ../schema.ts (same order). */
import type { Lane } from '../../../shared/contracts/types.ts';

export interface EventKey {
  vehicle: string;
  epoch: string;
  lane: Lane;
  seq: number;
  eventMs: number;
  ingestMs: number;
  gatewayMs: number;
}

export interface ReadingRow extends EventKey {
  sensor: string;
  signal: string;
  valueNum: number | null;
  valueText: string | null;
  valueBool: boolean | null;
  unit: string;
  fromUnit: string | null;
  quality: 'good' | 'suspect' | 'bad';
  spn: number | null;
  srcVersion: number;
  bronzeId: number;
}

export interface PositionRow extends EventKey {
  sensor: string;
  lat: number;
  lon: number;
  speedKmh: number | null;
  heading: number | null;
  altitudeM: number | null;
  hdop: number | null;
  satellites: number | null;
  srcVersion: number;
  bronzeId: number;
}

export interface AlertRow extends EventKey {
  alertId: string;
  ruleId: string;
  state: 'raised' | 'updated' | 'cleared' | 'summary';
  severity: 'info' | 'warning' | 'critical';
  value: number | null;
  threshold: number | null;
  peak: number | null;
  raisedMs: number;
  message: string;
  lat: number | null;
  lon: number | null;
  signal: string | null;
  sensor: string | null;
  suppressed: number | null;
  srcVersion: number;
  bronzeId: number;
}

export interface StatusRow extends EventKey {
  gateway: string;
  bootId: string;
  connectivity: string;
  version: string;
  uptimeS: number;
  rejects: number;
  diskBytes: number;
  backlogEvents: number;
  evicted: number;
  lanesJson: string;
  srcVersion: number;
  bronzeId: number;
}

export type QuarantineReason =
  /** The batch envelope or payload did not decode (WireError); the whole message is kept. */
  | 'undecodable_batch'
  /** The gateway itself rejected the sensor payload (rejects lane). */
  | 'gateway_reject'
  /** The body fails its contract (validateReading/Position/Alert/GatewayStatus). */
  | 'invalid_contract'
  /** A known signal with the wrong value type (e.g. text for engine speed). */
  | 'value_type'
  /** A known signal in a unit of another dimension (e.g. a temperature in km/h). */
  | 'unit_mismatch'
  /** Event time further ahead of the hub's receive time than the tolerance (a wrong sensor clock). */
  | 'event_time_future';

export const QUARANTINE_REASONS: readonly QuarantineReason[] = [
  'undecodable_batch',
  'gateway_reject',
  'invalid_contract',
  'value_type',
  'unit_mismatch',
  'event_time_future',
];

export interface QuarantineRow {
  vehicle: string;
  deviceId: string;
  epoch: string | null;
  lane: Lane | null;
  seq: number | null;
  kind: string;
  reason: QuarantineReason;
  detail: string;
  eventMs: number | null;
  ingestMs: number;
  dayMs: number;
  rawJson: string | null;
  rawBytes: Uint8Array | null;
  bronzeId: number;
}
