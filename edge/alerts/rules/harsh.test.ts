import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

/** Accelerometer samples every 50 ms. */
function samples(d: Drive, signal: string, values: number[], unit = 'm/s2'): void {
  for (const v of values) {
    d.read(signal, v, { sensor: 'imu', unit });
    d.t += 50;
  }
}

describe('harsh rule', () => {
  it('braking in g: converted, needs the minimum duration, value is the magnitude in m/s2', () => {
    const d = new Drive([{ id: 'brake', type: 'harsh', kind: 'brake', unit: 'g', threshold: 0.35, forS: 0.1 }]);
    samples(d, 'accel_x', [-1, -4, -3.5, -1]); // a 50 ms spike above 3.43 m/s2 is too short
    expect(d.all).toEqual([]);
    samples(d, 'accel_x', [-3.5, -4.2, -3.6, -0.5]);
    expect(d.all.map((a) => a.state)).toEqual(['raised', 'cleared']);
    expect(d.all[0]?.threshold).toBeCloseTo(0.35 * 9.80665, 9);
    expect(d.all[0]?.value).toBeCloseTo(3.6, 9);
    expect(d.all[1]?.peak).toBeCloseTo(4.2, 9);
  });

  it('acceleration ignores braking and vice versa', () => {
    const d = new Drive([{ id: 'acc', type: 'harsh', kind: 'accel', threshold: 4.4, forS: 0 }]);
    samples(d, 'accel_x', [-6, -6, 4.39]);
    expect(d.all).toEqual([]);
    samples(d, 'accel_x', [4.4]);
    expect(d.states()).toEqual(['raised']);
  });

  it('cornering uses |accel_y| both ways; readings in g are converted', () => {
    const d = new Drive([{ id: 'corner', type: 'harsh', kind: 'corner', threshold: 5.5, forS: 0, cooldownS: 0 }]);
    samples(d, 'accel_y', [-0.6, 0], 'g');
    samples(d, 'accel_y', [6, 0]);
    expect(d.states()).toEqual(['raised', 'cleared', 'raised', 'cleared']);
    expect(d.all[0]?.value).toBeCloseTo(0.6 * 9.80665, 9);
  });

  it('a silent accelerometer does not keep the alert active forever (2 s freshness)', () => {
    const d = new Drive([{ id: 'acc', type: 'harsh', kind: 'accel', threshold: 4.4, forS: 0 }]);
    samples(d, 'accel_x', [5]);
    d.advance(10_000);
    // Stale: held, not cleared; the next sample decides.
    expect(d.states()).toEqual(['raised']);
    samples(d, 'accel_x', [0]);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });
});
