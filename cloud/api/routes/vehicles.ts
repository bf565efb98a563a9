/** Fleet and vehicle reads: sync status, detail with twin and alerts, and the time series behind the vehicle page. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import { POSITION_FIELDS } from '../read-model.ts';
import {
  IdParams,
  Nullable,
  RowSchema,
  SeriesPointSchema,
  SignalName,
  SyncStatusSchema,
  Time,
  TimeRangeQuery,
  TwinSchema,
  VehicleSummarySchema,
} from '../schemas.ts';
import { syncPeriods } from '../sync-timeline.ts';
import { timeRange } from '../time-params.ts';

const DAY = 86_400_000;
const MAX_SPAN = 31 * DAY;
const viewer = { role: 'viewer' } as const;
const tags = ['vehicles'];

const ListQuery = Type.Object({ status: Type.Optional(SyncStatusSchema) }, { additionalProperties: false });
const SeriesQuery = Type.Object(
  {
    signal: SignalName,
    source: Type.Optional(Type.Union([Type.Literal('readings'), Type.Literal('positions')], { default: 'readings' })),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 5000, default: 500 })),
  },
  { additionalProperties: false },
);
const PositionsQuery = Type.Object(
  { from: Type.Optional(Time), to: Type.Optional(Time), maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 20_000, default: 5000 })) },
  { additionalProperties: false },
);
const TimelineQuery = Type.Object(
  { from: Type.Optional(Time), to: Type.Optional(Time), maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 5000, default: 500 })) },
  { additionalProperties: false },
);

type Id = { Params: Static<typeof IdParams> };

export function vehicleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/vehicles',
    {
      config: viewer,
      schema: {
        summary: 'Every vehicle with its sync status',
        description:
          'Status: online when the hub reports the gateway connected or it was seen less than the online window ago (120 s by default); offline otherwise; unknown when never seen. Backlog figures come from the twin reported properties (sync), gaps, duplicates, quarantine and evictions from Gold sync health.',
        tags,
        querystring: ListQuery,
        response: { 200: Type.Object({ onlineWindowS: Type.Number(), vehicles: Type.Array(VehicleSummarySchema) }, { additionalProperties: false }) },
      },
    },
    async (req) => {
      const all = await ctx.fleet.list();
      return { onlineWindowS: ctx.settings.onlineWindowS, vehicles: req.query.status ? all.filter((v) => v.status === req.query.status) : all };
    },
  );

  app.get<Id>(
    '/api/v1/vehicles/:id',
    {
      config: viewer,
      schema: {
        summary: 'One vehicle: sync status, twin, recent alerts, active health issues, last days',
        tags,
        params: IdParams,
        response: {
          200: Type.Object(
            {
              vehicle: VehicleSummarySchema,
              twin: Nullable(TwinSchema),
              recentAlerts: Type.Array(RowSchema),
              health: Type.Array(RowSchema),
              daily: Type.Array(RowSchema),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      const id = req.params.id;
      const found = await ctx.fleet.get(id);
      if (!found) throw notFound('vehicle', id);
      const since = new Date(ctx.now() - 7 * DAY).toISOString().slice(0, 10);
      const [recentAlerts, health, daily] = await Promise.all([
        ctx.read.alerts({ vehicle: id, limit: 20 }),
        ctx.read.queries.vehicleHealth(id),
        ctx.read.queries.daily({ vehicle: id, from: since, limit: 31 }),
      ]);
      const twin = found.twin ? { deviceId: found.twin.deviceId, desired: found.twin.desired, reported: found.twin.reported } : null;
      return { vehicle: found.summary, twin, recentAlerts, health, daily };
    },
  );

  /** Unknown vehicles get a 404 before any series query runs. */
  const known = async (id: string): Promise<void> => {
    if ((await ctx.fleet.deviceOf(id)) === undefined) throw notFound('vehicle', id);
  };

  app.get<Id & { Querystring: Static<typeof TimeRangeQuery> }>(
    '/api/v1/vehicles/:id/signals',
    {
      config: viewer,
      schema: {
        summary: 'Reading signals with numeric or boolean values in a time range (default: the last 24 h)',
        tags,
        params: IdParams,
        querystring: TimeRangeQuery,
        response: {
          200: Type.Object(
            { fromMs: Type.Number(), toMs: Type.Number(), signals: Type.Array(Type.Object({ signal: Type.String(), unit: Type.String(), n: Type.Number() })) },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const r = timeRange(req.query, ctx.now(), DAY, MAX_SPAN);
      return { ...r, signals: await ctx.read.signals({ vehicle: req.params.id, ...r }) };
    },
  );

  app.get<Id & { Querystring: Static<typeof SeriesQuery> }>(
    '/api/v1/vehicles/:id/series',
    {
      config: viewer,
      schema: {
        summary: 'A signal over time, in buckets (avg, min, max, count)',
        description:
          "source=readings (default): a reading signal from Silver (booleans as 0/1). source=positions: a GPS field (signal = speed_kmh, altitude_m, heading, hdop or satellites). Range defaults to the last 24 h, at most 31 days. rollups: for source=readings, the signal's rollups in the same buckets (by window start): readings the gateway folded when its journal ran short of room, which the cloud never received one by one; avg is weighted by count and n counts the readings they stand for. Empty for source=positions.",
        tags,
        params: IdParams,
        querystring: SeriesQuery,
        response: {
          200: Type.Object(
            {
              signal: Type.String(),
              source: Type.String(),
              unit: Nullable(Type.String()),
              fromMs: Type.Number(),
              toMs: Type.Number(),
              bucketMs: Type.Number(),
              points: Type.Array(SeriesPointSchema),
              rollups: Type.Array(SeriesPointSchema, { description: 'rollups of the signal in the same buckets; not part of points' }),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const q = req.query;
      const r = timeRange(q, ctx.now(), DAY, MAX_SPAN);
      const maxPoints = q.maxPoints ?? 500;
      if (q.source === 'positions') {
        const field = POSITION_FIELDS.find((f) => f === q.signal);
        if (field === undefined) throw new ApiError(400, `query parameter 'signal' must be one of ${POSITION_FIELDS.join(', ')} when source=positions`);
        const s = await ctx.read.positionSeries({ vehicle: req.params.id, ...r, field, maxPoints });
        return { signal: field, source: 'positions', unit: field === 'speed_kmh' ? 'km/h' : field === 'altitude_m' ? 'm' : null, ...r, ...s, rollups: [] };
      }
      const s = await ctx.read.readingSeries({ vehicle: req.params.id, ...r, signal: q.signal, maxPoints });
      const rollups = await ctx.read.rollupSeries({ vehicle: req.params.id, ...r, signal: q.signal, bucketMs: s.bucketMs });
      return { signal: q.signal, source: 'readings', ...r, ...s, unit: s.unit ?? rollups.unit, rollups: rollups.points };
    },
  );

  app.get<Id & { Querystring: Static<typeof PositionsQuery> }>(
    '/api/v1/vehicles/:id/positions',
    {
      config: viewer,
      schema: {
        summary: 'GPS positions in time order (default: the last 24 h), thinned evenly to maxPoints; with the Gold trips of the range',
        tags,
        params: IdParams,
        querystring: PositionsQuery,
        response: {
          200: Type.Object(
            {
              fromMs: Type.Number(),
              toMs: Type.Number(),
              total: Type.Number(),
              points: Type.Array(Type.Object({ t: Type.Number(), lat: Type.Number(), lon: Type.Number(), speedKmh: Nullable(Type.Number()) })),
              trips: Type.Array(RowSchema),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const r = timeRange(req.query, ctx.now(), DAY, MAX_SPAN);
      const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
      const [pos, trips] = await Promise.all([
        ctx.read.positions({ vehicle: req.params.id, ...r, maxPoints: req.query.maxPoints ?? 5000 }),
        ctx.read.queries.trips({ vehicle: req.params.id, from: day(r.fromMs), to: day(r.toMs - 1), limit: 1000 }),
      ]);
      return { ...r, ...pos, trips: trips.filter((t) => Number(t.endMs) >= r.fromMs && Number(t.startMs) < r.toMs) };
    },
  );

  app.get<Id & { Querystring: Static<typeof TimelineQuery> }>(
    '/api/v1/vehicles/:id/sync-timeline',
    {
      config: viewer,
      schema: {
        summary: "Sync over time: the gateway's status events (connectivity, backlog), offline periods and ingest lag",
        description:
          'status: the gateway status events (journaled on the truck and shipped late when it was offline). periods: offline / connecting / paused stretches and silent gaps without status events. lag: ingest lag (hub receive time minus event time) of readings and positions, bucketed by receive time: after an offline period it shows the backlog draining.',
        tags,
        params: IdParams,
        querystring: TimelineQuery,
        response: {
          200: Type.Object(
            {
              fromMs: Type.Number(),
              toMs: Type.Number(),
              status: Type.Array(RowSchema),
              periods: Type.Array(Type.Object({ kind: Type.String(), fromMs: Type.Number(), toMs: Type.Number() })),
              lag: Type.Object({ bucketMs: Type.Number(), points: Type.Array(SeriesPointSchema) }),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const r = timeRange(req.query, ctx.now(), DAY, MAX_SPAN);
      const maxPoints = req.query.maxPoints ?? 500;
      const [status, lag] = await Promise.all([
        ctx.read.statusHistory({ vehicle: req.params.id, ...r, max: 5000 }),
        ctx.read.lagSeries({ vehicle: req.params.id, ...r, maxPoints }),
      ]);
      const periods = syncPeriods(status.map((s) => ({ t: Number(s.t), connectivity: String(s.connectivity) })));
      return { ...r, status, periods, lag };
    },
  );
}
