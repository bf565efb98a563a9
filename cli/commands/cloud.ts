import { resolve } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { existingFile } from '../files.ts';
import { UsageError } from '../usage-error.ts';
import { loadSettingsFile, validateSettings } from '../../shared/settings/load-settings.ts';
import { DEFAULT_MQTTS_PORT } from '../../cloud/hub/settings.ts';
import { CloudSettings, checkCloudRole } from '../../cloud/settings.ts';
import { untilSignal } from '../signals.ts';
import { registerTokenCommands } from './cloud-token.ts';
import { registerCloudReplay } from './cloud-replay.ts';
import { registerCloudErase } from './cloud-erase.ts';
import { registerCloudSpool } from './cloud-spool.ts';

const port = (flag: string) => (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be an integer 0-65535, got '${raw}'`);
  return n;
};

interface CloudOpts {
  config?: string;
  data?: string;
  port?: number;
  apiPort?: number;
  host?: string[];
  bind?: string;
  logLevel?: string;
  role?: string;
}

/** Settings from the file (if any), then command-line flags on top. */
export function cloudSettingsFrom(o: CloudOpts): CloudSettings {
  const file: Record<string, unknown> = o.config ? (loadSettingsFile(CloudSettings, existingFile(o.config, 'config file')) as Record<string, unknown>) : {};
  const hub = { ...((file.hub as object | undefined) ?? {}) } as Record<string, unknown>;
  if (o.port !== undefined) hub.port = o.port;
  if (o.host) hub.hosts = o.host;
  if (o.bind) hub.bind = o.bind;
  const api = { ...((file.api as object | undefined) ?? {}) } as Record<string, unknown>;
  if (o.apiPort !== undefined) api.port = o.apiPort;
  return validateSettings(
    CloudSettings,
    {
      ...file,
      hub,
      api,
      ...(o.data ? { dataDir: o.data } : {}),
      ...(o.logLevel ? { log: { level: o.logLevel } } : {}),
      ...(o.role ? { role: o.role } : {}),
    },
    o.config ?? 'cloud settings',
  );
}

export function cloudCommand(): Command {
  const cloud = new Command('cloud')
    .description('the cloud service: IoT Hub endpoint (or a real IoT Hub), medallion pipeline, API and dashboard')
    .option('--config <file>', 'cloud settings file (JSON or YAML)')
    .option('--data <dir>', 'data folder (default .data/cloud)')
    .option('--port <port>', `MQTTS port of the embedded IoT Hub endpoint (default ${DEFAULT_MQTTS_PORT}; 0 picks a free one)`, port('--port'))
    .option('--api-port <port>', 'HTTP port of the API and dashboard (default 8080)', port('--api-port'))
    .option('--host <name>', 'host name or address devices dial: added to the server certificate and to connection strings (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--bind <address>', 'listen address of the hub endpoint (default: all interfaces)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug')
    .option('--role <role>', 'all (default), ingest (Event Hubs -> spool; many replicas) or pipeline (spool -> Bronze/Silver/Gold and API; one replica)')
    .action(async (o: CloudOpts) => {
      const settings = cloudSettingsFrom(o);
      checkCloudRole(settings, o.config ?? 'cloud settings');
      const logger = pino({ name: 'cloud', level: settings.log.level }, pino.destination(2));
      // Loaded here so that other commands do not pay for DuckDB, the broker and TLS at startup.
      let service;
      try {
        if (settings.role === 'ingest') {
          const { startIngestReplica } = await import('../../cloud/ingest-replica.ts');
          service = await startIngestReplica(settings, logger);
        } else {
          const { startCloudService } = await import('../../cloud/service.ts');
          service = await startCloudService(settings, logger);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`a port is already in use (--port ${settings.hub.port} / --api-port ${settings.api.port})`);
        throw err;
      }
      const hub = service.embedded;
      process.stdout.write(
        [
          `fleetsync cloud: running (${settings.mode} mode${settings.role === 'all' ? '' : `, ${settings.role} role`}), data in ${resolve(settings.dataDir)}`,
          settings.role === 'ingest'
            ? `  health and metrics: ${service.apiUrl}/healthz, ${service.apiUrl}/metrics`
            : `  API and dashboard: ${service.apiUrl}/  (a token: fleetsync cloud token create --role operator --data ${settings.dataDir})`,
          ...(hub
            ? [
                `  IoT Hub endpoint: port ${hub.port} (MQTT over TLS), hub name ${hub.hubName}, gateway host ${hub.gatewayHost}`,
                `  CA certificate:   ${resolve(hub.caFile)}  (devices must trust it)`,
                `  add a device:     fleetsync hub add-device <id> --data ${settings.dataDir}`,
              ]
            : []),
          '',
        ].join('\n'),
      );
      await untilSignal();
      logger.info('stopping');
      await service.close();
      process.stdout.write('fleetsync cloud: stopped\n');
    });
  registerTokenCommands(cloud);
  registerCloudReplay(cloud);
  registerCloudErase(cloud);
  registerCloudSpool(cloud);
  return cloud;
}
