import { describe, it, expect } from 'vitest';
import {
  parseDeviceTopic,
  parsePropertyBag,
  buildPropertyBag,
  classifySubscription,
  twinResponseTopic,
  methodRequestTopic,
  c2dMessageIdOf,
  c2dExpiryOf,
  isValidMethodName,
} from './topics.ts';

describe('device topics', () => {
  it.each([
    ['devices/t1/messages/events/', { kind: 'telemetry', deviceId: 't1', propertyBag: '' }],
    ['devices/t1/messages/events', { kind: 'telemetry', deviceId: 't1', propertyBag: '' }],
    ['devices/t1/messages/events/%24.mid=1&a=b', { kind: 'telemetry', deviceId: 't1', propertyBag: '%24.mid=1&a=b' }],
    ['$iothub/twin/GET/?$rid=42', { kind: 'twin-get', rid: '42' }],
    ['$iothub/twin/PATCH/properties/reported/?$rid=7&$version=3', { kind: 'twin-patch-reported', rid: '7' }],
    ['$iothub/methods/res/200/?$rid=a1', { kind: 'method-response', rid: 'a1', status: 200 }],
    ['$iothub/twin/GET/', { kind: 'unknown' }],
    ['$iothub/methods/res/abc/?$rid=1', { kind: 'unknown' }],
    ['devices/t1/messages/devicebound/x', { kind: 'unknown' }],
    ['devices/t1/messages/events/a/b', { kind: 'unknown' }],
    ['sensors/x', { kind: 'unknown' }],
  ])('%s', (topic, expected) => {
    expect(parseDeviceTopic(topic)).toEqual(expected);
  });
});

describe('property bags', () => {
  it('round-trips special characters', () => {
    const pairs: [string, string][] = [['$.mid', 'a&b=c'], ['näme', 'x y/z'], ['empty', '']];
    expect(parsePropertyBag(buildPropertyBag(pairs))).toEqual(pairs);
  });

  it('keeps undecodable text instead of dropping it', () => {
    expect(parsePropertyBag('a=%E0%A4%A&b')).toEqual([['a', '%E0%A4%A'], ['b', '']]);
  });
});

describe('subscriptions', () => {
  it('allows only the device own topics', () => {
    expect(classifySubscription('devices/t1/messages/devicebound/#', 't1')).toBe('c2d');
    expect(classifySubscription('devices/t2/messages/devicebound/#', 't1')).toBeNull();
    expect(classifySubscription('$iothub/twin/res/#', 't1')).toBe('twin-response');
    expect(classifySubscription('$iothub/twin/PATCH/properties/desired/#', 't1')).toBe('desired');
    expect(classifySubscription('$iothub/methods/POST/#', 't1')).toBe('methods');
    expect(classifySubscription('#', 't1')).toBeNull();
    expect(classifySubscription('devices/+/messages/events/#', 't1')).toBeNull();
  });
});

describe('hub topics', () => {
  it('builds answers the SDK parses', () => {
    expect(twinResponseTopic(204, 'r1', 5)).toBe('$iothub/twin/res/204/?$rid=r1&$version=5');
    expect(methodRequestTopic('reboot', '1f')).toBe('$iothub/methods/POST/reboot/?$rid=1f');
  });

  it('reads id and expiry back from a devicebound topic', () => {
    const topic = `devices/t1/messages/devicebound/${buildPropertyBag([['k', 'v'], ['$.mid', 'm-1'], ['$.exp', '2030-01-01T00:00:00.000Z']])}`;
    expect(c2dMessageIdOf(topic, 't1')).toBe('m-1');
    expect(c2dMessageIdOf(topic, 't2')).toBeUndefined();
    expect(c2dExpiryOf(topic)).toBe(Date.parse('2030-01-01T00:00:00.000Z'));
  });

  it('validates method names', () => {
    expect(isValidMethodName('reboot')).toBe(true);
    for (const bad of ['', 'a/b', 'a+b', 'a#', 'x?y', 'a'.repeat(129)]) expect(isValidMethodName(bad)).toBe(false);
  });
});
