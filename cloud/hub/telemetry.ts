/** Device-to-cloud messages: from the MQTT publish (topic property bag + body) to the sink's HubTelemetry. Pure. */
import type { HubTelemetry } from './ingest-sink.ts';
import { parsePropertyBag } from './topics.ts';

const SYSTEM: Record<string, keyof HubTelemetry['system']> = {
  '$.mid': 'messageId',
  '$.cid': 'correlationId',
  '$.ct': 'contentType',
  '$.ce': 'contentEncoding',
  '$.uid': 'userId',
  '$.to': 'to',
  '$.exp': 'expiryTimeUtc',
};

export interface TelemetryExtras {
  /** The MQTT RETAIN flag: IoT Hub drops it and adds the application property `mqtt-retain`. */
  retain?: boolean;
  /** A will message, published by the hub when the device vanished: IoT Hub marks it `iothub-MessageType: Will`. */
  will?: boolean;
}

export function toHubTelemetry(
  deviceId: string,
  propertyBag: string,
  body: Uint8Array,
  enqueuedAt: number,
  extras: TelemetryExtras = {},
): HubTelemetry {
  const system: HubTelemetry['system'] = {};
  const properties: Record<string, string> = {};
  for (const [k, v] of parsePropertyBag(propertyBag)) {
    const name = SYSTEM[k];
    if (name) system[name] = v;
    // Unknown `$.` keys (e.g. `$.ifid` of Plug and Play) are kept as application properties rather than dropped.
    else properties[k] = v;
  }
  if (extras.retain) properties['mqtt-retain'] = 'true';
  if (extras.will) properties['iothub-MessageType'] = 'Will';
  return { deviceId, body, system, properties, enqueuedAt };
}
