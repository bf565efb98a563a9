/**
 * One TypeBox schema per contract version, describing exactly the types in ./types.ts (checked at compile time below).
 *
 * Policy on unknown fields: TOLERATED and KEPT. Objects do not set `additionalProperties: false`, so a sensor or
 * gateway running newer firmware can add fields (additive schema evolution) without its data being rejected by an older
 * gateway or cloud; Bronze keeps them as received. Unknown fields are not inspected here; the sensor payload decoder
 * bounds their size and nesting (shared/sensor-protocol/decode.ts).
 *
 * Every leaf schema carries a `description` that the validator uses as the human-readable rule in its errors.
 */
import { Type, type Static } from '@sinclair/typebox';
import type {
  AlertV1,
  AlertV2,
  GatewayStatusV1,
  GatewayStatusV2,
  LaneStatus,
  PositionV1,
  PositionV2,
  ReadingV1,
  ReadingV2,
  RollupV2,
} from './types.ts';

/** Identifiers (vehicle, sensor, gateway, alert, rule, signal, boot): 1..64 of [A-Za-z0-9._:-]. */
export const ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
/** 2000-01-01T00:00:00Z: anything earlier is an unset RTC or a seconds-for-milliseconds mix-up. */
export const MIN_EPOCH_MS = 946_684_800_000;
/** 2100-01-01T00:00:00Z (exclusive): catches microseconds or nanoseconds sent as milliseconds. */
export const MAX_EPOCH_MS = 4_102_444_800_000;
export const MAX_VALUE_STRING = 256;
export const MAX_UNIT = 32;
export const MAX_MESSAGE = 1024;
export const MAX_VERSION = 64;
/** J1939 SPNs are 19 bits. */
export const MAX_SPN = 524_287;

const Id = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: ID_PATTERN,
  description: 'an id of 1..64 characters from [A-Za-z0-9._:-]',
});
const Epoch = Type.Integer({
  minimum: MIN_EPOCH_MS,
  exclusiveMaximum: MAX_EPOCH_MS,
  description: 'an integer epoch-milliseconds time from 2000-01-01 up to 2100-01-01',
});
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'a non-negative integer' });
const Lat = Type.Number({ minimum: -90, maximum: 90, description: 'a finite latitude in [-90, 90]' });
const Lon = Type.Number({ minimum: -180, maximum: 180, description: 'a finite longitude in [-180, 180]' });
const NumberOrNull = Type.Union([Type.Number(), Type.Null()], { description: 'a finite number or null' });

export const ReadingValueSchema = Type.Union(
  [Type.Number(), Type.Boolean(), Type.String({ maxLength: MAX_VALUE_STRING })],
  { description: `a finite number, a boolean or a string of at most ${MAX_VALUE_STRING} characters` },
);
export const QualitySchema = Type.Union([Type.Literal('good'), Type.Literal('suspect'), Type.Literal('bad')], {
  description: "one of 'good', 'suspect', 'bad'",
});
// Empty is allowed: booleans, enumerations and counts have no unit.
const Unit = Type.String({ maxLength: MAX_UNIT, description: `a unit string of at most ${MAX_UNIT} characters` });

const Spn = Type.Optional(
  Type.Integer({ minimum: 0, maximum: MAX_SPN, description: `a J1939 SPN, an integer in [0, ${MAX_SPN}]` }),
);

const readingCommon = {
  vehicle: Id,
  sensor: Id,
  signal: Id,
  value: ReadingValueSchema,
  unit: Unit,
};
const readingV2Props = {
  ...readingCommon,
  sensorTime: Epoch,
  quality: QualitySchema,
  spn: Spn,
};

const positionCommon = {
  vehicle: Id,
  sensor: Id,
  lat: Lat,
  lon: Lon,
  speedKmh: Type.Optional(Type.Number({ minimum: 0, maximum: 500, description: 'a finite speed in [0, 500] km/h' })),
  heading: Type.Optional(
    Type.Number({ minimum: 0, maximum: 360, description: 'a finite heading in [0, 360] degrees' }),
  ),
};
const positionV2Props = {
  ...positionCommon,
  sensorTime: Epoch,
  altitude: Type.Optional(
    Type.Number({ minimum: -1000, maximum: 20000, description: 'a finite altitude in [-1000, 20000] m' }),
  ),
  hdop: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'a finite HDOP in [0, 100]' })),
  satellites: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'an integer in [0, 255]' })),
};

export const GeoPointSchema = Type.Object({ lat: Lat, lon: Lon }, { description: 'an object { lat, lon }' });
export const AlertStateSchema = Type.Union(
  [Type.Literal('raised'), Type.Literal('updated'), Type.Literal('cleared'), Type.Literal('summary')],
  { description: "one of 'raised', 'updated', 'cleared', 'summary'" },
);
export const SeveritySchema = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
  description: "one of 'info', 'warning', 'critical'",
});
const alertCommon = {
  id: Id,
  vehicle: Id,
  ruleId: Id,
  state: AlertStateSchema,
  severity: SeveritySchema,
  value: NumberOrNull,
  threshold: NumberOrNull,
  message: Type.String({
    minLength: 1,
    maxLength: MAX_MESSAGE,
    description: `a non-empty string of at most ${MAX_MESSAGE} characters`,
  }),
  position: Type.Optional(GeoPointSchema),
  signal: Type.Optional(Id),
  sensor: Type.Optional(Id),
};
const alertV2Props = {
  ...alertCommon,
  sensorTime: Epoch,
  raisedAt: Epoch,
  peak: NumberOrNull,
  suppressed: Type.Optional(Count),
};

