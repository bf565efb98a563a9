/**
 * Prometheus metrics of the cloud service, on a registry of its own (several services in one process, as in tests,
 * must not collide on the global one). The API registers its HTTP and auth metrics; pipelineGauges and hubGauges
 * read their figures at scrape time; anything else can be registered on `registry` by whoever assembles the service.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LayerCounts } from '../pipeline/queries.ts';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  authFailures: Counter<'reason'>;
  rateLimited: Counter;
  sseClients: Gauge;
}

export function createApiMetrics(registry = new Registry(), opts: { defaultMetrics?: boolean } = {}): ApiMetrics {
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'fleetsync_cloud_' });
  return {
    registry,
    requests: new Counter({
      name: 'fleetsync_api_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'fleetsync_api_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (streams excluded), by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'fleetsync_api_auth_failures_total',
      help: 'Requests refused for authentication (missing, invalid, revoked token or ticket) or authorization (role too small)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'fleetsync_api_rate_limited_total',
      help: 'Requests refused with 429 because their client address failed authentication too often',
      registers: [registry],
    }),
    sseClients: new Gauge({ name: 'fleetsync_api_alert_streams', help: 'Open live alert streams', registers: [registry] }),
  };
}

interface PipelineView {
  queries: { counts(): Promise<LayerCounts> };
  bronzeStats: { stored: number; duplicates: number; commits: number };
}

/** Per-layer row counts and quality, read from the pipeline at scrape time. */
export function pipelineGauges(registry: Registry, pipeline: PipelineView): void {
  // The registry collects all metrics at once: they share one read of the counts per scrape.
  let current: Promise<LayerCounts | null> | null = null;
  const counts = (): Promise<LayerCounts | null> => {
    current ??= pipeline.queries
      .counts()
      .catch(() => null)
      .finally(() => setImmediate(() => (current = null)));
    return current;
  };
  new Gauge({
    name: 'fleetsync_pipeline_rows',
    help: 'Rows per pipeline table',
    labelNames: ['layer', 'table'],
    registers: [registry],
    async collect() {
      const c = await counts();
      this.reset();
      if (!c) return;
      this.set({ layer: 'bronze', table: 'batches' }, c.bronze.batches);
      for (const [k, v] of Object.entries(c.silver)) if (k !== 'watermark' && k !== 'pendingBatches') this.set({ layer: 'silver', table: k }, v);
      for (const [k, v] of Object.entries(c.gold)) if (k !== 'dirtyPartitions') this.set({ layer: 'gold', table: k }, v);
    },
  });
  new Gauge({
    name: 'fleetsync_pipeline_quarantined',
    help: 'Quarantined events by reason',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      const c = await counts();
      this.reset();
      for (const [reason, v] of Object.entries(c?.quality.byReason ?? {})) this.set({ reason }, v);
    },
  });
  new Gauge({
    name: 'fleetsync_pipeline_valid_ratio',
    help: 'Valid events / (valid + quarantined)',
    registers: [registry],
    async collect() {
      const pct = (await counts())?.quality.validPct;
      if (pct !== null && pct !== undefined) this.set(pct / 100);
    },
  });
  new Gauge({
    name: 'fleetsync_pipeline_pending_batches',
    help: 'Bronze batches not yet processed into Silver',
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) this.set(c.silver.pendingBatches);
    },
  });
  new Gauge({
    name: 'fleetsync_pipeline_scrape_ok',
    help: '1 when the pipeline counts could be read at this scrape',
    registers: [registry],
    async collect() {
      this.set((await counts()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fleetsync_bronze_batches_stored',
    help: 'Batches Bronze stored since the service started',
    registers: [registry],
    collect() {
      this.set(pipeline.bronzeStats.stored);
    },
  });
  new Gauge({
    name: 'fleetsync_bronze_duplicate_batches',
    help: 'Redelivered batches Bronze recognised since the service started',
    registers: [registry],
    collect() {
      this.set(pipeline.bronzeStats.duplicates);
    },
  });
}

/** Devices the hub reports connected. */
export function hubGauges(registry: Registry, connected: () => number): void {
  new Gauge({
    name: 'fleetsync_hub_connected_devices',
    help: 'Devices connected to the hub, as its connection notices tell',
    registers: [registry],
    collect() {
      this.set(connected());
    },
  });
}
