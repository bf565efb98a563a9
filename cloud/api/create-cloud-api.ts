/**
 * The cloud service's HTTP side: the JSON API under /api, the dashboard at /, Prometheus metrics at /metrics.
 *
 *   const api = await createCloudApi({ pipeline, hub, dataDir, logger });
 *   const url = await listenCloudApi(api, { host: '0.0.0.0', port: 8080 });
 *   ...
 *   await api.close();   // before closing the pipeline and stopping the hub
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packagePath } from '../../shared/package-root.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { VERSION } from '../../shared/version.ts';
import type { HubSource } from '../hub/hub-source.ts';
import { FailureLimiter } from '../../shared/auth/failure-limiter.ts';
import { StreamTickets } from '../auth/stream-tickets.ts';
import { TokenStore } from '../auth/token-store.ts';
import { AlertFeed } from './alert-feed.ts';
import { installAuth } from './auth-hook.ts';
import { ConnectionTracker } from './connection-tracker.ts';
import type { ApiContext, DeviceAdmin, PipelineLike } from './context.ts';
import { errorBody, handleError } from './errors.ts';
import { Fleet } from './fleet.ts';
import { createApiMetrics, hubGauges, pipelineGauges } from './metrics.ts';
import { OpenApiCollector } from './openapi.ts';
import { ReadModel } from './read-model.ts';
import { actionRoutes } from './routes/actions.ts';
import { adminRoutes } from './routes/admin.ts';
import { alertRoutes } from './routes/alerts.ts';
import { goldRoutes } from './routes/gold.ts';
import { pipelineRoutes } from './routes/pipeline.ts';
import { vehicleRoutes } from './routes/vehicles.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { parseApiSettings } from './settings.ts';
import { TwinCache } from './twin-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry: register pipeline, hub or other gauges here. */
    metricsRegistry: Registry;
  }
}

export const DASHBOARD_DIR = `${packagePath('cloud', 'dashboard')}/`;
/** The dashboard's charting library, served from this origin under /vendor/uplot/ (no CDN: the CSP allows 'self' only). */
export const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const UPLOT_FILES = new Set(['/uPlot.esm.js', '/uPlot.min.css']);

export interface CloudApiOptions {
  pipeline: PipelineLike;
  hub: HubSource;
  /** The cloud data folder; API tokens live in <dataDir>/auth/tokens.json. */
  dataDir: string;
  /** Parent logger (pino). Requests are logged with the Authorization header and stream tickets redacted. */
  logger?: Logger;
  /** Raw `api` settings (validated here, see settings.ts). */
  settings?: unknown;
  /**
   * A read connection on the pipeline's DuckDB database, for the time series, positions, sync timeline, live alerts
   * in ingest order and throughput. Defaults to pipeline.connect(); without either, those endpoints answer 501 and
   * the live alerts fall back to watching Gold. The API closes the connection when it closes.
   */
  connect?: () => Promise<DuckDBConnection>;
  /** Device registry for the admin endpoints (embeddedDeviceAdmin(hub) for the embedded endpoint). */
  devices?: DeviceAdmin;
  /** Devices connected right now (seeds the connection state; EmbeddedHub.connectedDevices). */
  connectedDevices?: () => readonly string[];
  metrics?: {
    /** Registry to use (default: a new one). */
    registry?: Registry;
    /** Called once with the registry: register more gauges here. */
    register?: (registry: Registry) => void;
    /** Process metrics (CPU, memory, event loop) too. Default true. */
    defaultMetrics?: boolean;
  };
  now?: () => number;
  /** Serve the dashboard from another folder (tests). */
  dashboardDir?: string;
}

const MAX_PARAM_LENGTH = 1000;

/** Query parameters that carry secrets: never logged. */
const SECRET_PARAMS = /([?&](?:ticket|token|access_token)=)[^&#]*/gi;
export const redactUrl = (url: string): string => url.replace(SECRET_PARAMS, '$1[REDACTED]');

function apiLogger(parent: Logger | undefined): FastifyBaseLogger {
  const base = parent ?? pino({ level: 'silent' });
  return base.child(
    { component: 'api' },
    {
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'headers.cookie'],
        censor: '[REDACTED]',
      },
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip,
          headers: { ...req.headers },
        }),
      },
    },
  );
}

