import { Type, type Static } from '@sinclair/typebox';
import { SettingsError, validateSettings } from '../../../shared/settings/load-settings.ts';
import {
  checkContainerUrl,
  checkEventHubConnectionString,
  checkIotHubServiceConnectionString,
  checkStorageConnectionString,
} from './connection-string.ts';

const closed = { additionalProperties: false } as const;
const Secret = (description: string) => Type.String({ minLength: 1, description });

export const IotHubSettings = Type.Object(
  {
    connectionString: Secret('IoT Hub shared access policy connection string (HostName=...;SharedAccessKeyName=...;SharedAccessKey=...)'),
  },
  closed,
);

export const EventHubSettings = Type.Object(
  {
    connectionString: Secret('Event Hub-compatible connection string of the built-in endpoint (Endpoint=sb://...)'),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Event Hub-compatible name; needed when the connection string has no EntityPath' })),
    consumerGroup: Type.String({
      pattern: '^(\\$Default|[A-Za-z0-9][A-Za-z0-9._-]{0,49})$',
      default: 'fleetsync',
      description: 'consumer group shared by every cloud instance; create it on the hub first',
    }),
    startPosition: Type.Union(
      [Type.Literal('earliest'), Type.Literal('latest'), Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}', description: 'ISO 8601 time' })],
      {
        default: 'earliest',
        description: 'where a partition without checkpoint starts: earliest (whole retention window), latest, or events enqueued from an ISO time on',
      },
    ),
    loadBalancing: Type.Union([Type.Literal('balanced'), Type.Literal('greedy')], {
      default: 'balanced',
      description: 'balanced claims one partition per 10 s round; greedy claims all free partitions at once',
    }),
    maxBatchSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    maxWaitTimeS: Type.Number({ minimum: 0.1, maximum: 60, default: 5 }),
    sinkConcurrency: Type.Integer({ minimum: 1, maximum: 256, default: 16, description: 'sink.accept calls in flight per partition' }),
    sinkRetries: Type.Integer({ minimum: 0, maximum: 20, default: 3, description: 'retries of a refused sink.accept before the partition restarts from its checkpoint' }),
    sinkRetryDelayMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 250, description: 'first retry delay; doubles each attempt' }),
  },
  closed,
);

export const CheckpointSettings = Type.Object(
  {
    connectionString: Type.Optional(Secret('storage account connection string')),
    container: Type.String({
      pattern: '^(?!-)(?!.*--)[a-z0-9-]{3,63}(?<!-)$',
      default: 'fleetsync-checkpoints',
      description: 'blob container for checkpoints and partition ownership',
    }),
    containerUrl: Type.Optional(Secret('container URL with a SAS token, instead of connectionString + container')),
    createIfMissing: Type.Boolean({ default: false, description: 'create the container at start (needs rights to do so)' }),
  },
  { ...closed, default: {} },
);

export const MethodSettings = Type.Object(
  {
    defaultTimeoutS: Type.Integer({ minimum: 5, maximum: 300, default: 30, description: 'used when a caller passes no usable timeout' }),
    connectTimeoutS: Type.Integer({ minimum: 0, maximum: 300, default: 0, description: 'how long IoT Hub waits for an offline device to connect; 0 fails at once' }),
  },
  { ...closed, default: {} },
);

export const ConnectionSettings = Type.Object(
  {
    mode: Type.Union([Type.Literal('events'), Type.Literal('poll'), Type.Literal('off')], {
      default: 'events',
      description: 'events: deviceConnectionStateEvents routed to the built-in endpoint; poll: query the registry',
    }),
    pollIntervalS: Type.Integer({ minimum: 10, maximum: 3600, default: 60 }),
  },
  { ...closed, default: {} },
);

export const AzureHubSettings = Type.Object(
  {
    iotHub: IotHubSettings,
    /** Needed by the instances that read telemetry (roles all and ingest); the pipeline role leaves it out. */
    eventHub: Type.Optional(EventHubSettings),
    checkpoint: CheckpointSettings,
    methods: MethodSettings,
    connection: ConnectionSettings,
  },
  closed,
);

export type AzureHubSettings = Static<typeof AzureHubSettings>;

/** Environment variables and the settings field each one sets. Environment wins over the file. */
export const AZURE_ENV: Record<string, string[]> = {
  FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING: ['iotHub', 'connectionString'],
  FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING: ['eventHub', 'connectionString'],
  FLEETSYNC_AZURE_EVENTHUB_NAME: ['eventHub', 'name'],
  FLEETSYNC_AZURE_CONSUMER_GROUP: ['eventHub', 'consumerGroup'],
  FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING: ['checkpoint', 'connectionString'],
  FLEETSYNC_AZURE_CHECKPOINT_CONTAINER: ['checkpoint', 'container'],
  FLEETSYNC_AZURE_CHECKPOINT_CONTAINER_URL: ['checkpoint', 'containerUrl'],
};

