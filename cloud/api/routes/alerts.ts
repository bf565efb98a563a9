/** Alerts: filtered list (Gold, lifecycle merged) and the live stream of alert messages (server-sent events). */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { LiveAlert } from '../read-model.ts';
import type { ApiContext } from '../context.ts';
import { AlertStateFilter, RowSchema, Severity, Time, VehicleId } from '../schemas.ts';
import { parseTime } from '../time-params.ts';
import { ApiError } from '../errors.ts';
import { SECURITY_HEADERS } from '../security-headers.ts';

const tags = ['alerts'];

const AlertsQuery = Type.Object(
  {
    vehicle: Type.Optional(VehicleId),
    severity: Type.Optional(Severity),
    state: Type.Optional(AlertStateFilter),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const StreamQuery = Type.Object(
  {
    ticket: Type.Optional(Type.String({ maxLength: 64, pattern: '^fsk_[A-Za-z0-9_-]+$', description: 'stream ticket from POST /api/v1/stream-tickets (instead of the Authorization header)' })),
    vehicle: Type.Optional(VehicleId),
    severity: Type.Optional(Severity),
    since: Type.Optional(Type.String({ maxLength: 40, pattern: '^\\d{1,15}-\\d{1,15}$', description: 'resume after this event id (like Last-Event-ID)' })),
  },
  { additionalProperties: false },
);

const EVENT_ID = /^\d{1,15}-\d{1,15}$/;

export function alertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof AlertsQuery> }>(
    '/api/v1/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Alerts, newest raise first, filtered by vehicle, severity, state (active = not cleared) and raise time',
        tags,
        querystring: AlertsQuery,
        response: { 200: Type.Object({ alerts: Type.Array(RowSchema) }, { additionalProperties: false }) },
      },
    },
    async (req) => {
      const q = req.query;
      const fromMs = parseTime('from', q.from);
      const toMs = parseTime('to', q.to);
      if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new ApiError(400, `query parameter 'from' must not be after 'to'`);
      const alerts = await ctx.read.alerts({
        ...(q.vehicle !== undefined ? { vehicle: q.vehicle } : {}),
        ...(q.severity !== undefined ? { severity: q.severity } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {}),
        limit: q.limit ?? 100,
      });
      return { alerts };
    },
  );

  app.post(
    '/api/v1/stream-tickets',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'A single-use ticket (valid 60 s) to open the alert stream from a browser, whose EventSource cannot send headers',
        tags,
        response: { 201: Type.Object({ ticket: Type.String(), expiresAt: Type.Number(), ttlS: Type.Number() }, { additionalProperties: false }) },
      },
    },
    async (req, reply) => {
      const t = ctx.tickets.issue(req.token!);
      return reply.code(201).header('cache-control', 'no-store').send({ ...t, ttlS: ctx.tickets.ttlMs / 1000 });
    },
  );

  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/api/v1/alerts/stream',
    {
      config: { role: 'viewer', streamTicket: true },
      schema: {
        summary: 'Live alert messages as server-sent events (event: alert, data: one alert message as JSON)',
        description:
          'Authenticate with the Authorization header or with ?ticket= (see /api/v1/stream-tickets). Each event has an id (its position in ingest order); a reconnect with Last-Event-ID or ?since= resumes after it. Comments (": ping") keep the connection alive; an event named "revoked" ends the stream when the token is revoked.',
        tags,
        querystring: StreamQuery,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const token = req.token!;
      const header = req.headers['last-event-id'];
      const since = typeof header === 'string' && EVENT_ID.test(header) ? header : req.query.since;
      const res = reply.raw;
      const write = (alerts: LiveAlert[]): void => {
        for (const a of alerts) res.write(`id: ${a.id}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`);
      };
      const filter = { ...(req.query.vehicle !== undefined ? { vehicle: req.query.vehicle } : {}), ...(req.query.severity !== undefined ? { severity: req.query.severity } : {}) };
      const unsubscribe = await ctx.feed.subscribe(write, filter, since);
      reply.hijack();
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\n: connected\n\n`);
      ctx.metrics.sseClients.inc();
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        ctx.openStreams.delete(end);
        clearInterval(heartbeat);
        unsubscribe();
        ctx.metrics.sseClients.dec();
        if (!res.writableEnded) res.end();
      };
      const heartbeat = setInterval(() => {
        void ctx.tokens.isLive(token.id).then((live) => {
          if (ended) return;
          if (!live) {
            res.write('event: revoked\ndata: {}\n\n');
            end();
          } else res.write(': ping\n\n');
        });
      }, ctx.settings.sseHeartbeatS * 1000);
      heartbeat.unref();
      req.raw.on('close', end);
      res.on('close', end);
      res.on('error', end);
      ctx.openStreams.add(end);
    },
  );
}
