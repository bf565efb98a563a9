/**
 * One valid example of every contract version, for tests, fuzzing and documentation.
 * Each call returns fresh objects, so callers may mutate them.
 */
import type {
  AlertV1,
  AlertV2,
  ContractKind,
  GatewayStatusV1,
  GatewayStatusV2,
  PositionV1,
  PositionV2,
  ReadingV1,
  ReadingV2,
  RollupV2,
} from './types.ts';

/** 2024-05-01T08:00:00Z */
export const EXAMPLE_TIME = 1_714_550_400_000;

export const exampleReadingV1 = (): ReadingV1 => ({
  v: 1,
  vehicle: 'truck-042',
  sensor: 'can0',
  signal: 'coolant.temp',
  value: 88.5,
  unit: 'C',
  ts: EXAMPLE_TIME,
});

export const exampleReadingV2 = (): ReadingV2 => ({
  v: 2,
  vehicle: 'truck-042',
  sensor: 'can0',
  signal: 'coolant.temp',
  value: 88.5,
  unit: 'C',
  sensorTime: EXAMPLE_TIME,
  quality: 'good',
  spn: 110,
});

export const examplePositionV1 = (): PositionV1 => ({
  v: 1,
  vehicle: 'truck-042',
  sensor: 'gps0',
  lat: 52.520008,
  lon: 13.404954,
  ts: EXAMPLE_TIME,
  speedKmh: 72.4,
  heading: 181.5,
});

export const examplePositionV2 = (): PositionV2 => ({
  v: 2,
  vehicle: 'truck-042',
  sensor: 'gps0',
  lat: 52.520008,
  lon: 13.404954,
  sensorTime: EXAMPLE_TIME,
  speedKmh: 72.4,
  heading: 181.5,
  altitude: 34.2,
  hdop: 0.9,
  satellites: 11,
});

export const exampleAlertV1 = (): AlertV1 => ({
  v: 1,
  id: 'truck-042:overheat:1714550400000',
  vehicle: 'truck-042',
  ruleId: 'overheat',
  state: 'raised',
  severity: 'critical',
  value: 106,
  threshold: 105,
  ts: EXAMPLE_TIME,
  message: 'Coolant at 106 C for 30 s (limit 105 C)',
  position: { lat: 52.520008, lon: 13.404954 },
  signal: 'coolant.temp',
  sensor: 'can0',
});

export const exampleAlertV2 = (): AlertV2 => ({
  v: 2,
  id: 'truck-042:overheat:1714550400000',
  vehicle: 'truck-042',
  ruleId: 'overheat',
  state: 'updated',
  severity: 'critical',
  value: 107,
  threshold: 105,
  message: 'Coolant at 107 C (limit 105 C)',
  position: { lat: 52.520008, lon: 13.404954 },
  signal: 'coolant.temp',
  sensor: 'can0',
  sensorTime: EXAMPLE_TIME + 5_000,
  raisedAt: EXAMPLE_TIME,
  peak: 107.5,
});

export const exampleGatewayStatusV1 = (): GatewayStatusV1 => ({
  v: 1,
  gateway: 'gw-042',
  vehicle: 'truck-042',
  bootId: '7f9c1e2a-0b6d-4c1e-9a51-3d2f8e6b4a10',
  ts: EXAMPLE_TIME,
  connectivity: 'online',
  version: '0.1.0',
});

export const exampleGatewayStatusV2 = (): GatewayStatusV2 => ({
  v: 2,
  gateway: 'gw-042',
  vehicle: 'truck-042',
  bootId: '7f9c1e2a-0b6d-4c1e-9a51-3d2f8e6b4a10',
  sensorTime: EXAMPLE_TIME,
  connectivity: 'offline',
  version: '0.1.0',
  uptimeS: 3600.5,
  lanes: {
    alerts: {
      backlogEvents: 0,
      backlogBytes: 0,
      oldestUnsentMs: null,
      lastAckedSeq: 17,
      lastAckAt: EXAMPLE_TIME - 60_000,
      evicted: 0,
    },
    telemetry: {
      backlogEvents: 1200,
      backlogBytes: 240_000,
      oldestUnsentMs: EXAMPLE_TIME - 600_000,
      lastAckedSeq: 88_000,
      lastAckAt: EXAMPLE_TIME - 600_000,
      evicted: 0,
    },
  },
  rejects: 3,
  diskBytes: 52_428_800,
});

/** Coolant temperature over one minute, folded from 600 readings at 10 Hz (two of them of bad quality). */
export const exampleRollupV2 = (): RollupV2 => ({
  v: 2,
  vehicle: 'truck-042',
  sensor: 'ecu-1',
  signal: 'coolant_temp',
  unit: 'C',
  sensorTime: EXAMPLE_TIME - (EXAMPLE_TIME % 60_000),
  windowMs: 60_000,
  count: 598,
  min: 88.5,
  max: 91.25,
  mean: 89.7,
  first: EXAMPLE_TIME - (EXAMPLE_TIME % 60_000),
  last: EXAMPLE_TIME - (EXAMPLE_TIME % 60_000) + 59_900,
  bad: 2,
  spn: 110,
});

/** Every example, tagged with its contract kind and version. */
export function allExamples(): Array<{ kind: ContractKind; version: 1 | 2; value: Record<string, unknown> }> {
  const tag = (kind: ContractKind, version: 1 | 2, value: object) => ({
    kind,
    version,
    value: value as Record<string, unknown>,
  });
  return [
    tag('reading', 1, exampleReadingV1()),
    tag('reading', 2, exampleReadingV2()),
    tag('position', 1, examplePositionV1()),
    tag('position', 2, examplePositionV2()),
    tag('alert', 1, exampleAlertV1()),
    tag('alert', 2, exampleAlertV2()),
    tag('status', 1, exampleGatewayStatusV1()),
    tag('status', 2, exampleGatewayStatusV2()),
  ];
}