/** True when the environment holds enough to reach a real hub (used to decide whether live tests run). */
export function azureEnvConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    env.FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING &&
      env.FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING &&
      (env.FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING || env.FLEETSYNC_AZURE_CHECKPOINT_CONTAINER_URL),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Overlays the FLEETSYNC_AZURE_* variables on a raw settings object (a copy; the input is not changed). */
export function applyAzureEnv(raw: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  const out: Record<string, unknown> = isRecord(raw) ? structuredClone(raw) : {};
  for (const [name, [section, field]] of Object.entries(AZURE_ENV)) {
    const value = env[name];
    if (value === undefined || value === '' || !section || !field) continue;
    const current = out[section];
    const target: Record<string, unknown> = isRecord(current) ? current : {};
    target[field] = value;
    out[section] = target;
  }
  return out;
}

/**
 * Validates Azure mode settings: the schema first (defaults, types, ranges), then what a schema cannot say:
 * that each connection string parses and has the keys it needs, and that exactly one checkpoint location is set.
 * Errors name the field path (`/eventHub/connectionString`) and never echo a secret.
 */
export function parseAzureHubSettings(
  raw: unknown,
  source = 'azure settings',
  env?: NodeJS.ProcessEnv,
  opts: { readsPartitions?: boolean } = {},
): AzureHubSettings {
  const merged = env ? applyAzureEnv(raw, env) : raw;
  const s = validateSettings(AzureHubSettings, merged, source);
  const issues: { path: string; message: string }[] = [];

  const hub = checkIotHubServiceConnectionString(s.iotHub.connectionString);
  if (!hub.ok) issues.push({ path: '/iotHub/connectionString', message: hub.problem });

  if (opts.readsPartitions === false) {
    // The service side only (twins, methods, C2D, registry): no Event Hubs or checkpoint secrets needed or kept.
    if (issues.length) throw new SettingsError(source, issues);
    const { eventHub: _unused, ...service } = s;
    return service;
  }
  if (!s.eventHub) throw new SettingsError(source, [{ path: '/eventHub', message: 'is required to read telemetry from the built-in endpoint (cloud roles all and ingest)' }]);
  const eventHub = s.eventHub;
  const eh = checkEventHubConnectionString(eventHub.connectionString);
  if (!eh.ok) issues.push({ path: '/eventHub/connectionString', message: eh.problem });
  else if (!eh.value.entityPath && !eventHub.name) {
    issues.push({ path: '/eventHub/name', message: 'is required because the connection string has no EntityPath' });
  } else if (eh.value.entityPath && eventHub.name && eh.value.entityPath !== eventHub.name) {
    issues.push({ path: '/eventHub/name', message: `differs from the connection string's EntityPath "${eh.value.entityPath}"` });
  }

  const start = eventHub.startPosition;
  if (start !== 'earliest' && start !== 'latest' && !Number.isFinite(Date.parse(start))) {
    issues.push({ path: '/eventHub/startPosition', message: 'is not a valid ISO 8601 time' });
  }

  const cp = s.checkpoint;
  if (cp.connectionString && cp.containerUrl) {
    issues.push({ path: '/checkpoint', message: 'set either connectionString (with container) or containerUrl, not both' });
  } else if (!cp.connectionString && !cp.containerUrl) {
    issues.push({ path: '/checkpoint/connectionString', message: 'is required (or set /checkpoint/containerUrl)' });
  } else if (cp.connectionString) {
    const st = checkStorageConnectionString(cp.connectionString);
    if (!st.ok) issues.push({ path: '/checkpoint/connectionString', message: st.problem });
  } else if (cp.containerUrl) {
    const cu = checkContainerUrl(cp.containerUrl);
    if (!cu.ok) issues.push({ path: '/checkpoint/containerUrl', message: cu.problem });
  }

  if (issues.length) throw new SettingsError(source, issues);
  return s;
}

/** The Event Hub name to use: EntityPath from the connection string, else the configured name. */
export function eventHubNameOf(s: AzureHubSettings): string | undefined {
  if (!s.eventHub) return undefined;
  const eh = checkEventHubConnectionString(s.eventHub.connectionString);
  return (eh.ok ? eh.value.entityPath : undefined) ?? s.eventHub.name;
}
