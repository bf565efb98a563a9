/**
 * The one schema for alert rule sets (YAML/JSON files and twin desired properties).
 * Fields with a `default` are filled in by validation, so the static types below are the defaulted shapes.
 * docs/alert-rules.md documents every field; keep the two in step.
 */
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Signal = Type.String({ minLength: 1, maxLength: 128 });
const Seconds = (dflt: number) => Type.Number({ minimum: 0, default: dflt });

export const SeveritySchema = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);

export const ComparatorSchema = Type.Union([
  Type.Literal('>'),
  Type.Literal('>='),
  Type.Literal('<'),
  Type.Literal('<='),
  Type.Literal('=='),
  Type.Literal('!='),
]);

/**
 * A condition is exactly one of: a comparison `{signal, op, value}`, `{all: [...]}`, `{any: [...]}`, `{not: ...}`,
 * `{rule: id}` (that rule has an active alert) or `{inside: geofenceId}`. One object with optional keys (checked for
 * "exactly one form" after the schema) keeps error paths precise, where a recursive union would only say "no match".
 */
export const ConditionSchema = Type.Recursive(
  (This) =>
    Type.Object(
      {
        signal: Type.Optional(Signal),
        op: Type.Optional(ComparatorSchema),
        value: Type.Optional(Type.Union([Type.Number(), Type.Boolean(), Type.String()])),
        all: Type.Optional(Type.Array(This, { minItems: 1 })),
        any: Type.Optional(Type.Array(This, { minItems: 1 })),
        not: Type.Optional(This),
        rule: Type.Optional(Id),
        inside: Type.Optional(Id),
      },
      { additionalProperties: false },
    ),
  { $id: 'AlertCondition' },
);

interface CommonDefaults {
  severity?: 'info' | 'warning' | 'critical';
  forS?: number;
  cooldownS?: number;
}

/** Fields every rule has; each rule type may pick its own defaults for them. */
const common = (d: CommonDefaults = {}) => ({
  id: Id,
  description: Type.Optional(Type.String()),
  /** Replaces the rule id as the title of alert messages. */
  message: Type.Optional(Type.String({ minLength: 1 })),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
    default: d.severity ?? 'warning',
  }),
  enabled: Type.Boolean({ default: true }),
  /** Gate: when false the rule's condition counts as cleared; when unknown the rule holds its state. */
  when: Type.Optional(ConditionSchema),
  /** The condition must hold this long before the alert is raised. */
  forS: Seconds(d.forS ?? 0),
  /** The clear condition must hold this long before the alert clears. */
  clearForS: Seconds(0),
  /** No new raise of the same rule (and instance) within this time after a clear. */
  cooldownS: Seconds(d.cooldownS ?? 60),
  /** At most one "updated" (new peak) message per alert within this time. */
  updateEveryS: Seconds(60),
  /** Signal values older than this count as missing (defaults to the engine's maxValueAgeMs). */
  maxAgeS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  rateLimit: Type.Object(
    {
      maxRaises: Type.Integer({ minimum: 1, default: 10 }),
      windowS: Type.Number({ exclusiveMinimum: 0, default: 3600 }),
    },
    { additionalProperties: false, default: {} },
  ),
});

const Direction = Type.Union([Type.Literal('above'), Type.Literal('below')], { default: 'above' });

