import { describe, it, expect } from 'vitest';
import { generateFleet, CLEAN_VARIETY } from './fleet.ts';
import { createTruck, type Truck } from './truck.ts';
import { parseScenario } from './scenario-load.ts';
import { PROVOKED_RULES } from './provoked.ts';
import { longestRun, readingsOf, runFor } from './test-kit.ts';
import type { Scenario } from './scenario-schema.ts';

/** One clean reefer truck (frozen goods) that leaves its depot within two minutes, with the given scenario. */
function truckWith(scenario: Scenario): Truck {
  const fleet = generateFleet({ trucks: 6, seed: 9, variety: { ...CLEAN_VARIETY, reeferShare: 1 }, maxDepartAfterS: 120, scenarioMix: [scenario] });
  const spec = fleet.trucks.find((t) => t.events.length > 0 || t.sensors.some((s) => s.faults.length > 0));
  if (!spec) throw new Error('scenario landed on no truck');
  return createTruck(spec, fleet.seed, fleet.startMs);
}

const scenario = (events: unknown[]): Scenario => parseScenario({ name: 'test', events });

describe('scenarios drive the models', () => {
  it('overheat: published coolant stays above 105 C for more than 30 s, with the red-lamp DTC', () => {
    const truck = truckWith(scenario([{ type: 'overheat', at: '2m', duration: '15m', peakC: 112 }]));
    const pubs = runFor(truck, 30);
    const run = longestRun(readingsOf(pubs, 'coolant_temp'), (v) => (v as number) > 105);
    expect(run).not.toBeNull();
    expect(run![1] - run![0]).toBeGreaterThan(30_000);
    expect(readingsOf(pubs, 'dm1').some((r) => String(r.value).includes('110:0:red'))).toBe(true);
    const alerts = truck.truth().alerts.filter((a) => a.ruleId === PROVOKED_RULES.overheat.ruleId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ cause: 'scenario:test' });
    expect(alerts[0]!.peak!).toBeGreaterThan(108);
  });

  it('reefer-failure: supply air leaves the tolerance around the setpoint for longer than the rule delay', () => {
    const truck = truckWith(scenario([{ type: 'reefer-failure', at: '5m', duration: '60m' }]));
    const pubs = runFor(truck, 60);
    const setpoint = truck.spec.reefer!.setpointC;
    const supply = readingsOf(pubs, 'reefer_supply_temp');
    const out = longestRun(supply, (v) => Math.abs((v as number) - setpoint) > PROVOKED_RULES.reefer.threshold);
    expect(out).not.toBeNull();
    expect(out![1] - out![0]).toBeGreaterThan(PROVOKED_RULES.reefer.forS * 1000);
    // Before the failure the unit held its setpoint.
    const before = supply.filter((r) => r.t < truck.startMs + 5 * 60_000);
    expect(before.length).toBeGreaterThan(5);
    for (const r of before) expect(Math.abs((r.value as number) - setpoint)).toBeLessThan(3);
    expect(truck.truth().alerts.map((a) => [a.ruleId, a.cause])).toContainEqual([PROVOKED_RULES.reefer.ruleId, 'scenario:test']);
  });

  it('harsh-braking: the accelerometer reads below -4.4 m/s2 for at least 100 ms', () => {
    const truck = truckWith(scenario([{ type: 'harsh-braking', at: '1m', peakMs2: 5.5, lengthS: 1.2 }]));
    const pubs = runFor(truck, 40);
    const ax = readingsOf(pubs, 'accel_x');
    const run = longestRun(ax, (v) => (v as number) < -4.4);
    expect(run).not.toBeNull();
    expect(run![1] - run![0]).toBeGreaterThanOrEqual(100);
    const ev = truck.truth().events[0]!;
    expect(ev.startedAt).not.toBeNull();
    expect(run![0]).toBeGreaterThanOrEqual(ev.startedAt!);
    expect(truck.truth().alerts.filter((a) => a.ruleId === 'harsh_braking').map((a) => a.cause)).toContain('scenario:test');
    // The speed really dropped: the wheel speed a second later is lower than just before.
    const ws = readingsOf(pubs, 'wheel_speed');
    const at = (t: number) => ws.reduce((best, r) => (Math.abs(r.t - t) < Math.abs(best.t - t) ? r : best)).value as number;
    expect(at(ev.startedAt! + 1500)).toBeLessThan(at(ev.startedAt! - 500) - 15);
  });

  it('overspeed: the driver exceeds 90 km/h on an open road for longer than 10 s', () => {
    const truck = truckWith(scenario([{ type: 'overspeed', at: '1m', duration: '15m', speedKmh: 100 }]));
    const pubs = runFor(truck, 60);
    const run = longestRun(readingsOf(pubs, 'wheel_speed'), (v) => (v as number) > 90);
    expect(run).not.toBeNull();
    expect(run![1] - run![0]).toBeGreaterThan(10_000);
  });

  it('dtc: the DM1 list carries the code with its lamp for the duration, then drops it', () => {
    const truck = truckWith(scenario([{ type: 'dtc', at: '3m', duration: '5m', spn: 100, fmi: 1, lamp: 'red' }]));
    const dm1 = readingsOf(runFor(truck, 20), 'dm1');
    const has = dm1.filter((r) => String(r.value).includes('100:1:red'));
    expect(has.length).toBeGreaterThan(100);
    expect(Math.min(...has.map((r) => r.t))).toBeGreaterThanOrEqual(truck.startMs + 3 * 60_000);
    expect(Math.max(...has.map((r) => r.t))).toBeLessThanOrEqual(truck.startMs + 8 * 60_000 + 1000);
    expect(dm1.some((r) => r.value === '' && r.t > truck.startMs + 9 * 60_000)).toBe(true);
  });

  it('gateway events come out as hook notices at their simulated times', () => {
    const truck = truckWith(
      scenario([
        { type: 'dead-zone', at: '2m', duration: '3m' },
        { type: 'power-cut', at: '4m', duration: '30s' },
      ]),
    );
    const notices: { type: string; phase: string; t: number; from: number; to: number }[] = [];
    for (let i = 0; i < 6 * 600; i++) for (const h of truck.step().hooks) notices.push({ ...h, t: truck.now });
    const s = truck.startMs;
    expect(notices).toEqual([
      { type: 'dead-zone', phase: 'start', t: s + 120_000, from: s + 120_000, to: s + 300_000, scenario: 'test' },
      { type: 'power-cut', phase: 'start', t: s + 240_000, from: s + 240_000, to: s + 270_000, scenario: 'test' },
      { type: 'power-cut', phase: 'end', t: s + 270_000, from: s + 240_000, to: s + 270_000, scenario: 'test' },
      { type: 'dead-zone', phase: 'end', t: s + 300_000, from: s + 120_000, to: s + 300_000, scenario: 'test' },
    ]);
    expect(truck.truth().hooks).toHaveLength(2);
  });
});
