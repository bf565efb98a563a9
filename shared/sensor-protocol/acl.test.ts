import { describe, expect, it } from 'vitest';
import { filterWithin, mayPublish, maySubscribe, type ClientIdentity } from './acl.ts';

const sensor: ClientIdentity = { role: 'sensor', vehicle: 'truck-1', sensor: 'can0' };
const display: ClientIdentity = { role: 'display', vehicle: 'truck-1' };

describe('mayPublish', () => {
  it('lets a sensor publish under its own prefix only', () => {
    expect(mayPublish(sensor, 'fleet/truck-1/can0/reading')).toBe(true);
    expect(mayPublish(sensor, 'fleet/truck-1/can0/position')).toBe(true);
    expect(mayPublish(sensor, 'fleet/truck-1/can0/diag/raw')).toBe(true);
    for (const topic of [
      'fleet/truck-1/can0',
      'fleet/truck-1/can0/',
      'fleet/truck-1/can1/reading',
      'fleet/truck-2/can0/reading',
      'fleet/truck-1/can0x/reading',
      'fleet/truck-1/alerts/x',
      'fleet/truck-1/c2d',
      'fleet/truck-1/can0/+',
      'fleet/truck-1/can0/#',
      '$SYS/x',
      '',
    ]) {
      expect(mayPublish(sensor, topic), topic).toBe(false);
    }
  });

  it('never lets a display publish, nor a sensor with a reserved or invalid id', () => {
    expect(mayPublish(display, 'fleet/truck-1/alerts/x')).toBe(false);
    expect(mayPublish({ role: 'sensor', vehicle: 'truck-1', sensor: 'alerts' }, 'fleet/truck-1/alerts/x')).toBe(false);
    expect(mayPublish({ role: 'sensor', vehicle: 'truck-1', sensor: '+' }, 'fleet/truck-1/+/reading')).toBe(false);
    expect(mayPublish({ role: 'sensor', vehicle: 'truck-1/x', sensor: 'y' }, 'fleet/truck-1/x/y/reading')).toBe(false);
  });
});

describe('maySubscribe', () => {
  it('lets a display subscribe within its alerts and to its c2d topic', () => {
    for (const f of [
      'fleet/truck-1/alerts/#',
      'fleet/truck-1/alerts/+',
      'fleet/truck-1/alerts/a1',
      'fleet/truck-1/alerts',
      'fleet/truck-1/c2d',
    ]) {
      expect(maySubscribe(display, f), f).toBe(true);
    }
  });

  it('refuses anything wider or elsewhere', () => {
    for (const f of [
      'fleet/truck-1/#',
      'fleet/truck-1/+',
      'fleet/truck-1/+/#',
      'fleet/+/alerts/#',
      'fleet/truck-2/alerts/#',
      'fleet/truck-1/can0/reading',
      'fleet/truck-1/c2d/#',
      'fleet/truck-1/alerts/#/x',
      'fleet/truck-1/alerts/a+',
      '#',
      '$share/g/fleet/truck-1/alerts/#',
      '$SYS/#',
      '',
    ]) {
      expect(maySubscribe(display, f), f).toBe(false);
    }
  });

  it('gives sensors no subscriptions', () => {
    expect(maySubscribe(sensor, 'fleet/truck-1/c2d')).toBe(false);
  });
});

describe('filterWithin', () => {
  it('compares filters level by level', () => {
    expect(filterWithin('a/b/c', 'a/+/c')).toBe(true);
    expect(filterWithin('a/+/c', 'a/b/c')).toBe(false);
    expect(filterWithin('a/b', 'a/b/#')).toBe(true);
    expect(filterWithin('a/b/#', 'a/b/+')).toBe(false);
    expect(filterWithin('a/b/c/d', 'a/b/+')).toBe(false);
    expect(filterWithin('a/b', 'a/b/c')).toBe(false);
  });
});
