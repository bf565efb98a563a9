import type { IngestSink } from './ingest-sink.ts';

/** A device twin as the service side sees it. */
export interface Twin {
  deviceId: string;
  desired: Record<string, unknown> & { $version: number };
  reported: Record<string, unknown> & { $version: number };
}

export interface MethodResult {
  status: number;
  payload: unknown;
}

export type DeviceConnectionEvent = { deviceId: string; connected: boolean; at: number };

/**
 * Where the cloud gets device traffic from, and how it talks back to devices. Two implementations:
 * the embedded endpoint (cloud/hub/embedded) and real Azure IoT Hub (cloud/hub/azure). Both pass the
 * shared contract suite in cloud/hub/hub-source.contract.ts.
 */
export interface HubSource {
  /** Starts delivering telemetry to the sink. Delivery is at least once: the sink must be idempotent. */
  start(sink: IngestSink): Promise<void>;
  stop(): Promise<void>;
  getTwin(deviceId: string): Promise<Twin>;
  /** Merges a patch into the desired properties (null deletes a key) and pushes it to the device. */
  updateDesired(deviceId: string, patch: Record<string, unknown>): Promise<Twin>;
  /** Invokes a direct method; rejects with a timeout error when the device does not answer in time. */
  invokeMethod(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult>;
  /** Queues a cloud-to-device message, delivered when the device is connected. */
  sendC2D(deviceId: string, body: Uint8Array | string, properties?: Record<string, string>): Promise<void>;
  /** Subscribes to device connect / disconnect notices. Returns an unsubscribe function. */
  onConnection(listener: (e: DeviceConnectionEvent) => void): () => void;
}

/** Tells every listener of a hub source about a connection notice; a listener that throws is logged, not fatal. */
export function notifyConnection(
  listeners: Iterable<(e: DeviceConnectionEvent) => void>,
  e: DeviceConnectionEvent,
  log: (level: 'warn', msg: string, fields: Record<string, unknown>) => void,
): void {
  for (const listener of listeners) {
    try {
      listener(e);
    } catch (err) {
      log('warn', 'connection listener threw', { error: String(err) });
    }
  }
}
