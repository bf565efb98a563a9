/**
 * The hand-off from the hub endpoint to the cloud pipeline (second store-before-acknowledge hop).
 * The endpoint sends PUBACK to the device only after `accept` resolves; a rejected promise means
 * "not stored", so the device must retry.
 */
export interface HubTelemetry {
  deviceId: string;
  /** The message body exactly as the device sent it. */
  body: Uint8Array;
  /** IoT Hub system properties ($.mid, $.ct, $.ce, ...) under their readable names. */
  system: {
    messageId?: string;
    correlationId?: string;
    contentType?: string;
    contentEncoding?: string;
    userId?: string;
    to?: string;
    expiryTimeUtc?: string;
  };
  /** Application (user) properties. */
  properties: Record<string, string>;
  /** Hub receive time, epoch ms. */
  enqueuedAt: number;
}

export interface IngestSink {
  /** Resolves once the message is durable; only then may the device be acknowledged. */
  accept(msg: HubTelemetry): Promise<void>;
  close(): Promise<void>;
}
