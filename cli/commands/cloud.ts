import { resolve } from 'node:path';
import { Command } from 'commander';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { existingFile } from '../files.ts';
import { UsageError } from '../usage-error.ts';
import { loadSettingsFile } from '../../shared/settings/load-settings.ts';
import { spoolDir } from '../../cloud/hub/paths.ts';
import { DEFAULT_MQTTS_PORT, parseHubSettings } from '../../cloud/hub/settings.ts';

/** The cloud settings file as far as the hub endpoint is concerned: its `hub` section (other sections belong to others). */
const CloudFile = Type.Object({ hub: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: true });

const port = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer 0-65535, got '${raw}'`);
  return n;
};

interface CloudOpts {
  config?: string;
  data: string;
  port?: number;
  host?: string[];
  bind?: string;
  logLevel: string;
}

export function cloudCommand(): Command {
  return new Command('cloud')
    .description('the cloud service: hub endpoint, medallion pipeline, API and dashboard')
    .option('--config <file>', 'cloud settings file (JSON or YAML); its `hub` section configures the endpoint')
    .option('--data <dir>', 'data folder', '.data/cloud')
    .option('--port <port>', `MQTTS port of the IoT Hub endpoint (default ${DEFAULT_MQTTS_PORT}; 0 picks a free one)`, port)
    .option('--host <name>', 'host name or address devices dial: added to the server certificate and to connection strings (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--bind <address>', 'listen address (default: all interfaces)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .action(async (o: CloudOpts) => {
      const fromFile = o.config ? (loadSettingsFile(CloudFile, existingFile(o.config, 'config file')).hub ?? {}) : {};
      const settings = parseHubSettings(
        {
          ...fromFile,
          dataDir: o.data,
          ...(o.port !== undefined ? { port: o.port } : {}),
          ...(o.host ? { hosts: o.host } : {}),
          ...(o.bind ? { bind: o.bind } : {}),
        },
        o.config ?? 'hub settings',
      );
      // Loaded here so that other commands do not pay for the broker, LevelDB and TLS code at startup.
      const [{ EmbeddedHub }, { SpoolSink }] = await Promise.all([import('../../cloud/hub/embedded-hub.ts'), import('../../cloud/hub/spool-sink.ts')]);
      const logger = pino({ name: 'cloud', level: o.logLevel }, pino.destination(2));
      const spool = await SpoolSink.open(spoolDir(settings.dataDir));
      const hub = new EmbeddedHub(settings, { logger: logger.child({ component: 'hub' }) });
      try {
        await hub.start(spool);
      } catch (err) {
        await spool.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${settings.port} is already in use (--port)`);
        throw err;
      }
      process.stdout.write(
        [
          `fleetsync cloud: IoT Hub endpoint listening on port ${hub.port} (MQTT over TLS)`,
          `  hub name:        ${hub.hubName}`,
          `  gateway host:    ${hub.gatewayHost}`,
          `  CA certificate:  ${resolve(hub.caFile)}  (devices must trust it)`,
          `  telemetry spool: ${resolve(spool.dir)}`,
          `  add a device:    fleetsync hub add-device <id> --data ${o.data}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        const shutdown = (signal: string): void => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          logger.info({ signal }, 'stopping');
          void hub
            .stop()
            .then(() => spool.close())
            .then(done, (err: unknown) => {
              logger.error({ err }, 'clean stop failed');
              process.exitCode = 1;
              done();
            });
        };
        const onInt = (): void => shutdown('SIGINT');
        const onTerm = (): void => shutdown('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
      process.stdout.write('fleetsync cloud: stopped\n');
    });
}