export const ThresholdRuleSchema = Type.Object(
  {
    ...common(),
    type: Type.Literal('threshold'),
    signal: Signal,
    direction: Direction,
    threshold: Type.Number(),
    /** Hysteresis: the level the value must pass to clear; defaults to `threshold`. */
    clear: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const RangeRuleSchema = Type.Object(
  {
    ...common({ forS: 600 }),
    type: Type.Literal('range'),
    signals: Type.Array(Signal, { minItems: 1 }),
    /** Fixed setpoint; without it the setpoint comes from `setpointSignal`. */
    setpoint: Type.Optional(Type.Number()),
    setpointSignal: Type.String({ minLength: 1, default: 'reefer_setpoint' }),
    tolerance: Type.Number({ exclusiveMinimum: 0 }),
    clearTolerance: Type.Optional(Type.Number({ minimum: 0 })),
    suspendSignal: Type.Optional(Signal),
    suspendAfterS: Seconds(900),
  },
  { additionalProperties: false },
);

export const RateRuleSchema = Type.Object(
  {
    ...common(),
    type: Type.Literal('rate'),
    signal: Signal,
    direction: Type.Union([Type.Literal('drop'), Type.Literal('rise')], { default: 'drop' }),
    delta: Type.Number({ exclusiveMinimum: 0 }),
    clearDelta: Type.Optional(Type.Number({ minimum: 0 })),
    windowS: Type.Number({ exclusiveMinimum: 0, default: 600 }),
  },
  { additionalProperties: false },
);

export const HarshRuleSchema = Type.Object(
  {
    ...common({ forS: 0.1, cooldownS: 10 }),
    type: Type.Literal('harsh'),
    kind: Type.Union([Type.Literal('accel'), Type.Literal('brake'), Type.Literal('corner')]),
    /** Defaults to accel_x for accel and brake, accel_y for corner. */
    signal: Type.Optional(Signal),
    unit: Type.Union([Type.Literal('m/s2'), Type.Literal('g')], { default: 'm/s2' }),
    threshold: Type.Number({ exclusiveMinimum: 0 }),
    clear: Type.Optional(Type.Number({ minimum: 0 })),
    maxAgeS: Type.Number({ exclusiveMinimum: 0, default: 2 }),
  },
  { additionalProperties: false },
);

export const OverspeedRuleSchema = Type.Object(
  {
    ...common({ forS: 10 }),
    type: Type.Literal('overspeed'),
    speedSignal: Type.String({ minLength: 1, default: 'wheel_speed' }),
    limitKmh: Type.Number({ exclusiveMinimum: 0 }),
    hysteresisKmh: Type.Number({ minimum: 0, default: 2 }),
    /** Inside these geofences the lowest matching limit applies. */
    zones: Type.Array(
      Type.Object({ geofence: Id, limitKmh: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
      { default: [] },
    ),
  },
  { additionalProperties: false },
);

export const GeofenceRuleSchema = Type.Object(
  {
    ...common({ severity: 'info' }),
    type: Type.Literal('geofence'),
    geofence: Id,
    event: Type.Union([Type.Literal('enter'), Type.Literal('exit')]),
  },
  { additionalProperties: false },
);

export const SilenceRuleSchema = Type.Object(
  {
    ...common(),
    type: Type.Literal('silence'),
    /** Exactly one of sensor (any message from it) or signal (any reading of it; "position" for positions). */
    sensor: Type.Optional(Type.String({ minLength: 1 })),
    signal: Type.Optional(Signal),
    afterS: Type.Number({ exclusiveMinimum: 0, default: 600 }),
  },
  { additionalProperties: false },
);

const Lamp = Type.Union([Type.Literal('red'), Type.Literal('amber'), Type.Literal('mil'), Type.Literal('protect')]);

export const DtcRuleSchema = Type.Object(
  {
    ...common(),
    type: Type.Literal('dtc'),
    signal: Type.String({ minLength: 1, default: 'dm1' }),
    lamps: Type.Array(Lamp, { minItems: 1, default: ['amber', 'red'] }),
    /** Only these SPNs (default: any). */
    spns: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 524287 }))),
    severityByLamp: Type.Object(
      {
        red: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
          default: 'critical',
        }),
        amber: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
          default: 'warning',
        }),
        mil: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
          default: 'warning',
        }),
        protect: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
          default: 'warning',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export const IdleRuleSchema = Type.Object(
  {
    ...common({ forS: 600 }),
    type: Type.Literal('idle'),
    rpmSignal: Type.String({ minLength: 1, default: 'engine_speed' }),
    rpmAbove: Type.Number({ minimum: 0, default: 400 }),
    speedSignal: Type.String({ minLength: 1, default: 'wheel_speed' }),
    maxSpeedKmh: Type.Number({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

export const CompositeRuleSchema = Type.Object(
  {
    ...common(),
    type: Type.Literal('composite'),
    condition: ConditionSchema,
    /** Hysteresis: clears only when this holds (default: when `condition` is false). */
    clearCondition: Type.Optional(ConditionSchema),
    /** Reported as the alert's value. */
    valueSignal: Type.Optional(Signal),
  },
  { additionalProperties: false },
);

export const RuleSchema = Type.Union([
  ThresholdRuleSchema,
  RangeRuleSchema,
  RateRuleSchema,
  HarshRuleSchema,
  OverspeedRuleSchema,
  GeofenceRuleSchema,
  SilenceRuleSchema,
  DtcRuleSchema,
  IdleRuleSchema,
  CompositeRuleSchema,
]);

const LatLon = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

export const GeofenceSchema = Type.Union([
  Type.Object(
    { id: Id, type: Type.Literal('circle'), center: LatLon, radiusM: Type.Number({ exclusiveMinimum: 0 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { id: Id, type: Type.Literal('polygon'), points: Type.Array(LatLon, { minItems: 3 }) },
    { additionalProperties: false },
  ),
]);

export const RuleSetSchema = Type.Object(
  {
    /** The rule set's own version, reported back so operators see which set is in force. */
    version: Type.Integer({ minimum: 1 }),
    description: Type.Optional(Type.String()),
    geofences: Type.Array(GeofenceSchema, { default: [] }),
    rules: Type.Array(RuleSchema),
  },
  { additionalProperties: false },
);

export type Condition = Static<typeof ConditionSchema>;
export type Comparator = Static<typeof ComparatorSchema>;
export type ThresholdRule = Static<typeof ThresholdRuleSchema>;
export type RangeRule = Static<typeof RangeRuleSchema>;
export type RateRule = Static<typeof RateRuleSchema>;
export type HarshRule = Static<typeof HarshRuleSchema>;
export type OverspeedRule = Static<typeof OverspeedRuleSchema>;
export type GeofenceRule = Static<typeof GeofenceRuleSchema>;
export type SilenceRule = Static<typeof SilenceRuleSchema>;
export type DtcRule = Static<typeof DtcRuleSchema>;
export type IdleRule = Static<typeof IdleRuleSchema>;
export type CompositeRule = Static<typeof CompositeRuleSchema>;
export type Rule = Static<typeof RuleSchema>;
export type RuleType = Rule['type'];
export type Geofence = Static<typeof GeofenceSchema>;
export type RuleSet = Static<typeof RuleSetSchema>;
