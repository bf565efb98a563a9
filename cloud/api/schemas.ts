/**
 * Request and response schemas of the API (TypeBox, so JSON Schema): fastify validates requests and serializes
 * responses with them, and the OpenAPI document is built from the same objects. Every string a client sends has a
 * pattern or a length limit, and every object is closed, so odd input stops at validation with a 400.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { LANES } from '../../shared/contracts/types.ts';
import { ROLES } from '../auth/roles.ts';
import { POSITION_FIELDS } from './read-model.ts';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const closed = { additionalProperties: false } as const;
const Lit = <const T extends readonly string[]>(xs: T): TUnion<TLiteral<T[number]>[]> => Type.Union(xs.map((x) => Type.Literal(x)));

/** Vehicle and device ids: the contract's id characters plus what the hub registry allows. */
export const VehicleId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@!(),-]+$', description: 'vehicle id (or gateway device id while its vehicle is unknown)' });
export const DeviceId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@!(),-]*$' });
export const SignalName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });
export const Day = Type.String({ maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a UTC day, YYYY-MM-DD' });
export const Time = Type.String({
  maxLength: 40,
  pattern: '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?)$',
  description: 'epoch milliseconds, a day (YYYY-MM-DD, UTC midnight) or an ISO 8601 date-time',
});
export const Severity = Lit(['info', 'warning', 'critical'] as const);
export const AlertStateFilter = Lit(['raised', 'updated', 'cleared', 'summary', 'active'] as const);
export const RoleSchema = Lit(ROLES);
export const SyncStatusSchema = Lit(['online', 'offline', 'unknown'] as const);
export const MethodName = Lit(['getStatus', 'flush', 'pauseUplink', 'resumeUplink'] as const);
export type MethodName = Static<typeof MethodName>;

/** A result row of a Gold or Silver query: camelCase columns, times in epoch ms, days as YYYY-MM-DD. */
export const RowSchema = Type.Object({}, { additionalProperties: true, description: 'one row; columns as in docs/medallion.md, in camelCase' });
export const Rows = Type.Object({ rows: Type.Array(RowSchema) }, closed);

export const ErrorSchema = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String(), details: Type.Optional(Type.Array(Type.String())) },
  closed,
);

export const IdParams = Type.Object({ id: VehicleId }, closed);

export const DayRangeQuery = Type.Object(
  {
    vehicle: Type.Optional(VehicleId),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  closed,
);
export type DayRangeQuery = Static<typeof DayRangeQuery>;

export const TimeRangeQuery = Type.Object(
  {
    from: Type.Optional(Time),
    to: Type.Optional(Time),
  },
  closed,
);

const LaneSyncSchema = Type.Object(
  {
    backlogEvents: Nullable(Type.Number()),
    backlogBytes: Nullable(Type.Number()),
    oldestUnsentMs: Nullable(Type.Number()),
    lastAckedSeq: Nullable(Type.Number()),
    lastAckAt: Nullable(Type.Number()),
    evicted: Nullable(Type.Number()),
    downsampled: Nullable(Type.Number({ description: 'of evicted, folded into rollups or thinned rather than lost' })),
  },
  closed,
);

export const BacklogSchema = Type.Object(
  {
    lanes: Type.Object(Object.fromEntries(LANES.map((l) => [l, Type.Optional(LaneSyncSchema)])), closed),
    backlogEvents: Nullable(Type.Number()),
    backlogBytes: Nullable(Type.Number()),
    oldestUnsentMs: Nullable(Type.Number()),
    oldestUnsentAgeMs: Nullable(Type.Number()),
    rejects: Nullable(Type.Number()),
    diskBytes: Nullable(Type.Number()),
    connectivity: Nullable(Type.String()),
    bootId: Nullable(Type.String()),
    version: Nullable(Type.String()),
    updatedAt: Nullable(Type.Number()),
  },
  { ...closed, description: "the gateway's own sync report (twin reported.sync); null fields were not reported" },
);

export const VehicleSummarySchema = Type.Object(
  {
    id: Type.String(),
    deviceId: Nullable(Type.String()),
    status: SyncStatusSchema,
    connected: Nullable(Type.Boolean()),
    lastSeenMs: Nullable(Type.Number()),
    lastEventMs: Nullable(Type.Number()),
    lastIngestMs: Nullable(Type.Number()),
    ingestLagMs: Nullable(Type.Number()),
    maxIngestLagMs: Nullable(Type.Number()),
    openGaps: Type.Number(),
    openGapEvents: Type.Number(),
    closedGaps: Type.Number(),
    duplicateEvents: Type.Number(),
    duplicateBatches: Type.Number(),
    validEvents: Type.Number(),
    quarantined: Type.Number(),
    evicted: Type.Number({ description: 'telemetry the gateway evicted under its disk cap (Gold sync health)' }),
    downsampled: Type.Number({ description: 'of evicted, folded into rollups or thinned positions rather than lost; 0 from gateways that do not report it' }),
    activeAlerts: Type.Number(),
    backlog: Nullable(BacklogSchema),
  },
  closed,
);

export const TwinSchema = Type.Object(
  {
    deviceId: Type.String(),
    desired: Type.Object({}, { additionalProperties: true }),
    reported: Type.Object({}, { additionalProperties: true }),
  },
  closed,
);

export const LiveAlertSchema = Type.Object(
  {
    id: Type.String({ description: 'event id (also the SSE id): position in ingest order' }),
    alertId: Type.String(),
    vehicle: Type.String(),
    ruleId: Type.String(),
    state: Type.String(),
    severity: Type.String(),
    message: Type.String(),
    value: Nullable(Type.Number()),
    threshold: Nullable(Type.Number()),
    peak: Nullable(Type.Number()),
    raisedMs: Type.Number(),
    eventMs: Type.Number(),
    ingestMs: Type.Number(),
    signal: Nullable(Type.String()),
    sensor: Nullable(Type.String()),
    lat: Nullable(Type.Number()),
    lon: Nullable(Type.Number()),
  },
  closed,
);

export const SeriesPointSchema = Type.Object({ t: Type.Number(), avg: Type.Number(), min: Type.Number(), max: Type.Number(), n: Type.Number() }, closed);

export const PositionFieldSchema = Lit(POSITION_FIELDS);

export const TokenInfoSchema = Type.Object(
  { id: Type.String(), role: RoleSchema, label: Nullable(Type.String()), createdAt: Type.Number(), revokedAt: Nullable(Type.Number()) },
  closed,
);
