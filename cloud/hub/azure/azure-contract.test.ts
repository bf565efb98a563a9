/**
 * The shared HubSource contract against a real Azure IoT Hub. Runs only when credentials are in the environment:
 *   FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING      policy with RegistryWrite too (the test creates and deletes devices)
 *   FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING    built-in endpoint (az iot hub connection-string show --default-eventhub)
 *   FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING  or FLEETSYNC_AZURE_CHECKPOINT_CONTAINER_URL
 * Optional: FLEETSYNC_AZURE_EVENTHUB_NAME, FLEETSYNC_AZURE_TEST_CONSUMER_GROUP (default fleetsync-test; it must exist,
 * and must not be the production group), FLEETSYNC_AZURE_TEST_CHECKPOINT_CONTAINER (default fleetsync-test-checkpoints),
 * FLEETSYNC_AZURE_TEST_CONNECTION_MODE (events, needing the deviceconnectionstateevents route, or poll).
 */
import { randomBytes } from 'node:crypto';
import iothub from 'azure-iothub';
import { vi } from 'vitest';
import { hubSourceContract } from '../hub-source.contract.ts';
import { azureEnvConfigured, parseAzureHubSettings } from './config.ts';
import { checkIotHubServiceConnectionString } from './connection-string.ts';
import { createAzureHubSource } from './index.ts';

const env = process.env;
const skip = azureEnvConfigured(env)
  ? false
  : 'set FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING, FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING and FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING (or _CONTAINER_URL) to run against a real IoT Hub';

// A real hub routes and rebalances in seconds, not milliseconds.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

hubSourceContract(
  'Azure IoT Hub',
  async () => {
    // Only the credentials come from the environment: never the production consumer group.
    const credentials = {
      FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING: env.FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING,
      FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING: env.FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING,
      FLEETSYNC_AZURE_EVENTHUB_NAME: env.FLEETSYNC_AZURE_EVENTHUB_NAME,
      FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING: env.FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING,
      FLEETSYNC_AZURE_CHECKPOINT_CONTAINER_URL: env.FLEETSYNC_AZURE_CHECKPOINT_CONTAINER_URL,
    };
    const mode = env.FLEETSYNC_AZURE_TEST_CONNECTION_MODE === 'poll' ? 'poll' : 'events';
    const settings = parseAzureHubSettings(
      {
        eventHub: {
          consumerGroup: env.FLEETSYNC_AZURE_TEST_CONSUMER_GROUP ?? 'fleetsync-test',
          // Partitions never read by this group start a minute back, not at the start of the retention window.
          startPosition: new Date(Date.now() - 60_000).toISOString(),
          loadBalancing: 'greedy',
          maxWaitTimeS: 1,
        },
        checkpoint: { container: env.FLEETSYNC_AZURE_TEST_CHECKPOINT_CONTAINER ?? 'fleetsync-test-checkpoints', createIfMissing: true },
        connection: { mode, pollIntervalS: 10 },
      },
      'azure contract environment',
      credentials,
    );
    const hub = checkIotHubServiceConnectionString(settings.iotHub.connectionString);
    if (!hub.ok) throw new Error(`FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING ${hub.problem}`);
    const registry = iothub.Registry.fromConnectionString(settings.iotHub.connectionString);
    const created: string[] = [];
    return {
      source: createAzureHubSource(settings),
      createDevice: async (label) => {
        const deviceId = `fleetsync-contract-${label}`;
        const primaryKey = randomBytes(32).toString('base64');
        await registry.create({
          deviceId,
          status: 'enabled',
          authentication: { symmetricKey: { primaryKey, secondaryKey: randomBytes(32).toString('base64') } },
        });
        created.push(deviceId);
        return { deviceId, connectionString: `HostName=${hub.value.hostName};DeviceId=${deviceId};SharedAccessKey=${primaryKey}` };
      },
      methodTimeoutS: 5,
      deliveryWaitMs: 120_000,
      dispose: async () => {
        await Promise.allSettled(created.map((id) => registry.delete(id)));
      },
    };
  },
  { skip },
);
