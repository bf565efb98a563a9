import { describe, expect, it } from 'vitest';
import { alertTopic, alertsFilter, c2dTopic, parseSensorTopic, sensorTopic } from './topics.ts';

describe('parseSensorTopic', () => {
  it('parses readings and positions', () => {
    expect(parseSensorTopic('fleet/truck-042/can0/reading')).toEqual({
      vehicle: 'truck-042',
      sensor: 'can0',
      kind: 'reading',
    });
    expect(parseSensorTopic('fleet/TRK_1.a/gps-0/position')).toEqual({
      vehicle: 'TRK_1.a',
      sensor: 'gps-0',
      kind: 'position',
    });
    expect(parseSensorTopic(`fleet/${'v'.repeat(64)}/${'s'.repeat(64)}/reading`)?.vehicle).toHaveLength(64);
  });

  const bad = [
    '',
    'fleet',
    'fleet/truck/can0',
    'fleet/truck/can0/reading/extra',
    '/fleet/truck/can0/reading',
    'fleet/truck/can0/reading/',
    'Fleet/truck/can0/reading',
    'fleets/truck/can0/reading',
    'fleet//can0/reading',
    'fleet/truck//reading',
    'fleet/truck/can0/',
    'fleet/truck/can0/alert',
    'fleet/truck/can0/Reading',
    'fleet/+/can0/reading',
    'fleet/truck/#',
    'fleet/truck/can0/+',
    'fleet/truck:1/can0/reading',
    'fleet/trück/can0/reading',
    'fleet/truck 1/can0/reading',
    `fleet/${'v'.repeat(65)}/can0/reading`,
    'fleet/truck/alerts/reading',
    'fleet/truck/c2d/position',
    'fleet/truck/can0/reading\u0000',
    '$SYS/truck/can0/reading',
  ];
  for (const topic of bad) {
    it(`rejects ${JSON.stringify(topic)}`, () => {
      expect(parseSensorTopic(topic)).toBeNull();
    });
  }

  it('rejects non-strings and absurdly long topics without throwing', () => {
    expect(parseSensorTopic(undefined as unknown as string)).toBeNull();
    expect(parseSensorTopic(42 as unknown as string)).toBeNull();
    expect(parseSensorTopic(`fleet/a/b/reading${'/x'.repeat(100_000)}`)).toBeNull();
  });
});

describe('topic builders', () => {
  it('build the documented topics', () => {
    expect(sensorTopic('truck-042', 'can0', 'reading')).toBe('fleet/truck-042/can0/reading');
    expect(alertTopic('truck-042', 'truck-042:overheat:1714550400000')).toBe(
      'fleet/truck-042/alerts/truck-042:overheat:1714550400000',
    );
    expect(alertsFilter('truck-042')).toBe('fleet/truck-042/alerts/#');
    expect(c2dTopic('truck-042')).toBe('fleet/truck-042/c2d');
  });

  it('round-trip through the parser', () => {
    const t = sensorTopic('v1', 's1', 'position');
    expect(parseSensorTopic(t)).toEqual({ vehicle: 'v1', sensor: 's1', kind: 'position' });
  });

  it('refuse ids that would widen or break a topic', () => {
    expect(() => sensorTopic('a/b', 'can0', 'reading')).toThrow(RangeError);
    expect(() => sensorTopic('truck', '+', 'reading')).toThrow(RangeError);
    expect(() => sensorTopic('truck', 'alerts', 'reading')).toThrow(RangeError);
    expect(() => alertTopic('truck', 'a/#')).toThrow(RangeError);
    expect(() => alertsFilter('#')).toThrow(RangeError);
    expect(() => c2dTopic('')).toThrow(RangeError);
  });
});