export const ConnectivitySchema = Type.Union(
  [Type.Literal('online'), Type.Literal('offline'), Type.Literal('connecting'), Type.Literal('paused')],
  { description: "one of 'online', 'offline', 'connecting', 'paused'" },
);
export const LaneStatusSchema = Type.Object(
  {
    backlogEvents: Count,
    backlogBytes: Count,
    oldestUnsentMs: Type.Union([Epoch, Type.Null()], { description: 'an epoch-milliseconds time or null' }),
    // No ack yet is 0 (with lastAckAt null): sequence numbers start at 1.
    lastAckedSeq: Count,
    lastAckAt: Type.Union([Epoch, Type.Null()], { description: 'an epoch-milliseconds time or null' }),
    evicted: Count,
    downsampled: Type.Optional(Count),
  },
  { description: 'a lane status object' },
);
export const LanesSchema = Type.Object(
  {
    alerts: Type.Optional(LaneStatusSchema),
    telemetry: Type.Optional(LaneStatusSchema),
    status: Type.Optional(LaneStatusSchema),
    rejects: Type.Optional(LaneStatusSchema),
  },
  { description: 'an object keyed by lane name' },
);
const statusCommon = {
  gateway: Id,
  vehicle: Id,
  bootId: Id,
  connectivity: ConnectivitySchema,
  version: Type.String({
    minLength: 1,
    maxLength: MAX_VERSION,
    description: `a non-empty string of at most ${MAX_VERSION} characters`,
  }),
};
const statusV2Props = {
  ...statusCommon,
  sensorTime: Epoch,
  uptimeS: Type.Number({ minimum: 0, description: 'a finite non-negative number of seconds' }),
  lanes: LanesSchema,
  rejects: Count,
  diskBytes: Count,
};

const object = { description: 'an object' };
const V1 = Type.Literal(1, { description: '1' });
const V2 = Type.Literal(2, { description: '2' });

export const ReadingV1Schema = Type.Object({ v: V1, ...readingCommon, ts: Epoch }, object);
export const ReadingV2Schema = Type.Object({ v: V2, ...readingV2Props }, object);
export const PositionV1Schema = Type.Object({ v: V1, ...positionCommon, ts: Epoch }, object);
export const PositionV2Schema = Type.Object({ v: V2, ...positionV2Props }, object);
export const AlertV1Schema = Type.Object({ v: V1, ...alertCommon, ts: Epoch }, object);
export const AlertV2Schema = Type.Object({ v: V2, ...alertV2Props }, object);
export const GatewayStatusV1Schema = Type.Object({ v: V1, ...statusCommon, ts: Epoch }, object);
export const GatewayStatusV2Schema = Type.Object({ v: V2, ...statusV2Props }, object);

/** Rollups were born in the v2 generation: there is no v1. */
export const RollupV2Schema = Type.Object(
  {
    v: V2,
    vehicle: Id,
    sensor: Id,
    signal: Id,
    unit: Unit,
    sensorTime: Epoch,
    windowMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, description: 'an integer window of 1 s to 1 day in ms' }),
    count: Count,
    min: NumberOrNull,
    max: NumberOrNull,
    mean: NumberOrNull,
    first: Epoch,
    last: Epoch,
    bad: Count,
    spn: Spn,
  },
  object,
);

/**
 * The v1 schemas as found on the wire: old firmware never sent `v`, so it is optional there.
 * The validator checks against these and then sets `v: 1`.
 */
const V1Wire = Type.Optional(V1);
export const ReadingV1WireSchema = Type.Object({ v: V1Wire, ...readingCommon, ts: Epoch }, object);
export const PositionV1WireSchema = Type.Object({ v: V1Wire, ...positionCommon, ts: Epoch }, object);
export const AlertV1WireSchema = Type.Object({ v: V1Wire, ...alertCommon, ts: Epoch }, object);
export const GatewayStatusV1WireSchema = Type.Object({ v: V1Wire, ...statusCommon, ts: Epoch }, object);

// Compile-time drift check: each schema's static type must be identical to the hand-written contract type.
type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type SchemaDriftCheck = [
  Expect<Equal<Static<typeof ReadingV1Schema>, ReadingV1>>,
  Expect<Equal<Static<typeof ReadingV2Schema>, ReadingV2>>,
  Expect<Equal<Static<typeof PositionV1Schema>, PositionV1>>,
  Expect<Equal<Static<typeof PositionV2Schema>, PositionV2>>,
  Expect<Equal<Static<typeof AlertV1Schema>, AlertV1>>,
  Expect<Equal<Static<typeof AlertV2Schema>, AlertV2>>,
  Expect<Equal<Static<typeof GatewayStatusV1Schema>, GatewayStatusV1>>,
  Expect<Equal<Static<typeof GatewayStatusV2Schema>, GatewayStatusV2>>,
  Expect<Equal<Static<typeof LaneStatusSchema>, LaneStatus>>,
  Expect<Equal<Static<typeof RollupV2Schema>, RollupV2>>,
];
