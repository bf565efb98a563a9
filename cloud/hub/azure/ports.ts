/**
 * The small surfaces of the Azure SDKs the hub source uses. The real ones (sdk-adapters.ts) wrap
 * @azure/event-hubs and azure-iothub; unit tests put fakes here, and only here.
 */
import type { C2DMessage } from './c2d-mapping.ts';
import type { EventDataLike } from './telemetry-mapping.ts';

export interface PartitionContextPort<E> {
  readonly partitionId: string;
  /** Records `event` as the last processed one of the partition (the blob checkpoint store in production). */
  updateCheckpoint(event: E): Promise<void>;
}

export interface ConsumerHandlers<E> {
  /** May be called with an empty array when no events arrived within the wait time. */
  processEvents(events: E[], context: PartitionContextPort<E>): Promise<void>;
  processError(error: Error, context: { readonly partitionId: string }): Promise<void>;
  processClose?(reason: string, context: { readonly partitionId: string }): Promise<void>;
}

/** An EventHubConsumerClient with a checkpoint store: partitions are balanced over the instances of a consumer group. */
export interface ConsumerPort<E extends EventDataLike = EventDataLike> {
  subscribe(handlers: ConsumerHandlers<E>): { close(): Promise<void> };
  close(): Promise<void>;
}

export interface MethodParams {
  methodName: string;
  payload: unknown;
  responseTimeoutInSeconds: number;
  connectTimeoutInSeconds: number;
}

/** The registry side of the IoT Hub service API (HTTPS). */
export interface RegistryPort {
  /** The twin document as IoT Hub returns it. */
  getTwin(deviceId: string): Promise<unknown>;
  /** PATCH of the twin with If-Match `etag` ('*' = unconditional); resolves with the updated twin document. */
  updateTwin(deviceId: string, patch: unknown, etag: string): Promise<unknown>;
  /** Rows of `SELECT deviceId, connectionState FROM devices`, all pages. */
  queryConnectionStates(): Promise<unknown[]>;
}

/** The messaging side of the IoT Hub service API: direct methods (HTTPS) and cloud-to-device (AMQP). */
export interface ServiceClientPort {
  /** Resolves with the device's { status, payload }. */
  invokeDeviceMethod(deviceId: string, params: MethodParams): Promise<unknown>;
  send(deviceId: string, message: C2DMessage): Promise<void>;
  close(): Promise<void>;
}
