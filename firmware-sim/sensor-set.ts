/**
 * The sensors a truck carries, with their rates, QoS, formats and batching. Old firmware (v1) speaks JSON only.
 * The accelerometer is high-rate and sends at QoS 0; everything else at QoS 1.
 */
import type { Prng } from './prng.ts';
import type { PayloadFormat, SensorRole, SensorSpec, SignalSchedule } from './sensor-spec.ts';

export interface SensorSetOptions {
  vehicle: string;
  firmware: 1 | 2;
  reefer: boolean;
}

const sig = (signal: SignalSchedule['signal'], every = 1): SignalSchedule => ({ signal, every });

type Template = Omit<SensorSpec, 'id' | 'username' | 'password' | 'format' | 'includeIds' | 'faults'> & {
  formats: PayloadFormat[];
};

const TEMPLATES: Record<SensorRole, Template> = {
  gps: {
    role: 'gps',
    kind: 'position',
    periodMs: 1000,
    // Parked trackers report every two minutes (the default gps_silent rule fires after five).
    parkedPeriodMs: 120_000,
    signals: [],
    onChange: false,
    heartbeatMs: 0,
    qos: 1,
    batch: 1,
    formats: ['json', 'msgpack'],
  },
  ecu: {
    role: 'ecu',
    kind: 'reading',
    periodMs: 1000,
    // The J1939 bus sleeps with the ignition off.
    parkedPeriodMs: null,
    signals: [
      sig('engine_speed'),
      sig('wheel_speed'),
      sig('coolant_temp', 5),
      sig('oil_pressure', 5),
      sig('fuel_level', 10),
      sig('battery_voltage', 10),
      sig('fuel_used_total', 30),
      sig('odometer', 30),
      sig('engine_hours', 60),
    ],
    onChange: false,
    heartbeatMs: 0,
    qos: 1,
    batch: 1,
    formats: ['json', 'msgpack'],
  },
  dm1: {
    role: 'dm1',
    kind: 'reading',
    // DM1 is on the bus once a second with the full list, empty or not; the bridge sends five at a time.
    periodMs: 1000,
    parkedPeriodMs: null,
    signals: [sig('dm1')],
    onChange: false,
    heartbeatMs: 0,
    qos: 1,
    batch: 5,
    formats: ['json'],
  },
  accel: {
    role: 'accel',
    kind: 'reading',
    periodMs: 100,
    parkedPeriodMs: null,
    signals: [sig('accel_x'), sig('accel_y')],
    onChange: false,
    heartbeatMs: 0,
    qos: 0,
    // One second of 10 Hz samples per message: 20 readings.
    batch: 10,
    formats: ['msgpack'],
  },
  reefer: {
    role: 'reefer',
    kind: 'reading',
    periodMs: 15_000,
    // The reefer has its own diesel: it keeps reporting while the truck is parked.
    parkedPeriodMs: 60_000,
    signals: [sig('reefer_setpoint', 4), sig('reefer_supply_temp'), sig('reefer_return_temp'), sig('reefer_defrost')],
    onChange: false,
    heartbeatMs: 0,
    qos: 1,
    batch: 1,
    formats: ['json', 'msgpack'],
  },
  door: {
    role: 'door',
    kind: 'reading',
    periodMs: 1000,
    // A battery door switch: same polling parked, sends on change and every five minutes.
    parkedPeriodMs: 1000,
    signals: [sig('cargo_door')],
    onChange: true,
    heartbeatMs: 300_000,
    qos: 1,
    batch: 1,
    formats: ['json'],
  },
};

export function sensorSet(rng: Prng, o: SensorSetOptions): SensorSpec[] {
  const roles: SensorRole[] = ['gps', 'ecu', 'dm1', 'accel', ...(o.reefer ? (['reefer'] as const) : []), 'door'];
  return roles.map((role) => {
    const t = TEMPLATES[role];
    const { formats, ...rest } = t;
    const format: PayloadFormat = o.firmware === 1 ? 'json' : rng.pick(formats);
    // Some GPS units and ECU bridges buffer five samples per message.
    const batch = (role === 'gps' || role === 'ecu') && rng.chance(0.3) ? 5 : t.batch;
    return {
      ...rest,
      id: role,
      username: `${o.vehicle}-${role}`,
      password: rng.hex(12),
      format,
      batch,
      includeIds: rng.chance(o.firmware === 1 ? 0.8 : 0.5),
      signals: rest.signals.map((s) => ({ ...s })),
      faults: [],
    };
  });
}
