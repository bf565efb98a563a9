import { Type, type Static } from '@sinclair/typebox';
import { JournalSettingsSchema } from './journal/settings.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'an id: 1-64 of A-Z a-z 0-9 . _ -' });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const PasswordHash = Type.String({
  pattern: '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$',
  description: 'made by `fleetsync gateway hash-password`',
});
const closed = { additionalProperties: false } as const;

export const SensorCredential = Type.Object(
  { id: Id, username: Type.String({ minLength: 1, maxLength: 128 }), passwordHash: PasswordHash },
  closed,
);

export const DisplayCredential = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 128 }), passwordHash: PasswordHash },
  closed,
);

export const BrokerSettings = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
    tls: Type.Optional(
      Type.Object({ port: Port, certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) }, closed),
    ),
    websocket: Type.Optional(Type.Object({ port: Port, path: Type.String({ default: '/mqtt' }) }, closed)),
    allowAnonymous: Type.Boolean({ default: false, description: 'anonymous clients may publish as any sensor of this vehicle' }),
    maxPayloadBytes: Type.Integer({ minimum: 64, maximum: 256 * 1024, default: 64 * 1024 }),
    loginFailureLimit: Type.Integer({ minimum: 1, default: 20, description: 'failed logins per address per minute before that address is refused for the rest of the minute' }),
    tcp: Type.Object(
      {
        noDelay: Type.Boolean({ default: true, description: "send the gateway's small writes (alerts, PUBACKs) at once (TCP_NODELAY)" }),
        quickAck: Type.Boolean({
          default: true,
          description: "ACK received segments promptly (Linux TCP_QUICKACK), so a sensor's next PUBLISH is not held by its Nagle algorithm while a PUBACK waits for the disk",
        }),
        quickAckAfterMs: Type.Integer({
          minimum: 0,
          maximum: 40,
          default: 2,
          description: 'send the ACK of a read the gateway has not answered (with a PUBACK) within this many ms; 0: at every read',
        }),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export const ExternalBrokerSettings = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'e.g. mqtt://127.0.0.1:1883' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    clientId: Type.String({ default: 'fleetsync-gateway' }),
    topics: Type.Array(Type.String({ minLength: 1 }), { default: ['fleet/+/+/+'] }),
  },
  closed,
);

/** The journal's own schema (edge/journal/settings.ts), less its folder, which lives under dataDir. */
export const JournalSettings = Type.Omit(JournalSettingsSchema, ['dir'], { additionalProperties: false, default: {} });

export const UplinkSettings = Type.Object(
  {
    connectionString: Type.Optional(Type.String({ pattern: 'HostName=.+;DeviceId=.+;SharedAccessKey=.+' })),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'CA that signed the hub endpoint certificate' })),
    batchTargetBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024, default: 64 * 1024 }),
    telemetryMaxAgeMs: Type.Integer({ minimum: 0, default: 1000 }),
    alertsMaxAgeMs: Type.Integer({ minimum: 0, default: 0 }),
    inflight: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'batches in flight at once' }),
    backlogShare: Type.Number({ minimum: 0.05, maximum: 0.95, default: 0.5, description: 'share of sends given to backlog while live data flows' }),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 1800, default: 30 }),
    twinTimeoutMs: Type.Integer({ minimum: 1000, default: 15_000 }),
    sendTimeoutMs: Type.Integer({ minimum: 1000, default: 30_000 }),
    retryMinMs: Type.Integer({ minimum: 10, default: 500 }),
    retryMaxMs: Type.Integer({ minimum: 100, default: 60_000 }),
    paused: Type.Boolean({ default: false }),
  },
  { ...closed, default: {} },
);

export const GatewaySettings = Type.Object(
  {
    gatewayId: Id,
    vehicle: Id,
    dataDir: Type.String({ minLength: 1 }),
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded' }),
    broker: BrokerSettings,
    external: Type.Optional(ExternalBrokerSettings),
    sensors: Type.Array(SensorCredential, { default: [] }),
    displays: Type.Array(DisplayCredential, { default: [] }),
    journal: JournalSettings,
    uplink: UplinkSettings,
    alerts: Type.Object(
      {
        rulesFile: Type.Optional(Type.String({ minLength: 1, description: 'YAML or JSON rule set; the built-in refrigerated-truck rules when absent' })),
        clock: Type.Union([Type.Literal('receive'), Type.Literal('sensor')], {
          default: 'receive',
          description: "time that rule durations run on: the gateway's receive time (robust to bad sensor clocks) or the sensors' own time (simulation at high speed)",
        }),
        killSwitch: Type.Object(
          { sensors: Type.Array(Type.String(), { default: [] }), rules: Type.Array(Type.String(), { default: [] }) },
          { ...closed, default: {} },
        ),
      },
      { ...closed, default: {} },
    ),
    http: Type.Object({ host: Type.String({ default: '127.0.0.1' }), port: Type.Integer({ minimum: 0, maximum: 65535, default: 9100 }) }, { ...closed, default: {} }),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { ...closed, default: {} },
    ),
  },
  closed,
);

export type GatewaySettings = Static<typeof GatewaySettings>;
export type UplinkSettings = Static<typeof UplinkSettings>;
export type SensorCredential = Static<typeof SensorCredential>;
