/** Settings of the embedded IoT Hub endpoint: one schema, defaults filled in, errors name the field path. */
import { Type, type Static } from '@sinclair/typebox';
import { validateSettings } from '../../shared/settings/load-settings.ts';

const closed = { additionalProperties: false } as const;

export const DEFAULT_HUB_NAME = 'fleetsync-local.azure-devices.net';
export const DEFAULT_MQTTS_PORT = 8883;

export const HubSettings = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'data folder; the endpoint keeps its files in <dataDir>/hub' }),
    hubName: Type.String({
      pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$',
      default: DEFAULT_HUB_NAME,
      description: 'identity in SAS tokens and connection strings; fixed when the registry is first created',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: DEFAULT_MQTTS_PORT, description: 'MQTTS port; 0 picks a free one' }),
    bind: Type.Optional(Type.String({ minLength: 1, description: 'listen address; all interfaces when absent' })),
    hosts: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'extra host names or addresses devices dial (certificate SANs); the first one goes into connection strings',
    }),
    c2d: Type.Object(
      {
        ttlS: Type.Integer({ minimum: 1, maximum: 172_800, default: 3600, description: 'default time to live of a C2D message' }),
        maxPending: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'pending C2D messages per device' }),
      },
      { ...closed, default: {} },
    ),
    sink: Type.Object(
      {
        attempts: Type.Integer({ minimum: 1, maximum: 20, default: 4, description: 'tries of IngestSink.accept before the connection is closed' }),
        retryDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 100, description: 'first retry delay, doubled each try' }),
      },
      { ...closed, default: {} },
    ),
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 256 * 1024, description: 'largest telemetry body' }),
    registryPollMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 2000, description: 'fallback re-read of the registry file' }),
    connectTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 120_000,
      default: 10_000,
      description: 'a connection must finish its TLS handshake, and then send CONNECT, within this time each (slow or idle peers are closed)',
    }),
    authFailures: Type.Object(
      {
        limit: Type.Integer({ minimum: 0, maximum: 100_000, default: 30, description: 'failed CONNECTs per client address and window before it is refused outright; 0 turns the limiter off' }),
        windowS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

export type HubSettings = Static<typeof HubSettings>;
/** What callers pass: only dataDir is required. */
export type HubSettingsInput = { dataDir: string } & Partial<Omit<HubSettings, 'dataDir' | 'c2d' | 'sink' | 'authFailures'>> & {
  c2d?: Partial<HubSettings['c2d']>;
  sink?: Partial<HubSettings['sink']>;
  authFailures?: Partial<HubSettings['authFailures']>;
};

export function parseHubSettings(raw: unknown, source = 'hub settings'): HubSettings {
  return validateSettings(HubSettings, raw, source);
}
