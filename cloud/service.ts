import type { Logger } from 'pino';
import { Pipeline } from './pipeline/pipeline.ts';
import { EmbeddedHub } from './hub/embedded-hub.ts';
import type { HubSource } from './hub/hub-source.ts';
import { checkCloudRole, type CloudSettings } from './settings.ts';
import { SpoolHubSource, makeSpoolTarget } from './hub/spool/index.ts';
import { spoolSourceMetrics } from './hub/spool/spool-metrics.ts';
import { createCloudApi, listenCloudApi, embeddedDeviceAdmin } from './api/index.ts';

/** What the API and the demo get from a running cloud service. */
export interface CloudService {
  readonly settings: CloudSettings;
  readonly pipeline: Pipeline;
  readonly hub: HubSource;
  /** Set in embedded mode: the local IoT Hub endpoint (registry, certificates, port). */
  readonly embedded: EmbeddedHub | null;
  /** Where the API and dashboard listen, e.g. http://127.0.0.1:8080. */
  readonly apiUrl: string;
  close(): Promise<void>;
}

export interface CloudServiceOptions {
  /** Role 'pipeline': the IoT Hub service side (twins, methods, C2D); default: from `settings.azure`, reading no partitions. */
  spoolService?: HubSource;
}

/** The pipeline role's hub: telemetry from the spool, the rest from IoT Hub's service API. */
async function spoolHubSource(settings: CloudSettings, log: Logger, service?: HubSource): Promise<SpoolHubSource> {
  if (!service) {
    const { createAzureHubSource, parseAzureHubSettings } = await import('./hub/azure/index.ts');
    service = createAzureHubSource(parseAzureHubSettings(settings.azure ?? {}, 'azure settings', process.env, { readsPartitions: false }));
  }
  const spoolLog = log.child({ component: 'spool' });
  return new SpoolHubSource(makeSpoolTarget(settings.spool, settings.dataDir), service, {
    pollIntervalMs: settings.spool.pollIntervalMs,
    concurrency: settings.spool.concurrency,
    log: (level, msg, fields) => spoolLog[level](fields ?? {}, msg),
  });
}

/**
 * Starts the pipeline first and the hub second, so the hub never acknowledges a device before Bronze can store
 * (the hub's PUBACK waits for Bronze's commit), and stops them in the reverse order.
 */
export async function startCloudService(settings: CloudSettings, log: Logger, opts: CloudServiceOptions = {}): Promise<CloudService> {
  checkCloudRole(settings);
  if (settings.role === 'ingest') throw new Error("role 'ingest' runs without a pipeline: start it with startIngestReplica (cloud/ingest-replica.ts)");
  const pipeline = await Pipeline.open({ dataDir: settings.dataDir, settings: settings.pipeline, logger: log.child({ component: 'pipeline' }) });
  let hub: HubSource;
  let embedded: EmbeddedHub | null = null;
  let spool: SpoolHubSource | null = null;
  try {
    if (settings.mode === 'embedded') {
      embedded = new EmbeddedHub({ ...settings.hub, dataDir: settings.dataDir }, { logger: log.child({ component: 'hub' }) });
      hub = embedded;
    } else if (settings.role === 'pipeline') {
      spool = await spoolHubSource(settings, log, opts.spoolService);
      hub = spool;
    } else {
      const { createAzureHubSource, parseAzureHubSettings } = await import('./hub/azure/index.ts');
      hub = createAzureHubSource(parseAzureHubSettings(settings.azure ?? {}, 'azure settings', process.env));
    }
    await hub.start(pipeline.sink);
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  pipeline.start();
  const { host, port, ...apiSettings } = settings.api;
  let api;
  let apiUrl: string;
  try {
    api = await createCloudApi({
      pipeline,
      hub,
      dataDir: settings.dataDir,
      logger: log.child({ component: 'api' }),
      settings: apiSettings,
      ...(spool ? { metrics: { register: (r) => spoolSourceMetrics(r, () => spool!.stats()) } } : {}),
      ...(embedded ? { devices: embeddedDeviceAdmin(embedded), connectedDevices: () => embedded!.connectedDevices() } : {}),
    });
    apiUrl = await listenCloudApi(api, { host, port });
  } catch (err) {
    await api?.close();
    await hub.stop();
    await pipeline.close();
    throw err;
  }
  return {
    settings,
    pipeline,
    hub,
    embedded,
    apiUrl,
    close: async () => {
      // The API reads the pipeline, the hub writes into it: both stop before the database closes.
      await api.close();
      await hub.stop();
      await pipeline.close();
    },
  };
}
