/**
 * The signals the simulated sensors send: name, unit, J1939 SPN where there is one, the resolution the value is
 * quantised to, and the valid range. Quantising here makes the simulator send exactly what a J1939 bridge can.
 */

export type NumericSignal =
  | 'engine_speed'
  | 'wheel_speed'
  | 'coolant_temp'
  | 'fuel_level'
  | 'fuel_used_total'
  | 'odometer'
  | 'engine_hours'
  | 'oil_pressure'
  | 'battery_voltage'
  | 'reefer_setpoint'
  | 'reefer_supply_temp'
  | 'reefer_return_temp'
  | 'accel_x'
  | 'accel_y';
export type BooleanSignal = 'reefer_defrost' | 'cargo_door';
/** `dm1`: every active DTC as `SPN:FMI:LAMP:OC`, comma-separated; empty when none (see edge/alerts/dm1.ts). */
export type StringSignal = 'dm1';
export type SignalName = NumericSignal | BooleanSignal | StringSignal;

export interface NumericSignalDef {
  type: 'number';
  unit: string;
  spn?: number;
  resolution: number;
  offset: number;
  min: number;
  max: number;
}

export interface OtherSignalDef {
  type: 'boolean' | 'string';
  unit: string;
  spn?: number;
}

export type SignalDef = NumericSignalDef | OtherSignalDef;

const num = (unit: string, resolution: number, offset: number, min: number, max: number, spn?: number): NumericSignalDef => ({
  type: 'number',
  unit,
  resolution,
  offset,
  min,
  max,
  ...(spn === undefined ? {} : { spn }),
});

/** J1939 32-bit counters top out at 0xFAFFFFFF raw (values above are reserved for error/not available). */
const RAW32 = 0xfaffffff;

export const SIGNALS: Readonly<Record<SignalName, SignalDef>> = {
  engine_speed: num('rpm', 0.125, 0, 0, 8031.875, 190),
  wheel_speed: num('km/h', 1 / 256, 0, 0, 250.99609375, 84),
  coolant_temp: num('C', 1, -40, -40, 210, 110),
  fuel_level: num('%', 0.4, 0, 0, 100, 96),
  fuel_used_total: num('L', 0.5, 0, 0, RAW32 * 0.5, 250),
  odometer: num('km', 0.125, 0, 0, RAW32 * 0.125, 245),
  engine_hours: num('h', 0.05, 0, 0, RAW32 * 0.05, 247),
  oil_pressure: num('kPa', 4, 0, 0, 1000, 100),
  battery_voltage: num('V', 0.05, 0, 0, 3212.75, 168),
  // Reefer controllers report tenths of a degree on their own bus; no J1939 SPN.
  reefer_setpoint: num('C', 0.1, 0, -40, 40),
  reefer_supply_temp: num('C', 0.1, 0, -50, 70),
  reefer_return_temp: num('C', 0.1, 0, -50, 70),
  // A 12-bit MEMS accelerometer on +-8 g: about 0.04 m/s2 per step; 0.01 is what the firmware reports.
  accel_x: num('m/s2', 0.01, 0, -78.45, 78.45),
  accel_y: num('m/s2', 0.01, 0, -78.45, 78.45),
  reefer_defrost: { type: 'boolean', unit: '' },
  cargo_door: { type: 'boolean', unit: '' },
  dm1: { type: 'string', unit: '' },
};

export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/** Rounds to the signal's resolution (raw steps from its offset) and clamps to its range, as the bus would. */
export function quantise(def: NumericSignalDef, value: number): number {
  if (!Number.isFinite(value)) return value;
  const raw = Math.round((value - def.offset) / def.resolution);
  const v = raw * def.resolution + def.offset;
  // Strip binary noise such as 0.4 * 3 = 1.2000000000000002.
  const clean = Math.round(v * 1e8) / 1e8;
  return Math.min(def.max, Math.max(def.min, clean));
}

export function isNumericDef(def: SignalDef): def is NumericSignalDef {
  return def.type === 'number';
}
