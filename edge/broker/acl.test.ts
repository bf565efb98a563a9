import { describe, it, expect } from 'vitest';
import { canPublish, canSubscribe, reachesSubscribers, type Principal } from './acl.ts';
import { filterWithin } from '../../shared/sensor-protocol/acl.ts';

const sensor: Principal = { role: 'sensor', vehicle: 'truck-1', sensor: 'ecu' };
const display: Principal = { role: 'display', vehicle: 'truck-1', username: 'cab' };
const anon: Principal = { role: 'anonymous', vehicle: 'truck-1' };

describe('broker ACL', () => {
  it('lets a sensor publish readings and positions under its own prefix only', () => {
    expect(canPublish(sensor, 'fleet/truck-1/ecu/reading').ok).toBe(true);
    expect(canPublish(sensor, 'fleet/truck-1/ecu/position').ok).toBe(true);
    expect(canPublish(sensor, 'fleet/truck-1/gps/reading')).toEqual({ ok: false, reason: "sensor 'ecu' may not publish as 'gps'" });
    expect(canPublish(sensor, 'fleet/truck-2/ecu/reading').ok).toBe(false);
    expect(canPublish(sensor, 'fleet/truck-1/ecu/other').ok).toBe(false);
    expect(canPublish(sensor, 'fleet/truck-1/ecu/reading/extra').ok).toBe(false);
    expect(canPublish(sensor, '$SYS/x').ok).toBe(false);
  });

  it('reserves alert and c2d topics for the gateway', () => {
    expect(canPublish(anon, 'fleet/truck-1/alerts/reading').ok).toBe(false);
    expect(canPublish(anon, 'fleet/truck-1/c2d/reading').ok).toBe(false);
    expect(canPublish(anon, 'fleet/truck-1/any/reading').ok).toBe(true);
  });

  it('never lets a display publish', () => {
    expect(canPublish(display, 'fleet/truck-1/ecu/reading').ok).toBe(false);
  });

  it('lets displays subscribe to alerts and c2d, and nothing wider', () => {
    expect(canSubscribe(display, 'fleet/truck-1/alerts/#').ok).toBe(true);
    expect(canSubscribe(display, 'fleet/truck-1/alerts/a-1').ok).toBe(true);
    expect(canSubscribe(display, 'fleet/truck-1/c2d').ok).toBe(true);
    expect(canSubscribe(display, 'fleet/truck-1/#').ok).toBe(false);
    expect(canSubscribe(display, '#').ok).toBe(false);
    expect(canSubscribe(display, 'fleet/+/alerts/#').ok).toBe(false);
    expect(canSubscribe(display, 'fleet/truck-2/alerts/#').ok).toBe(false);
  });

  it('lets a sensor subscribe to c2d only', () => {
    expect(canSubscribe(sensor, 'fleet/truck-1/c2d').ok).toBe(true);
    expect(canSubscribe(sensor, 'fleet/truck-1/alerts/#').ok).toBe(false);
  });

  it('says a topic reaches subscribers exactly when some allowed filter matches it (the broker routes nothing else)', () => {
    const topics = [
      'fleet/truck-1/ecu/reading', 'fleet/truck-1/ecu/position', 'fleet/truck-1/any/reading', 'fleet/truck-1/alerts/a-1',
      'fleet/truck-1/alerts/x/y', 'fleet/truck-1/c2d', 'fleet/truck-2/alerts/a-1', 'fleet/truck-2/c2d', '$SYS/broker/uptime',
    ];
    const filters = [
      '#', '+/#', 'fleet/#', 'fleet/+/+/reading', 'fleet/truck-1/#', 'fleet/truck-1/+/reading', 'fleet/truck-1/ecu/reading',
      'fleet/truck-1/alerts/#', 'fleet/truck-1/alerts/+', 'fleet/truck-1/alerts/a-1', 'fleet/truck-1/c2d', 'fleet/+/c2d',
      'fleet/truck-1/+', '$SYS/#',
    ];
    for (const who of [sensor, display, anon])
      for (const topic of topics) {
        const matched = filters.some((f) => canSubscribe(who, f).ok && filterWithin(topic, f));
        if (matched) expect(reachesSubscribers('truck-1', topic), `${topic} is subscribable by ${who.role}`).toBe(true);
      }
    // ...and everything a client may publish reaches nobody.
    for (const topic of topics)
      if ([sensor, anon].some((who) => canPublish(who, topic).ok)) expect(reachesSubscribers('truck-1', topic), topic).toBe(false);
    expect(reachesSubscribers('truck-1', 'fleet/truck-1/alerts/a-1')).toBe(true);
    expect(reachesSubscribers('truck-1', 'fleet/truck-1/c2d')).toBe(true);
  });
});

