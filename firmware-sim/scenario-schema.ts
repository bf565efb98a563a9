/**
 * The scenario file format (YAML or JSON), as one TypeBox schema. A scenario names the trucks it affects and
 * a list of events in simulated time from the start of the run. Durations are seconds (a number) or strings
 * such as "90s", "20m", "1h30m".
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';
const SIGNED_DURATION_PATTERN = '^-?(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';

const duration = (dflt?: string) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: 'seconds, or a duration such as "90s", "20m", "1h30m"',
    ...(dflt === undefined ? {} : { default: dflt }),
  });
export const DurationSchema = duration();
const SignedDurationSchema = Type.Union([Type.Number(), Type.String({ pattern: SIGNED_DURATION_PATTERN })], {
  description: 'seconds, or a duration such as "-2h" or "35m"',
});

const Id = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' });

const sensorRole = (dflt?: string) =>
  Type.Union(
    [Type.Literal('gps'), Type.Literal('ecu'), Type.Literal('dm1'), Type.Literal('accel'), Type.Literal('reefer'), Type.Literal('door')],
    { description: 'one of gps, ecu, dm1, accel, reefer, door', ...(dflt === undefined ? {} : { default: dflt }) },
  );
export const SensorRoleSchema = sensorRole();

const RepeatSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 1000 }),
    every: DurationSchema,
  },
  { additionalProperties: false },
);

/** An event that lasts: starts `at`, ends `duration` later. */
const lasting = <T extends string, P extends Record<string, TSchema>>(type: T, durationDefault: string, props: P) =>
  Type.Object(
    { type: Type.Literal(type), at: DurationSchema, duration: duration(durationDefault), repeat: Type.Optional(RepeatSchema), ...props },
    { additionalProperties: false },
  );

/** A momentary event (a harsh manoeuvre): happens at `at`, or as soon as the truck can. */
const momentary = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), at: DurationSchema, repeat: Type.Optional(RepeatSchema), ...props }, { additionalProperties: false });

export const OverheatEventSchema = lasting('overheat', '10m', { peakC: Type.Number({ minimum: 100, maximum: 150, default: 112 }) });
export const ReeferFailureEventSchema = lasting('reefer-failure', '90m', {});
export const HarshBrakingEventSchema = momentary('harsh-braking', {
  peakMs2: Type.Number({ minimum: 4.5, maximum: 10, default: 5.5 }),
  lengthS: Type.Number({ minimum: 0.2, maximum: 5, default: 1.2 }),
});
export const HarshCorneringEventSchema = momentary('harsh-cornering', {
  peakMs2: Type.Number({ minimum: 5.6, maximum: 10, default: 6.5 }),
  lengthS: Type.Number({ minimum: 0.3, maximum: 5, default: 1.5 }),
});
export const DtcEventSchema = lasting('dtc', '20m', {
  spn: Type.Integer({ minimum: 0, maximum: 524287 }),
  fmi: Type.Integer({ minimum: 0, maximum: 31 }),
  lamp: Type.Union([Type.Literal('red'), Type.Literal('amber'), Type.Literal('mil'), Type.Literal('protect')], { default: 'amber' }),
});
export const ExcessiveIdleEventSchema = lasting('excessive-idle', '20m', {});
export const OverspeedEventSchema = lasting('overspeed', '10m', {
  speedKmh: Type.Number({ minimum: 91, maximum: 130, default: 98 }),
});
export const DeadZoneEventSchema = lasting('dead-zone', '30m', {});
export const PowerCutEventSchema = lasting('power-cut', '2m', {});
export const DepotWifiEventSchema = lasting('depot-wifi', '20m', {});
export const SensorFaultEventSchema = lasting('sensor-fault', '30m', {
  sensor: SensorRoleSchema,
  fault: Type.Union(
    [Type.Literal('stuck'), Type.Literal('nan'), Type.Literal('garbage'), Type.Literal('wrong-type'), Type.Literal('clock-skew')],
    { description: 'one of stuck, nan, garbage, wrong-type, clock-skew' },
  ),
  share: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1 }),
  skew: Type.Optional(SignedDurationSchema),
});
export const SensorFloodEventSchema = lasting('sensor-flood', '2m', {
  sensor: sensorRole('door'),
  rateHz: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 50 }),
});

/** Every event type, keyed by its `type`, to report errors against the right variant. */
export const EVENT_SCHEMAS: Readonly<Record<string, TObject>> = {
  overheat: OverheatEventSchema,
  'reefer-failure': ReeferFailureEventSchema,
  'harsh-braking': HarshBrakingEventSchema,
  'harsh-cornering': HarshCorneringEventSchema,
  dtc: DtcEventSchema,
  'excessive-idle': ExcessiveIdleEventSchema,
  overspeed: OverspeedEventSchema,
  'dead-zone': DeadZoneEventSchema,
  'power-cut': PowerCutEventSchema,
  'depot-wifi': DepotWifiEventSchema,
  'sensor-fault': SensorFaultEventSchema,
  'sensor-flood': SensorFloodEventSchema,
};

export const ScenarioEventSchema = Type.Union([
  OverheatEventSchema,
  ReeferFailureEventSchema,
  HarshBrakingEventSchema,
  HarshCorneringEventSchema,
  DtcEventSchema,
  ExcessiveIdleEventSchema,
  OverspeedEventSchema,
  DeadZoneEventSchema,
  PowerCutEventSchema,
  DepotWifiEventSchema,
  SensorFaultEventSchema,
  SensorFloodEventSchema,
]);

export const TruckSelectorSchema = Type.Union(
  [Type.Literal('all'), Type.Integer({ minimum: 1 }), Type.Array(Id, { minItems: 1 })],
  { default: 1, description: '"all", a number of trucks, or a list of vehicle ids' },
);

export const ScenarioSchema = Type.Object(
  {
    name: Id,
    description: Type.Optional(Type.String()),
    /** Other scenarios (library names) to run alongside, each choosing its own trucks. */
    include: Type.Array(Id, { default: [] }),
    trucks: TruckSelectorSchema,
    events: Type.Array(ScenarioEventSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioEvent = Static<typeof ScenarioEventSchema>;
export type TruckSelector = Static<typeof TruckSelectorSchema>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration field in milliseconds. */
export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d * 1000;
  const sign = d.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of d.replace(/^-/, '').matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return sign * total;
}
