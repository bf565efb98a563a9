import { describe, it, expect } from 'vitest';
import { generateFleet, CLEAN_VARIETY } from './fleet.ts';

describe('generateFleet', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateFleet({ trucks: 8, seed: 3, scenarioMix: ['overheat', 'power-cut'] });
    expect(generateFleet({ trucks: 8, seed: 3, scenarioMix: ['overheat', 'power-cut'] })).toEqual(a);
    expect(generateFleet({ trucks: 8, seed: 4, scenarioMix: ['overheat', 'power-cut'] })).not.toEqual(a);
    expect(a.scenarios.map((s) => s.scenario)).toEqual(['overheat', 'power-cut']);
  });

  it('gives every sensor its own credentials and topic, QoS 0 only for the accelerometer', () => {
    const fleet = generateFleet({ trucks: 20, seed: 1 });
    const users = new Set<string>();
    for (const t of fleet.trucks) {
      expect(t.vehicle).toMatch(/^TRK-\d{4}$/);
      for (const s of t.sensors) {
        users.add(s.username);
        expect(s.password).toMatch(/^[0-9a-f]{24}$/);
        expect(s.qos).toBe(s.role === 'accel' ? 0 : 1);
        if (t.firmware === 1) expect(s.format).toBe('json');
      }
      expect(t.sensors.some((s) => s.role === 'reefer')).toBe(t.reefer !== null);
    }
    expect(users.size).toBe(fleet.trucks.reduce((n, t) => n + t.sensors.length, 0));
  });

  it('mixes old firmware, misbehaving sensors and reefers in about the asked shares', () => {
    const fleet = generateFleet({ trucks: 200, seed: 2, variety: { v1Share: 0.25, faultyShare: 0.2, reeferShare: 0.5 } });
    const share = (f: (t: (typeof fleet.trucks)[number]) => boolean) => fleet.trucks.filter(f).length / fleet.trucks.length;
    expect(share((t) => t.firmware === 1)).toBeGreaterThan(0.15);
    expect(share((t) => t.firmware === 1)).toBeLessThan(0.35);
    expect(share((t) => t.sensors.some((s) => s.faults.length > 0))).toBeGreaterThan(0.1);
    expect(share((t) => t.reefer !== null)).toBeGreaterThan(0.4);
    const kinds = new Set(fleet.trucks.flatMap((t) => t.sensors.flatMap((s) => s.faults.map((f) => f.kind))));
    expect([...kinds].sort()).toEqual(['clock-skew', 'garbage', 'nan', 'stuck', 'wrong-type']);
    // NaN only where the format can carry it.
    for (const t of fleet.trucks) for (const s of t.sensors) if (s.faults.some((f) => f.kind === 'nan')) expect(s.format).toBe('msgpack');
  });

  it('makes a clean fleet when asked', () => {
    const fleet = generateFleet({ trucks: 30, seed: 2, variety: CLEAN_VARIETY });
    expect(fleet.trucks.every((t) => t.firmware === 2 && t.dtcMeanHoursBetween === 0)).toBe(true);
    expect(fleet.trucks.every((t) => t.sensors.every((s) => s.faults.length === 0))).toBe(true);
  });
});
