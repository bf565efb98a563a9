import { describe, it, expect } from 'vitest';
import { toHubTelemetry } from './telemetry.ts';
import { buildPropertyBag } from './topics.ts';

describe('telemetry from a device publish', () => {
  it('splits system and user properties', () => {
    const bag = buildPropertyBag([
      ['$.mid', 'm1'], ['$.cid', 'c1'], ['$.ct', 'application/json'], ['$.ce', 'utf-8'], ['$.uid', 'u'], ['$.to', '/x'], ['$.exp', 'e'],
      ['lane', 'alerts'], ['$.ifid', 'dtmi:x'],
    ]);
    const body = Buffer.from('{}');
    const t = toHubTelemetry('t1', bag, body, 123);
    expect(t).toEqual({
      deviceId: 't1',
      body,
      enqueuedAt: 123,
      system: { messageId: 'm1', correlationId: 'c1', contentType: 'application/json', contentEncoding: 'utf-8', userId: 'u', to: '/x', expiryTimeUtc: 'e' },
      properties: { lane: 'alerts', '$.ifid': 'dtmi:x' },
    });
  });

  it('marks retained and will messages the way IoT Hub does', () => {
    const t = toHubTelemetry('t1', '', Buffer.alloc(0), 1, { retain: true, will: true });
    expect(t.properties).toEqual({ 'mqtt-retain': 'true', 'iothub-MessageType': 'Will' });
  });
});
