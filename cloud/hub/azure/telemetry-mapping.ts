import type { HubTelemetry } from '../ingest-sink.ts';

/**
 * The part of @azure/event-hubs' ReceivedEventData this mapping reads. How the SDK (6.x) fills it from the AMQP
 * message IoT Hub delivers on the built-in endpoint:
 * - message annotations -> systemProperties under their own names: iothub-connection-device-id,
 *   iothub-connection-module-id, iothub-connection-auth-method, iothub-connection-auth-generation-id,
 *   iothub-enqueuedtime (AMQP timestamp, turned into epoch ms), iothub-message-source. The x-opt-* annotations
 *   become enqueuedTimeUtc, offset, sequenceNumber, partitionKey.
 * - AMQP properties -> systemProperties in camelCase: messageId, correlationId, contentType, contentEncoding,
 *   userId (binary), to, absoluteExpiryTime (epoch ms); messageId, correlationId and contentType also on the event.
 * - application properties -> properties (the device's user properties, plus any message enrichments).
 */
export interface EventDataLike {
  body: unknown;
  properties?: { [key: string]: unknown };
  systemProperties?: { [key: string]: unknown };
  enqueuedTimeUtc: Date;
  sequenceNumber: number;
  offset: string;
  contentType?: string;
  messageId?: string | number | Buffer;
  correlationId?: string | number | Buffer;
}

/** A device connected or disconnected notice, as IoT Hub routes it (source deviceConnectionStateEvents). */
export interface ConnectionNotice {
  deviceId: string;
  connected: boolean;
  at: number;
  /** IoT Hub's hex sequence number: strictly increasing per device, compare as strings of equal length. */
  sequence?: string;
}

export type Classified =
  | { kind: 'telemetry'; msg: HubTelemetry }
  | { kind: 'connection'; notice: ConnectionNotice }
  | { kind: 'ignored'; source: string }
  | { kind: 'invalid'; reason: string };

export const SYS = {
  deviceId: 'iothub-connection-device-id',
  moduleId: 'iothub-connection-module-id',
  enqueuedTime: 'iothub-enqueuedtime',
  messageSource: 'iothub-message-source',
} as const;

const TELEMETRY_SOURCE = 'Telemetry';
const CONNECTION_SOURCE = 'deviceConnectionStateEvents';

/** AMQP ids and user-id can arrive as string, number or binary; IoT Hub's are strings. */
export function idToString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return undefined;
}

function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date && Number.isFinite(v.getTime())) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** Application property values are strings on IoT Hub; anything else is turned into its plain text form. */
function propertyToString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

function bodyBytes(body: unknown): Uint8Array | undefined {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined || body === null) return new Uint8Array(0);
  return undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Maps a device-to-cloud event to the hand-off shape. Pure; never throws. */
export function toHubTelemetry(e: EventDataLike): { ok: true; msg: HubTelemetry } | { ok: false; reason: string } {
  const sys = e.systemProperties ?? {};
  const deviceId = str(sys[SYS.deviceId]);
  if (!deviceId) return { ok: false, reason: `no ${SYS.deviceId} on event #${e.sequenceNumber}` };
  const body = bodyBytes(e.body);
  // The consumer asks for raw bytes (skipParsingBodyAsJson); a non-binary body means an AMQP value/sequence section.
  if (!body) return { ok: false, reason: `event #${e.sequenceNumber} from ${deviceId} has a non-binary AMQP body` };

  const system: HubTelemetry['system'] = {};
  const messageId = idToString(sys.messageId ?? e.messageId);
  if (messageId !== undefined) system.messageId = messageId;
  const correlationId = idToString(sys.correlationId ?? e.correlationId);
  if (correlationId !== undefined) system.correlationId = correlationId;
  const contentType = str(sys.contentType) ?? str(e.contentType);
  if (contentType) system.contentType = contentType;
  const contentEncoding = str(sys.contentEncoding);
  if (contentEncoding) system.contentEncoding = contentEncoding;
  const userId = idToString(sys.userId);
  if (userId) system.userId = userId;
  const to = str(sys.to);
  if (to) system.to = to;
  const expiry = toEpochMs(sys.absoluteExpiryTime);
  if (expiry !== undefined) system.expiryTimeUtc = new Date(expiry).toISOString();

  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.properties ?? {})) {
    const s = propertyToString(v);
    if (s !== undefined) properties[k] = s;
  }

  // iothub-enqueuedtime is when IoT Hub received the message; the Event Hub enqueue time comes a little later.
  const enqueuedAt = toEpochMs(sys[SYS.enqueuedTime]) ?? e.enqueuedTimeUtc.getTime();
  return { ok: true, msg: { deviceId, body, system, properties, enqueuedAt } };
}

/** Reads a routed device connection state event. Returns undefined when it is not one. */
export function toConnectionNotice(e: EventDataLike): ConnectionNotice | undefined {
  const sys = e.systemProperties ?? {};
  const props = e.properties ?? {};
  const opType = str(props.opType);
  if (opType !== 'deviceConnected' && opType !== 'deviceDisconnected') return undefined;
  const deviceId = str(props.deviceId) ?? str(sys[SYS.deviceId]);
  if (!deviceId) return undefined;
  const at = toEpochMs(props.operationTimestamp) ?? toEpochMs(sys[SYS.enqueuedTime]) ?? e.enqueuedTimeUtc.getTime();
  const notice: ConnectionNotice = { deviceId, connected: opType === 'deviceConnected', at };
  const sequence = connectionSequence(e.body);
  if (sequence) notice.sequence = sequence;
  return notice;
}

function connectionSequence(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (body instanceof Uint8Array || typeof body === 'string') {
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const seq = (parsed as { sequenceNumber?: unknown }).sequenceNumber;
  return typeof seq === 'string' && /^[0-9A-Fa-f]+$/.test(seq) ? seq.toUpperCase() : undefined;
}

/**
 * Sorts an event from the built-in endpoint: device telemetry goes to the sink; routed connection state events
 * feed onConnection; other non-telemetry events (twin changes, lifecycle) are skipped; events without a device id
 * or with a non-binary body are invalid (counted, not stored, and not retried, so one bad event cannot block a
 * partition).
 */
export function classifyEvent(e: EventDataLike): Classified {
  const source = str(e.systemProperties?.[SYS.messageSource]);
  if (source === CONNECTION_SOURCE) {
    const notice = toConnectionNotice(e);
    return notice ? { kind: 'connection', notice } : { kind: 'invalid', reason: `unreadable connection state event #${e.sequenceNumber}` };
  }
  if (source !== undefined && source !== TELEMETRY_SOURCE) return { kind: 'ignored', source };
  const mapped = toHubTelemetry(e);
  return mapped.ok ? { kind: 'telemetry', msg: mapped.msg } : { kind: 'invalid', reason: mapped.reason };
}
