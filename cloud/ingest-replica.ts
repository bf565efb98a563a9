import Fastify from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { CloudSettings } from './settings.ts';
import { SpoolWriter, defaultWriterName, makeSpoolTarget } from './hub/spool/index.ts';
import { ingestConsumerMetrics, spoolWriterMetrics } from './hub/spool/spool-metrics.ts';
import type { AzureHubSettings, AzureHubSource } from './hub/azure/index.ts';
import type { ExportTarget } from './storage/export-target.ts';

/** A running ingest replica: Event Hubs partitions in, spool segments out, and a health and metrics endpoint. */
export interface IngestReplica {
  readonly settings: CloudSettings;
  readonly writer: SpoolWriter;
  readonly hub: AzureHubSource;
  readonly embedded: null;
  /** Where /healthz and /metrics answer. */
  readonly apiUrl: string;
  close(): Promise<void>;
}

/**
 * A segment groups the messages in flight, and a partition has at most `sinkConcurrency` of them in flight: with the
 * default 16 a replica would write small segments and wait `flushDelayMs` for each. Handing the spool a whole Event
 * Hubs batch at once costs nothing (no DuckDB transaction per message here), so the ingest role raises it to the
 * batch size.
 */
export function forSpool(s: AzureHubSettings): AzureHubSettings {
  const eh = s.eventHub;
  return eh && eh.sinkConcurrency < eh.maxBatchSize ? { ...s, eventHub: { ...eh, sinkConcurrency: eh.maxBatchSize } } : s;
}

/** Writes that keep failing this long make /healthz answer 503, so the orchestrator restarts or reschedules the pod. */
const UNHEALTHY_AFTER_MS = 60_000;

export interface IngestReplicaOptions {
  /** The hub source (tests pass one built on fake Event Hubs ports); default: from `settings.azure`. */
  hub?: AzureHubSource;
  writerName?: string;
  /** The spool store (tests wrap one to inject faults); default: from `settings.spool`. */
  spoolTarget?: ExportTarget;
  /** Clock of the health check. */
  now?: () => number;
}

/**
 * The ingest role: stateless, any number of replicas. Each reads the partitions the Event Hubs load balancer gives
 * it, stores every message in the spool, then checkpoints. No DuckDB here: the single pipeline replica imports the
 * spool into Bronze.
 */
export async function startIngestReplica(settings: CloudSettings, log: Logger, opts: IngestReplicaOptions = {}): Promise<IngestReplica> {
  const target = opts.spoolTarget ?? makeSpoolTarget(settings.spool, settings.dataDir);
  const now = opts.now ?? Date.now;
  const writer = new SpoolWriter(target, {
    writer: opts.writerName ?? defaultWriterName(),
    flushDelayMs: settings.spool.flushDelayMs,
    maxRecords: settings.spool.maxRecords,
    maxBytes: settings.spool.maxBytes,
  });
  let hub = opts.hub;
  if (!hub) {
    const { createAzureHubSource, parseAzureHubSettings } = await import('./hub/azure/index.ts');
    const hubLog = log.child({ component: 'hub' });
    const azure = forSpool(parseAzureHubSettings(settings.azure ?? {}, 'azure settings', process.env));
    hub = createAzureHubSource(azure, {
      log: (level, msg, fields) => hubLog[level](fields ?? {}, msg),
    });
  }
  const source = hub;
  const unsubscribe = source.onConnection((e) => writer.note(e));
  log.info({ spool: target.location }, 'ingest replica: Event Hubs partitions -> spool');
  await source.start(writer);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleetsync_cloud_' });
  spoolWriterMetrics(registry, writer.stats);
  ingestConsumerMetrics(registry, () => source.stats());
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    const since = writer.stats.failingSince;
    const failingMs = since === null ? 0 : now() - since;
    const body = { status: failingMs > UNHEALTHY_AFTER_MS ? 'failing' : 'ok', role: 'ingest', spool: target.location, spoolFailingForMs: failingMs };
    return reply.code(body.status === 'ok' ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  let apiUrl: string;
  try {
    apiUrl = await app.listen({ host: settings.api.host, port: settings.api.port });
  } catch (err) {
    await source.stop();
    await writer.close();
    throw err;
  }
  return {
    settings,
    writer,
    hub: source,
    embedded: null,
    apiUrl,
    close: async () => {
      await app.close();
      // The hub first: its in-flight batches finish (their segments written) and checkpoint before the writer closes.
      await source.stop();
      unsubscribe();
      await writer.close();
    },
  };
}
