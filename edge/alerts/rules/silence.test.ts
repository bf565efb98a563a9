import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

describe('silence rule', () => {
  it('raises on tick after afterS without data and clears on the next message', () => {
    const d = new Drive([{ id: 'quiet', type: 'silence', signal: 'reefer_supply_temp', afterS: 300 }]);
    d.read('reefer_supply_temp', 4);
    d.advance(299_000);
    expect(d.all).toEqual([]);
    d.advance(1000);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 300, threshold: 300, signal: 'reefer_supply_temp' });
    d.read('reefer_supply_temp', 4);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('by sensor: any message from the sensor counts', () => {
    const d = new Drive([{ id: 'imu', type: 'silence', sensor: 'imu', afterS: 10 }]);
    d.read('accel_x', 0, { sensor: 'imu' });
    d.advance(5000);
    d.read('accel_y', 0, { sensor: 'imu' });
    d.advance(9000);
    expect(d.all).toEqual([]);
    d.advance(1000);
    expect(d.all[0]).toMatchObject({ state: 'raised', sensor: 'imu' });
  });

  it('a sensor never heard is timed from the start for pre-registered vehicles', () => {
    const d = new Drive([{ id: 'gps', type: 'silence', signal: 'position', afterS: 60 }], { vehicles: ['T1'] });
    d.tick();
    d.advance(60_000);
    expect(d.all[0]).toMatchObject({ state: 'raised', vehicle: 'T1' });
    d.pos(51.9, 4.4);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('malformed readings do not count as data; bad-quality ones do', () => {
    const d = new Drive([{ id: 'q', type: 'silence', signal: 's', afterS: 10 }]);
    d.read('s', 1);
    d.t += 5000;
    d.read('s', Number.NaN);
    d.advance(5000);
    expect(d.states()).toEqual(['raised']);
    d.read('s', 1, { quality: 'bad' });
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('a forward clock jump restarts silence timing instead of raising at once', () => {
    const d = new Drive([{ id: 'q', type: 'silence', signal: 's', afterS: 60 }]);
    d.read('s', 1);
    d.t += 6 * 3600_000;
    d.tick();
    expect(d.all).toEqual([]);
    d.advance(60_000);
    expect(d.states()).toEqual(['raised']);
  });
});
