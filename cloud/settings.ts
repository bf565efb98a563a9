import { Type, type Static } from '@sinclair/typebox';
import { SettingsError } from '../shared/settings/load-settings.ts';
import { HubSettings } from './hub/settings.ts';
import { PipelineSettingsSchema } from './pipeline/settings.ts';
import { ApiSettingsSchema } from './api/settings.ts';
import { SpoolSettingsSchema } from './hub/spool/settings.ts';

const closed = { additionalProperties: false } as const;

/**
 * The cloud service's settings: one document, each part described by its module's own schema, so a wrong field
 * anywhere fails at startup with its full path (e.g. `/pipeline/export/everyS`).
 */
export const CloudSettings = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: '.data/cloud' }),
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('azure')], {
      default: 'embedded',
      description: 'embedded: this process is the IoT Hub endpoint; azure: read a real IoT Hub (settings in `azure`)',
    }),
    role: Type.Union([Type.Literal('all'), Type.Literal('ingest'), Type.Literal('pipeline')], {
      default: 'all',
      description:
        'all: one process reads the hub, runs the pipeline and serves the API; ingest (azure mode, any number of replicas): ' +
        'read Event Hubs partitions into the spool; pipeline (azure mode, one replica): read the spool, run the pipeline and the API',
    }),
    /** The store between ingest and pipeline replicas (cloud/hub/spool). */
    spool: SpoolSettingsSchema,
    hub: Type.Omit(HubSettings, ['dataDir'], { ...closed, default: {} }),
    /** Azure IoT Hub settings (cloud/hub/azure/config.ts); FLEETSYNC_AZURE_* variables fill or override them. */
    azure: Type.Optional(Type.Unknown()),
    pipeline: PipelineSettingsSchema,
    api: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'listen address of the API and dashboard' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        ...ApiSettingsSchema.properties,
      },
      { ...closed, default: {} },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { ...closed, default: {} },
    ),
  },
  closed,
);

export type CloudSettings = Static<typeof CloudSettings>;

/** What the schema cannot say: the split roles exist only in front of a real IoT Hub. */
export function checkCloudRole(s: CloudSettings, source = 'cloud settings'): void {
  if (s.role !== 'all' && s.mode !== 'azure')
    throw new SettingsError(source, [
      { path: '/role', message: `role '${s.role}' needs mode 'azure' (the embedded hub is its own single ingest point; use role 'all')` },
    ]);
}
