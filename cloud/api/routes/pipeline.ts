/** The pipeline page: counts per layer, quality, throughput, background errors. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { Nullable } from '../schemas.ts';

const Counts = (fields: string[]) => Type.Object(Object.fromEntries(fields.map((f) => [f, Type.Number()])), { additionalProperties: false });

const PipelineSchema = Type.Object(
  {
    bronze: Counts(['batches', 'bytes', 'duplicateBatches', 'undecodable']),
    silver: Counts(['readings', 'positions', 'alerts', 'statuses', 'rollups', 'quarantined', 'watermark', 'pendingBatches']),
    gold: Counts(['vehicleDays', 'trips', 'stops', 'alerts', 'reeferDays', 'driverDays', 'dirtyPartitions']),
    quality: Type.Object(
      {
        valid: Type.Number(),
        quarantined: Type.Number(),
        duplicates: Type.Number(),
        validPct: Nullable(Type.Number()),
        byReason: Type.Record(Type.String(), Type.Number()),
      },
      { additionalProperties: false },
    ),
    exportPending: Type.Number(),
    sinceStart: Type.Object({ stored: Type.Number(), duplicates: Type.Number(), commits: Type.Number() }, { additionalProperties: false, description: 'Bronze counters since the service started' }),
    throughput: Nullable(
      Type.Object(
        { windowS: Type.Number(), batches: Type.Number(), events: Type.Number(), bytes: Type.Number(), silverEvents: Type.Number(), eventsPerS: Type.Number() },
        { additionalProperties: false, description: 'what the hub received in the last window (by hub receive time); null without a read connection' },
      ),
    ),
    error: Nullable(Type.String()),
    generatedAt: Type.Number(),
  },
  { additionalProperties: false },
);

const WINDOW_MS = 60_000;

export function pipelineRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/pipeline',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Counts per layer (Bronze batches, Silver events, quarantine by reason, Gold rows), data quality and throughput of the last minute',
        tags: ['pipeline'],
        response: { 200: PipelineSchema },
      },
    },
    async () => {
      const now = ctx.now();
      const [counts, tp] = await Promise.all([ctx.read.queries.counts(), ctx.read.throughput(now, WINDOW_MS)]);
      const err = ctx.pipeline.error;
      return {
        ...counts,
        sinceStart: { ...ctx.pipeline.bronzeStats },
        throughput: tp ? { ...tp, eventsPerS: tp.events / tp.windowS } : null,
        error: err === null || err === undefined ? null : err instanceof Error ? err.message : String(err),
        generatedAt: now,
      };
    },
  );
}
