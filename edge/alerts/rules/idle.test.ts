import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const rule = { id: 'idle', type: 'idle', forS: 600, updateEveryS: 300 };

function idle(d: Drive, ms: number, rpm: number, speed: number): void {
  const end = d.t + ms;
  for (;;) {
    d.read('engine_speed', rpm);
    d.read('wheel_speed', speed);
    d.tick();
    if (d.t + 10_000 > end) break;
    d.t += 10_000;
  }
}

describe('idle rule', () => {
  it('engine on and speed 0 for 10 min raises; the value is the idle time in seconds', () => {
    const d = new Drive([rule]);
    idle(d, 590_000, 650, 0);
    expect(d.all).toEqual([]);
    idle(d, 10_000, 650, 0);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 600, threshold: 600 });
    idle(d, 300_000, 650, 0);
    expect(d.all.at(-1)).toMatchObject({ state: 'updated', peak: 900 });
    idle(d, 1, 650, 3);
    expect(d.states()).toEqual(['raised', 'updated', 'cleared']);
  });

  it('moving or engine off restarts the count; rpm exactly at rpmAbove is off', () => {
    const d = new Drive([rule]);
    idle(d, 500_000, 650, 0);
    idle(d, 1, 650, 10);
    idle(d, 500_000, 650, 0);
    idle(d, 1, 400, 0);
    idle(d, 500_000, 650, 0);
    expect(d.all).toEqual([]);
  });

  it('a missing speed holds (no raise on half the picture)', () => {
    const d = new Drive([rule]);
    d.read('engine_speed', 700);
    d.advance(1_200_000);
    expect(d.all).toEqual([]);
  });

  it('a forward clock jump does not count the gap as idling', () => {
    const d = new Drive([rule]);
    idle(d, 300_000, 650, 0);
    d.t += 3600_000; // gateway clock jumps an hour ahead
    idle(d, 590_000, 650, 0);
    expect(d.all).toEqual([]);
    idle(d, 20_000, 650, 0);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 600 });
  });
});
