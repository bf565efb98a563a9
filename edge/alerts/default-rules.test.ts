import { describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.ts';
import { loadDefaultRules } from './default-rules.ts';
import { Drive, T0 } from './test-kit.ts';

/** A Drive running the shipped rule set. */
function truck(): Drive {
  const d = new Drive([], { vehicles: ['T1'] });
  d.engine.replaceRules(loadDefaultRules());
  return d;
}

const DEPOT = [51.9045, 4.46] as const;
const ROAD = [51.95, 4.55] as const;

describe('default rule set on a simulated refrigerated truck', () => {
  it('loads into an engine', () => {
    const e = createAlertEngine(loadDefaultRules());
    expect(e.ruleSet().rules.length).toBeGreaterThanOrEqual(15);
  });

  it('cargo door opened while driving', () => {
    const d = truck();
    d.read('cargo_door', false, { sensor: 'door' });
    d.hold('wheel_speed', 40, 5000);
    d.read('cargo_door', true, { sensor: 'door' });
    d.hold('wheel_speed', 40, 3000);
    const a = d.all.find((x) => x.ruleId === 'door_open_moving');
    expect(a).toMatchObject({ state: 'raised', severity: 'critical', value: 40 });
    expect(a?.message).toMatch(/^Cargo door open while moving/);
  });

  it('speeding inside the depot uses the 20 km/h limit', () => {
    const d = truck();
    d.pos(...DEPOT);
    d.hold('wheel_speed', 30, 11_000);
    expect(d.all.filter((x) => x.ruleId === 'overspeed').map((x) => [x.state, x.threshold])).toEqual([['raised', 20]]);
  });

  it('oil pressure is judged only with the engine running', () => {
    const d = truck();
    d.read('engine_speed', 0);
    d.hold('oil_pressure', 0, 60_000);
    expect(d.all.filter((x) => x.ruleId === 'oil_pressure_low')).toEqual([]);
    d.read('engine_speed', 1200);
    d.hold('oil_pressure', 40, 11_000);
    expect(d.states('oil_pressure_low')).toEqual(['raised']);
    d.read('engine_speed', 0);
    expect(d.states('oil_pressure_low')).toEqual(['raised', 'cleared']);
  });

  it('fuel drop while parked, reefer out of range after defrost, departure from the depot', () => {
    const d = truck();
    d.pos(...DEPOT);
    for (let i = 0; i <= 10; i++) {
      d.read('wheel_speed', 0);
      d.read('fuel_level', 60 - i);
      d.read('reefer_defrost', i < 2, { sensor: 'reefer' });
      d.read('reefer_setpoint', -18, { sensor: 'reefer' });
      d.read('reefer_supply_temp', -10, { sensor: 'reefer' });
      d.read('reefer_return_temp', -12, { sensor: 'reefer' });
      d.pos(...DEPOT);
      d.advance(60_000);
    }
    expect(d.states('fuel_drop_parked')[0]).toBe('raised');
    // Defrost ended at 2 min; suspension 20 min plus a 15 min delay: nothing yet at 11 min.
    expect(d.states('reefer_out_of_range')).toEqual([]);
    for (let i = 0; i < 40; i++) {
      d.read('reefer_defrost', false, { sensor: 'reefer' });
      d.read('reefer_setpoint', -18, { sensor: 'reefer' });
      d.read('reefer_supply_temp', -10, { sensor: 'reefer' });
      d.read('reefer_return_temp', -12, { sensor: 'reefer' });
      d.pos(...DEPOT);
      d.advance(60_000);
    }
    const reefer = d.all.find((x) => x.ruleId === 'reefer_out_of_range');
    expect(reefer).toMatchObject({ state: 'raised', value: 8, threshold: 3, signal: 'reefer_supply_temp' });
    // Raised 20 min after the defrost ended (at 2 min) plus the 15 min delay, within a tick minute.
    expect(reefer!.raisedAt - T0).toBeGreaterThanOrEqual((2 + 20 + 15) * 60_000);
    expect(reefer!.raisedAt - T0).toBeLessThanOrEqual((2 + 20 + 15 + 2) * 60_000);
    d.pos(...ROAD);
    expect(d.states('depot_departure')).toEqual(['raised']);
  });
});
