/**
 * Azure mode of the hub: real Azure IoT Hub behind the HubSource interface.
 *
 *   const settings = parseAzureHubSettings(fileSettings.azure, 'cloud.json#/azure', process.env);
 *   const hub = createAzureHubSource(settings, { log });
 *   await hub.start(sink);
 */
import { AzureHubSource, type AzureHubPorts } from './azure-hub-source.ts';
import type { AzureHubSettings } from './config.ts';
import { createConsumerPort, createRegistryPort, createServiceClientPort } from './sdk-adapters.ts';

export { AzureHubSource, type AzureHubPorts, type HubLog } from './azure-hub-source.ts';
export { AzureHubSettings, parseAzureHubSettings, applyAzureEnv, azureEnvConfigured, AZURE_ENV } from './config.ts';
export * from './errors.ts';

/** The consumer of an instance that reads no partitions. */
const readsNothing: AzureHubPorts['consumer'] = { subscribe: () => ({ close: async () => {} }), close: async () => {} };

/**
 * Builds the Azure hub source. Ports not given are made from the settings with the Azure SDKs; nothing
 * connects until start() (telemetry) or the first twin / method / C2D call.
 */
export function createAzureHubSource(settings: AzureHubSettings, overrides: Partial<AzureHubPorts> = {}): AzureHubSource {
  let consumer = overrides.consumer;
  let prepare = overrides.prepare;
  if (!consumer && !settings.eventHub) consumer = readsNothing;
  if (!consumer) {
    const made = createConsumerPort(settings);
    consumer = made.consumer;
    prepare ??= made.prepare;
  }
  const ports: AzureHubPorts = {
    consumer,
    registry: overrides.registry ?? createRegistryPort(settings),
    service: overrides.service ?? createServiceClientPort(settings),
  };
  if (prepare) ports.prepare = prepare;
  if (overrides.log) ports.log = overrides.log;
  return new AzureHubSource(settings, ports);
}
