/**
 * What a truck is made of, as plain JSON-friendly data: its vehicle facts, its sensors (each with its own MQTT
 * credentials, rate, QoS, payload format and batching) and the scenario events that will happen to it.
 */
import type { SignalName } from './signals.ts';

export type SensorRole = 'gps' | 'ecu' | 'dm1' | 'accel' | 'reefer' | 'door';
export type PayloadFormat = 'json' | 'msgpack';
export type PayloadKind = 'reading' | 'position';
export type FaultKind = 'stuck' | 'nan' | 'garbage' | 'wrong-type' | 'clock-skew' | 'flood';

export interface SensorFault {
  kind: FaultKind;
  /** Window in simulated ms from the start of the simulation; absent means from the start / for ever. */
  fromMs?: number;
  toMs?: number;
  /** nan, garbage, wrong-type: share of samples (or publishes, for garbage) affected, 0..1 (default 1). */
  share?: number;
  /** clock-skew: added to every timestamp, ms (negative: the sensor's clock is behind). */
  skewMs?: number;
  /** flood: samples per simulated second while the fault lasts, each sent on its own. */
  rateHz?: number;
  /** The scenario that put the fault here (absent: fleet variety). */
  scenario?: string;
}

export interface SignalSchedule {
  signal: SignalName;
  /** Sent with every n-th sample of the sensor (1: every sample). */
  every: number;
}

export interface SensorSpec {
  /** Unique within the truck; the topic level `fleet/{vehicle}/{sensor}/{kind}`. */
  id: string;
  role: SensorRole;
  kind: PayloadKind;
  username: string;
  password: string;
  /** Sample period with the ignition on, simulated ms. */
  periodMs: number;
  /** Sample period with the ignition off; null: silent while parked (the J1939 bus sleeps). */
  parkedPeriodMs: number | null;
  /** Reading sensors: what each sample carries. Empty for positions. */
  signals: SignalSchedule[];
  /** Only values that changed since they were last sent, plus a heartbeat of everything. */
  onChange: boolean;
  heartbeatMs: number;
  qos: 0 | 1;
  format: PayloadFormat;
  /** Samples per publish: 1 sends one object (or the sample's readings), more send an array (at most 100 items). */
  batch: number;
  /** Whether payloads carry `vehicle` and `sensor` (the topic always does). */
  includeIds: boolean;
  faults: SensorFault[];
}

export interface ReeferSpec {
  setpointC: number;
  defrostEveryH: number;
}

/** A scenario event resolved for one truck, in simulated ms from the simulation start. */
export type TruckEvent =
  | { type: 'overheat'; atMs: number; durationMs: number; peakC: number; scenario: string }
  | { type: 'reefer-failure'; atMs: number; durationMs: number; scenario: string }
  | { type: 'harsh-braking'; atMs: number; peakMs2: number; lengthS: number; scenario: string }
  | { type: 'harsh-cornering'; atMs: number; peakMs2: number; lengthS: number; scenario: string }
  | { type: 'dtc'; atMs: number; durationMs: number; spn: number; fmi: number; lamp: 'red' | 'amber' | 'mil' | 'protect'; scenario: string }
  | { type: 'excessive-idle'; atMs: number; durationMs: number; scenario: string }
  | { type: 'overspeed'; atMs: number; durationMs: number; speedKmh: number; scenario: string }
  | { type: 'dead-zone' | 'power-cut' | 'depot-wifi'; atMs: number; durationMs: number; scenario: string };

export type HookEventType = 'dead-zone' | 'power-cut' | 'depot-wifi';

export interface TruckSpec {
  vehicle: string;
  depot: string;
  /** 1: old firmware, payloads without `v` and with `ts`; 2: `v: 2`, `sensorTime`, `quality`. */
  firmware: 1 | 2;
  massKg: number;
  tankL: number;
  fuelLevelStartPct: number;
  fuelUsedStartL: number;
  odometerStartKm: number;
  engineHoursStart: number;
  idleFuelLph: number;
  wheelFactor: number;
  ambientC: number;
  /** Seconds after the start until the truck leaves its depot. */
  departAfterS: number;
  deliveriesMin: number;
  deliveriesMax: number;
  /** Mean engine hours between random amber DTCs; 0: none. */
  dtcMeanHoursBetween: number;
  reefer: ReeferSpec | null;
  sensors: SensorSpec[];
  events: TruckEvent[];
}
