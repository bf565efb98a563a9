/** Sample events of every kind and contract version, for the wire format's tests and golden vectors. */
import type { StampedEvent } from '../contracts/types.ts';
import type { BatchHeaderInput } from './types.ts';

export const T0 = Date.UTC(2025, 2, 10, 6, 30, 0);

export const sampleHeader = (lane: BatchHeaderInput['lane'] = 'telemetry'): BatchHeaderInput => ({
  gatewayId: 'gw-TRK-0042',
  epoch: '01JNZ8Q3W5M7Y2K4T6V8X0B1C3',
  lane,
  createdAt: T0 + 60_000,
});

export const telemetryEvents = (): StampedEvent[] => [
  {
    seq: 1, rt: T0 + 41, kind: 'reading',
    body: { v: 2, vehicle: 'TRK-0042', sensor: 'j1939', signal: 'engine_speed', value: 1412.625, unit: 'rpm', sensorTime: T0 + 13, quality: 'good', spn: 190 },
  },
  {
    seq: 2, rt: T0 + 44, kind: 'reading',
    body: { v: 2, vehicle: 'TRK-0042', sensor: 'j1939', signal: 'coolant_temp', value: 88, unit: 'C', sensorTime: T0 + 13, quality: 'suspect', spn: 110 },
  },
  {
    seq: 3, rt: T0 + 230, kind: 'position',
    body: { v: 2, vehicle: 'TRK-0042', sensor: 'gps', lat: 51.219448, lon: 4.402464, sensorTime: T0 + 200, speedKmh: 84.3, heading: 92, altitude: 11.8, hdop: 0.9, satellites: 11 },
  },
  // A gap: seqs 4-6 were evicted on the gateway.
  { seq: 7, rt: T0 + 740, kind: 'reading', body: { v: 1, vehicle: 'TRK-0042', sensor: 'reefer-1', signal: 'supply_temp', value: -18.4, unit: 'C', ts: T0 + 700 } },
  { seq: 8, rt: T0 + 745, kind: 'reading', body: { v: 1, vehicle: 'TRK-0042', sensor: 'reefer-1', signal: 'door_open', value: false, unit: 'bool', ts: T0 + 700 } },
  { seq: 9, rt: T0 + 1230, kind: 'position', body: { v: 1, vehicle: 'TRK-0042', sensor: 'gps', lat: 51.219452, lon: 4.402701, ts: T0 + 1200, speedKmh: 84.1 } },
  {
    seq: 10, rt: T0 + 1290, kind: 'reading',
    body: { v: 2, vehicle: 'TRK-0042', sensor: 'j1939', signal: 'dtc_active', value: 'SPN 110 FMI 0', unit: '', sensorTime: T0 + 1250, quality: 'bad' },
  },
];

export const alertEvents = (): StampedEvent[] => [
  {
    seq: 1040, rt: T0 + 5_000, kind: 'alert',
    body: {
      v: 2, id: 'TRK-0042:overspeed:1741588205000', vehicle: 'TRK-0042', ruleId: 'overspeed', state: 'raised', severity: 'warning',
      value: 97.5, threshold: 90, sensorTime: T0 + 4_990, raisedAt: T0 + 4_990, peak: 97.5, message: 'Speed 97.5 km/h over 90 km/h for 10 s',
      position: { lat: 51.2201, lon: 4.4102 }, signal: 'vehicle_speed', sensor: 'j1939',
    },
  },
  {
    seq: 1041, rt: T0 + 65_000, kind: 'alert',
    body: {
      v: 2, id: 'TRK-0042:overspeed:1741588205000', vehicle: 'TRK-0042', ruleId: 'overspeed', state: 'cleared', severity: 'warning',
      value: 86, threshold: 90, sensorTime: T0 + 64_990, raisedAt: T0 + 4_990, peak: 101.25, message: 'Speed back under 90 km/h',
    },
  },
  {
    seq: 1042, rt: T0 + 70_000, kind: 'alert',
    body: {
      v: 2, id: 'TRK-0042:reefer:summary', vehicle: 'TRK-0042', ruleId: 'reefer_out_of_range', state: 'summary', severity: 'critical',
      value: null, threshold: null, sensorTime: T0 + 69_000, raisedAt: T0 + 9_000, peak: -9.5, message: '14 lifecycle messages held back', suppressed: 14,
    },
  },
];

export const statusEvents = (): StampedEvent[] => [
  {
    seq: 77, rt: T0 + 30_000, kind: 'status',
    body: {
      v: 2, gateway: 'gw-TRK-0042', vehicle: 'TRK-0042', bootId: 'b-7f3a', sensorTime: T0 + 30_000, connectivity: 'online', version: '0.1.0',
      uptimeS: 86_400, rejects: 3, diskBytes: 18_874_368,
      lanes: {
        telemetry: { backlogEvents: 5210, backlogBytes: 1_048_576, oldestUnsentMs: T0 - 3_600_000, lastAckedSeq: 912_733, lastAckAt: T0 - 5_000, evicted: 0 },
        alerts: { backlogEvents: 0, backlogBytes: 0, oldestUnsentMs: null, lastAckedSeq: 1039, lastAckAt: T0 - 5_000, evicted: 0 },
      },
    },
  },
];

export const rejectEvents = (): StampedEvent[] => [
  {
    seq: 5, rt: T0 + 900, kind: 'reject',
    body: { topic: 'sensors/reefer-1/reading', raw: Uint8Array.of(0x7b, 0x22, 0x76, 0x22, 0x3a, 0xff, 0x00, 0x7d), reason: 'invalid JSON at byte 5', sensor: 'reefer-1' },
  },
  { seq: 6, rt: T0 + 950, kind: 'reject', body: { topic: 'sensors/unknown/x', raw: new Uint8Array(0), reason: 'empty payload' } },
];

/** One event of every kind, seqs increasing: for round trips over the whole union. */
export const everyKind = (): StampedEvent[] =>
  [...telemetryEvents(), ...rejectEvents(), ...statusEvents(), ...alertEvents()].map((e, i) => ({ ...e, seq: i + 1 }) as StampedEvent);

/** Incompressible but reproducible bytes (xorshift32), for size limits. */
export function noiseBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
