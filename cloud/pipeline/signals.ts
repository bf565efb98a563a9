/**
 * The signals Silver checks and Gold reads. Names follow the gateway's rule defaults (engine_speed, wheel_speed,
 * accel_x, reefer_setpoint, dm1) with aliases for common spellings. A signal not listed here is stored in Silver
 * as sent (after unit normalisation) and ignored by Gold.
 */
import type { Dimension } from './silver/units.ts';

export type SignalRole =
  | 'odometer'
  | 'engineHours'
  | 'fuelUsed'
  | 'fuelRate'
  | 'speed'
  | 'rpm'
  | 'ignition'
  | 'reeferTemp'
  | 'reeferSetpoint'
  | 'defrost'
  | 'door'
  | 'driver'
  | 'coolant'
  | 'accel';

export interface SignalSpec {
  role: SignalRole;
  /** Required value type in Silver. */
  type: 'number' | 'boolean' | 'string';
  /** When set, the (normalised) unit must be of this dimension; an empty unit is accepted as already canonical. */
  dimension?: Dimension;
}

const SPECS: [names: string[], spec: SignalSpec][] = [
  [['odometer', 'total_vehicle_distance', 'vehicle_distance'], { role: 'odometer', type: 'number', dimension: 'distance' }],
  [['engine_hours', 'engine_total_hours'], { role: 'engineHours', type: 'number', dimension: 'duration' }],
  [['fuel_used_total', 'fuel_used', 'total_fuel_used'], { role: 'fuelUsed', type: 'number', dimension: 'volume' }],
  [['fuel_rate'], { role: 'fuelRate', type: 'number', dimension: 'flow' }],
  [['wheel_speed', 'vehicle_speed', 'speed'], { role: 'speed', type: 'number', dimension: 'speed' }],
  [['engine_speed', 'rpm'], { role: 'rpm', type: 'number' }],
  [['ignition'], { role: 'ignition', type: 'boolean' }],
  [
    ['reefer_supply_temp', 'reefer_return_temp', 'reefer_temp', 'supply_temp', 'return_temp', 'cargo_temp'],
    { role: 'reeferTemp', type: 'number', dimension: 'temperature' },
  ],
  [['reefer_setpoint'], { role: 'reeferSetpoint', type: 'number', dimension: 'temperature' }],
  [['reefer_defrost', 'defrost'], { role: 'defrost', type: 'boolean' }],
  [['cargo_door', 'door_open', 'reefer_door_open', 'cargo_door_open'], { role: 'door', type: 'boolean' }],
  [['driver_id'], { role: 'driver', type: 'string' }],
  [['coolant_temp', 'engine_coolant_temp'], { role: 'coolant', type: 'number', dimension: 'temperature' }],
  [['accel_x', 'accel_y', 'accel_z'], { role: 'accel', type: 'number', dimension: 'acceleration' }],
];

const BY_NAME: ReadonlyMap<string, SignalSpec> = new Map(SPECS.flatMap(([names, spec]) => names.map((n) => [n, spec] as const)));

export function signalSpec(signal: string): SignalSpec | undefined {
  return BY_NAME.get(signal);
}

/** All signal names with this role (for SQL filters). */
export function signalsFor(...roles: SignalRole[]): string[] {
  return SPECS.filter(([, s]) => roles.includes(s.role)).flatMap(([names]) => names);
}

export function roleOf(signal: string): SignalRole | undefined {
  return BY_NAME.get(signal)?.role;
}

/** The signal whose string value identifies the driver (pseudonymised in Silver). */
export const DRIVER_SIGNALS: readonly string[] = signalsFor('driver');