export async function createCloudApi(opts: CloudApiOptions): Promise<FastifyInstance> {
  const settings = parseApiSettings(opts.settings);
  const now = opts.now ?? Date.now;
  const logger = apiLogger(opts.logger);
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: settings.trustProxy,
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    // Ids up to this length reach validation (and a clear 400); longer ones stop at the router (414).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Router-level refusals (bad URL encoding, over-long path segment) in our error shape, without echoing the URL.
    frameworkErrors: (err, _req, reply) => {
      const code = (err as { code?: string }).code;
      const status = code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = status === 414 ? `a path segment is longer than ${MAX_PARAM_LENGTH} characters` : 'the URL is not valid';
      void (reply as unknown as FastifyReply).code(status).send(errorBody(status, message));
    },
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');

  const connect = opts.connect ?? (opts.pipeline.connect ? () => opts.pipeline.connect!() : undefined);
  const conn = connect ? await connect() : null;
  const read = new ReadModel(opts.pipeline.queries, conn);
  const tokens = await TokenStore.open(opts.dataDir);
  const metrics = createApiMetrics(opts.metrics?.registry, { defaultMetrics: opts.metrics?.defaultMetrics ?? true });
  const tracker = new ConnectionTracker(opts.hub, opts.connectedDevices ?? (() => []), now);
  const twins = new TwinCache(opts.hub, settings.twinCacheMs, now, (deviceId, err) => logger.debug({ deviceId, err }, 'twin not readable'));
  const devices = opts.devices ?? null;
  const ctx: ApiContext = {
    pipeline: opts.pipeline,
    read,
    hub: opts.hub,
    twins,
    tracker,
    tokens,
    tickets: new StreamTickets({ ttlMs: settings.streamTicketTtlS * 1000, now }),
    feed: new AlertFeed(read, { pollMs: settings.alertPollMs, onError: (err) => logger.warn({ err }, 'alert feed poll failed') }),
    metrics,
    devices,
    settings,
    openStreams: new Set(),
    now,
    fleet: new Fleet({
      read,
      tracker,
      twins,
      ...(devices ? { registeredDevices: async () => (await devices.list()).map((d) => d.deviceId) } : {}),
      onlineWindowMs: settings.onlineWindowS * 1000,
      now,
    }),
  };
  pipelineGauges(metrics.registry, opts.pipeline);
  hubGauges(metrics.registry, () => tracker.connectedCount());
  opts.metrics?.register?.(metrics.registry);
  app.decorate('metricsRegistry', metrics.registry);

  const openapi = new OpenApiCollector();
  app.addHook('onRoute', openapi.onRoute);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody(404, `no such endpoint: ${req.method} ${redactUrl(req.url).split('?')[0]!.slice(0, 200)}`));
  });
  // A JSON merge patch is JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) void reply.header(k, v);
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    if (route !== '/api/v1/alerts/stream') metrics.duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  installAuth(app, { tokens, tickets: ctx.tickets, limiter: new FailureLimiter({ limit: settings.authFailureLimit, windowMs: settings.authFailureWindowS * 1000, now }), metrics });

  vehicleRoutes(app, ctx);
  alertRoutes(app, ctx);
  goldRoutes(app, ctx);
  pipelineRoutes(app, ctx);
  actionRoutes(app, ctx);
  adminRoutes(app, ctx);

  app.get('/healthz', { config: { docs: false } }, async () => ({ ok: true, pipelineError: opts.pipeline.error === null || opts.pipeline.error === undefined ? null : String(opts.pipeline.error) }));
  app.get('/metrics', { config: { docs: false, ...(settings.metricsPublic ? {} : { role: 'viewer' as const }) } }, async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
  let doc: object | null = null;
  app.get('/api/openapi.json', { config: { docs: false } }, async () => (doc ??= openapi.document({ title: 'fleetsync cloud API', version: VERSION })));

  await app.register(fastifyStatic, {
    root: opts.dashboardDir ?? DASHBOARD_DIR,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
    // Test and notes files never leave the folder.
    allowedPath: (path) => !/\.(test|spec)\.|\.md$/.test(path),
  });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/vendor/uplot/',
    wildcard: false,
    index: false,
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
    allowedPath: (path) => UPLOT_FILES.has(path),
  });

  app.addHook('onClose', async () => {
    for (const end of [...ctx.openStreams]) end();
    ctx.feed.close();
    tracker.close();
    read.close();
  });
  await app.ready();
  return app;
}

/** Starts listening; returns the base URL. */
export async function listenCloudApi(app: FastifyInstance, o: { host?: string; port?: number } = {}): Promise<string> {
  const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  return address;
}
