/** Quarantine rows and reasons (Silver event rows are built column-wise, see to-silver.ts). */
import type { Lane } from '../../../shared/contracts/types.ts';

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
