import { describe, expect, it } from 'vitest';
import { classifyEvent, toConnectionNotice, toHubTelemetry, type EventDataLike } from './telemetry-mapping.ts';

/** An event shaped the way @azure/event-hubs 6 fills ReceivedEventData from an IoT Hub message. */
function iotHubEvent(over: Partial<EventDataLike> = {}): EventDataLike {
  return {
    body: Buffer.from('{"v":2,"readings":[]}'),
    properties: { lane: 'telemetry', batch: '17' },
    systemProperties: {
      'iothub-connection-device-id': 'gw-truck-7',
      'iothub-connection-auth-method': '{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}',
      'iothub-connection-auth-generation-id': '638000000000000000',
      'iothub-enqueuedtime': 1_754_000_000_123,
      'iothub-message-source': 'Telemetry',
      messageId: 'gw-truck-7:000042',
      correlationId: 'corr-1',
      contentType: 'application/msgpack',
      contentEncoding: 'binary',
      userId: Buffer.from('fleet-hub'),
    },
    enqueuedTimeUtc: new Date(1_754_000_000_500),
    sequenceNumber: 42,
    offset: '8800',
    contentType: 'application/msgpack',
    messageId: 'gw-truck-7:000042',
    correlationId: 'corr-1',
    ...over,
  };
}

describe('EventData to HubTelemetry', () => {
  it('maps device id, raw body, system and user properties, and the hub receive time', () => {
    const r = toHubTelemetry(iotHubEvent());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.msg.deviceId).toBe('gw-truck-7');
    expect(Buffer.from(r.msg.body).toString()).toBe('{"v":2,"readings":[]}');
    expect(r.msg.system).toEqual({
      messageId: 'gw-truck-7:000042',
      correlationId: 'corr-1',
      contentType: 'application/msgpack',
      contentEncoding: 'binary',
      userId: 'fleet-hub',
    });
    expect(r.msg.properties).toEqual({ lane: 'telemetry', batch: '17' });
    // iothub-enqueuedtime (hub receipt), not the later Event Hub enqueue time.
    expect(r.msg.enqueuedAt).toBe(1_754_000_000_123);
  });

  it('keeps binary bodies byte for byte (the consumer asks the SDK not to parse JSON)', () => {
    const bytes = Buffer.from([0x93, 0x01, 0xff, 0x00, 0xc1]);
    const r = toHubTelemetry(iotHubEvent({ body: bytes }));
    expect(r.ok && [...r.msg.body]).toEqual([0x93, 0x01, 0xff, 0x00, 0xc1]);
  });

  it('falls back to the event-level ids and content type, and to the Event Hub enqueue time', () => {
    const e = iotHubEvent({
      systemProperties: { 'iothub-connection-device-id': 'gw-1' },
      messageId: 7,
      correlationId: Buffer.from('c-9'),
      contentType: 'application/json',
    });
    const r = toHubTelemetry(e);
    expect(r.ok && r.msg.system).toEqual({ messageId: '7', correlationId: 'c-9', contentType: 'application/json' });
    expect(r.ok && r.msg.enqueuedAt).toBe(1_754_000_000_500);
  });

  it('turns the AMQP expiry time into an ISO string and non-string property values into text', () => {
    const e = iotHubEvent({
      properties: { n: 5, flag: true, raw: Buffer.from('abc'), gone: null },
      systemProperties: { 'iothub-connection-device-id': 'gw-1', absoluteExpiryTime: Date.UTC(2026, 0, 2), to: '/devices/gw-1/messages/events' },
    });
    const r = toHubTelemetry(e);
    expect(r.ok && r.msg.properties).toEqual({ n: '5', flag: 'true', raw: 'abc' });
    expect(r.ok && r.msg.system).toMatchObject({ expiryTimeUtc: '2026-01-02T00:00:00.000Z', to: '/devices/gw-1/messages/events' });
  });

  it('maps a string body to UTF-8 and an empty body to no bytes', () => {
    const text = toHubTelemetry(iotHubEvent({ body: 'hé' }));
    expect(text.ok && [...text.msg.body]).toEqual([0x68, 0xc3, 0xa9]);
    const empty = toHubTelemetry(iotHubEvent({ body: undefined }));
    expect(empty.ok && empty.msg.body.byteLength).toBe(0);
  });

  it('refuses an event without a device id or with a non-binary AMQP body, saying why', () => {
    const noDevice = toHubTelemetry(iotHubEvent({ systemProperties: {} }));
    expect(noDevice).toEqual({ ok: false, reason: 'no iothub-connection-device-id on event #42' });
    const valueBody = toHubTelemetry(iotHubEvent({ body: { parsed: true } }));
    expect(valueBody.ok).toBe(false);
    expect(!valueBody.ok && valueBody.reason).toMatch(/non-binary AMQP body/);
  });
});

describe('classifying built-in endpoint events', () => {
  const connection = (opType: string, seq: string, extra: Record<string, unknown> = {}): EventDataLike =>
    iotHubEvent({
      body: Buffer.from(JSON.stringify({ sequenceNumber: seq })),
      properties: {
        hubName: 'fleet-hub',
        deviceId: 'gw-truck-7',
        opType,
        'iothub-message-schema': 'deviceConnectionStateNotification',
        operationTimestamp: '2026-06-01T18:43:04.5561024Z',
        ...extra,
      },
      systemProperties: {
        'iothub-connection-device-id': 'gw-truck-7',
        'iothub-enqueuedtime': 1_754_000_000_000,
        'iothub-message-source': 'deviceConnectionStateEvents',
        contentType: 'application/json',
        contentEncoding: 'utf-8',
      },
    });

  it('sends device telemetry (source Telemetry, or none) to the sink', () => {
    expect(classifyEvent(iotHubEvent()).kind).toBe('telemetry');
    expect(classifyEvent(iotHubEvent({ systemProperties: { 'iothub-connection-device-id': 'gw-1' } })).kind).toBe('telemetry');
  });

  it('reads routed connection state events, with their sequence number', () => {
    const c = classifyEvent(connection('deviceDisconnected', '000000000000000001D8713FF7E0851400000002000000000000000000000007'));
    expect(c).toEqual({
      kind: 'connection',
      notice: {
        deviceId: 'gw-truck-7',
        connected: false,
        at: Date.parse('2026-06-01T18:43:04.556Z'),
        sequence: '000000000000000001D8713FF7E0851400000002000000000000000000000007',
      },
    });
    expect(toConnectionNotice(connection('deviceConnected', 'a1'))).toMatchObject({ connected: true, sequence: 'A1' });
  });

  it('skips twin change and lifecycle events, and counts module connection events as unreadable', () => {
    const twin = iotHubEvent({ systemProperties: { 'iothub-connection-device-id': 'gw-1', 'iothub-message-source': 'twinChangeEvents' } });
    expect(classifyEvent(twin)).toEqual({ kind: 'ignored', source: 'twinChangeEvents' });
    const lifecycle = iotHubEvent({ systemProperties: { 'iothub-message-source': 'deviceLifecycleEvents' } });
    expect(classifyEvent(lifecycle)).toEqual({ kind: 'ignored', source: 'deviceLifecycleEvents' });
    expect(classifyEvent(connection('moduleConnected', '01')).kind).toBe('invalid');
  });

  it('marks telemetry it cannot map as invalid instead of throwing', () => {
    expect(classifyEvent(iotHubEvent({ systemProperties: { 'iothub-message-source': 'Telemetry' } }))).toEqual({
      kind: 'invalid',
      reason: 'no iothub-connection-device-id on event #42',
    });
  });
});
