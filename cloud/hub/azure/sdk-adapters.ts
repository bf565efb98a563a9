/**
 * The real ports: thin wrappers over the Azure SDKs. Nothing here decides anything; the rules live in the
 * pure mapping modules and in AzureHubSource.
 */
import {
  EventHubConsumerClient,
  earliestEventPosition,
  latestEventPosition,
  type EventHubConsumerClientOptions,
  type EventPosition,
  type ReceivedEventData,
} from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerClient } from '@azure/storage-blob';
import iothub from 'azure-iothub';
import common from 'azure-iot-common';
import type { AzureHubSettings } from './config.ts';
import { checkEventHubConnectionString } from './connection-string.ts';
import { eventHubNameOf } from './config.ts';
import type { C2DMessage } from './c2d-mapping.ts';
import type { ConsumerPort, MethodParams, RegistryPort, ServiceClientPort } from './ports.ts';

export function checkpointContainer(s: AzureHubSettings): ContainerClient {
  const cp = s.checkpoint;
  if (cp.containerUrl) return new ContainerClient(cp.containerUrl);
  if (cp.connectionString) return new ContainerClient(cp.connectionString, cp.container);
  throw new Error('checkpoint: neither connectionString nor containerUrl is set');
}

/** 'earliest' | 'latest' | an ISO time (validated by the settings) to the SDK's position. */
export function startPositionOf(value: string): EventPosition {
  if (value === 'earliest') return earliestEventPosition;
  if (value === 'latest') return latestEventPosition;
  return { enqueuedOn: new Date(value) };
}

export function createConsumerPort(s: AzureHubSettings): { consumer: ConsumerPort<ReceivedEventData>; prepare: () => Promise<void> } {
  const eh = s.eventHub;
  if (!eh) throw new Error('azure settings: /eventHub is needed to read partitions');
  const container = checkpointContainer(s);
  const store = new BlobCheckpointStore(container);
  const parsed = checkEventHubConnectionString(eh.connectionString);
  const name = eventHubNameOf(s);
  const options: EventHubConsumerClientOptions = { loadBalancingOptions: { strategy: eh.loadBalancing } };
  const client =
    parsed.ok && parsed.value.entityPath
      ? new EventHubConsumerClient(eh.consumerGroup, eh.connectionString, store, options)
      : new EventHubConsumerClient(eh.consumerGroup, eh.connectionString, name ?? '', store, options);
  const consumer: ConsumerPort<ReceivedEventData> = {
    subscribe: (handlers) =>
      client.subscribe(
        {
          processEvents: (events, context) => handlers.processEvents(events, context),
          processError: (error, context) => handlers.processError(error, context),
          processClose: async (reason, context) => {
            await handlers.processClose?.(reason, context);
          },
        },
        {
          maxBatchSize: eh.maxBatchSize,
          maxWaitTimeInSeconds: eh.maxWaitTimeS,
          startPosition: startPositionOf(eh.startPosition),
          // Keep the body as the device sent it; the SDK would otherwise JSON.parse it when it can.
          skipParsingBodyAsJson: true,
        },
      ),
    close: () => client.close(),
  };
  return {
    consumer,
    prepare: async () => {
      if (s.checkpoint.createIfMissing) await container.createIfNotExists();
    },
  };
}

export function createRegistryPort(s: AzureHubSettings): RegistryPort {
  const registry = iothub.Registry.fromConnectionString(s.iotHub.connectionString);
  return {
    getTwin: async (deviceId) => (await registry.getTwin(deviceId)).responseBody,
    updateTwin: async (deviceId, patch, etag) => (await registry.updateTwin(deviceId, patch, etag)).responseBody,
    queryConnectionStates: async () => {
      const query = registry.createQuery('SELECT deviceId, connectionState FROM devices', 1000);
      const rows: unknown[] = [];
      while (query.hasMoreResults) {
        const page = await query.next();
        if (Array.isArray(page.result)) rows.push(...(page.result as unknown[]));
      }
      return rows;
    },
  };
}

export function createServiceClientPort(s: AzureHubSettings): ServiceClientPort {
  const client = iothub.Client.fromConnectionString(s.iotHub.connectionString);
  return {
    invokeDeviceMethod: async (deviceId: string, params: MethodParams) => (await client.invokeDeviceMethod(deviceId, params)).result as unknown,
    send: async (deviceId: string, m: C2DMessage) => {
      const message = new common.Message(m.data);
      message.messageId = m.messageId;
      for (const [k, v] of m.properties) message.properties.add(k, v);
      await client.send(deviceId, message);
    },
    close: async () => {
      await client.close();
    },
  };
}
