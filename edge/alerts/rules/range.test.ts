import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const reefer = {
  id: 'reefer',
  type: 'range',
  signals: ['reefer_supply_temp', 'reefer_return_temp'],
  tolerance: 3,
  clearTolerance: 2,
  forS: 600,
  suspendSignal: 'reefer_defrost',
  suspendAfterS: 900,
};

/** Sends setpoint, both temperatures and the defrost flag every `everyMs` for `ms`. */
function run(d: Drive, ms: number, supply: number, ret: number, defrost: boolean, setpoint = 4, everyMs = 10_000): void {
  const end = d.t + ms;
  for (;;) {
    d.read('reefer_defrost', defrost, { sensor: 'reefer' });
    d.read('reefer_setpoint', setpoint, { sensor: 'reefer' });
    d.read('reefer_supply_temp', supply, { sensor: 'reefer' });
    d.read('reefer_return_temp', ret, { sensor: 'reefer' });
    d.tick();
    if (d.t + everyMs > end) break;
    d.t += everyMs;
  }
}

describe('range rule (reefer vs setpoint)', () => {
  it('raises when the worst deviation exceeds the tolerance for the delay', () => {
    const d = new Drive([reefer]);
    run(d, 590_000, 4.5, 7.5, false);
    expect(d.all).toEqual([]);
    run(d, 20_000, 4.5, 7.5, false);
    expect(d.all[0]).toMatchObject({ state: 'raised', signal: 'reefer_return_temp', value: 3.5, threshold: 3 });
  });

  it('exactly at the tolerance is in range (strictly greater raises)', () => {
    const d = new Drive([{ ...reefer, forS: 0 }]);
    run(d, 60_000, 7, 1, false);
    expect(d.all).toEqual([]);
  });

  it('clears at or within the clear tolerance, holds in between', () => {
    const d = new Drive([{ ...reefer, forS: 0 }]);
    run(d, 10_000, 8, 4, false);
    run(d, 60_000, 6.5, 4, false); // 2.5 from setpoint: still active
    expect(d.states()).toEqual(['raised']);
    run(d, 10_000, 6, 4, false);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('is suspended during defrost and for suspendAfterS after it', () => {
    const d = new Drive([reefer]);
    run(d, 1_800_000, 12, 10, true); // 30 min of defrost, far out of range
    run(d, 890_000, 12, 10, false); // within the 900 s after defrost
    expect(d.all).toEqual([]);
    // Suspension over at 900 s; then the 600 s delay starts.
    run(d, 600_000, 12, 10, false);
    expect(d.all).toEqual([]);
    run(d, 20_000, 12, 10, false);
    expect(d.states()).toEqual(['raised']);
  });

  it('a defrost starting while active holds the alert (no clear), which clears once back in range', () => {
    const d = new Drive([{ ...reefer, forS: 0 }]);
    run(d, 10_000, 12, 4, false);
    run(d, 600_000, 4, 4, true);
    expect(d.states()).toEqual(['raised']);
    run(d, 900_000, 4, 4, false);
    expect(d.states()).toEqual(['raised', 'cleared']);
  });

  it('holds without a setpoint; a fixed setpoint needs no signal', () => {
    const d = new Drive([{ ...reefer, forS: 0, suspendSignal: undefined }]);
    d.read('reefer_supply_temp', 30);
    d.advance(5000);
    expect(d.all).toEqual([]);
    const f = new Drive([{ id: 'fixed', type: 'range', signals: ['cargo_temp'], setpoint: -18, tolerance: 2, forS: 0 }]);
    f.read('cargo_temp', -15.5);
    expect(f.all[0]).toMatchObject({ state: 'raised', value: 2.5 });
  });

  it('a defrost flag never reported does not suspend; one gone stale holds', () => {
    const d = new Drive([{ ...reefer, forS: 0, maxAgeS: 60 }]);
    d.read('reefer_setpoint', 4);
    d.read('reefer_supply_temp', 9);
    expect(d.states()).toEqual(['raised']);

    const s = new Drive([{ ...reefer, forS: 0, maxAgeS: 60, suspendAfterS: 0 }]);
    s.read('reefer_defrost', false);
    s.advance(61_000);
    s.read('reefer_setpoint', 4);
    s.read('reefer_supply_temp', 9);
    expect(s.all).toEqual([]);
  });
});
