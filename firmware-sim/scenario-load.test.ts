import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError, expandIncludes, listScenarios, loadScenario, loadScenarioFile, parseScenario } from './scenario-load.ts';
import { durationMs, type Scenario } from './scenario-schema.ts';
import { applyScenarios } from './scenario-apply.ts';
import { generateFleet } from './fleet.ts';

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseScenario(raw, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario files', () => {
  it('ships a library whose every scenario is valid and lands on a fleet', () => {
    const names = listScenarios();
    for (const n of ['overheat', 'reefer-failure', 'harsh-braking', 'dead-zone', 'power-cut', 'depot-wifi', 'sensor-flood']) expect(names).toContain(n);
    const all = expandIncludes(names.map((n) => loadScenario(n)));
    const { trucks, assignments } = applyScenarios(generateFleet({ trucks: 12, seed: 1, variety: { reeferShare: 0.5 } }).trucks, all, 1);
    for (const a of assignments) expect(a.vehicles.length, a.scenario).toBeGreaterThan(0);
    expect(trucks.some((t) => t.events.length > 0)).toBe(true);
  });

  it('fills defaults per event type', () => {
    const s = parseScenario({ name: 'x', events: [{ type: 'overheat', at: '5m' }, { type: 'harsh-braking', at: 60 }] });
    expect(s.trucks).toBe(1);
    expect(s.events[0]).toEqual({ type: 'overheat', at: '5m', duration: '10m', peakC: 112 });
    expect(s.events[1]).toEqual({ type: 'harsh-braking', at: 60, peakMs2: 5.5, lengthS: 1.2 });
  });

  it('names the path of each wrong field, judged against the event type', () => {
    expect(issuesOf({ name: 'x', events: [{ type: 'overheat', at: '5m', peakC: 'hot' }] })[0]?.path).toBe('/events/0/peakC');
    expect(issuesOf({ name: 'x', events: [{ type: 'teleport', at: 1 }] })).toEqual([{ path: '/events/0/type', message: expect.stringContaining('overheat') }]);
    expect(issuesOf({ name: 'x', events: [{ type: 'dtc', at: 1, spn: 100, fmi: 1 }, { type: 'dtc', spn: 1, fmi: 99, at: 1 }] }).map((i) => i.path)).toEqual(['/events/1/fmi']);
    expect(issuesOf({ name: 'x', events: [{ type: 'dead-zone', duration: '3m' }] }).map((i) => i.path)).toEqual(['/events/0/at']);
    expect(issuesOf({ name: 'x', events: [{ type: 'power-cut', at: 'soon' }] }).map((i) => i.path)).toEqual(['/events/0/at']);
    expect(issuesOf({ name: 'x', events: [{ type: 'sensor-fault', at: 0, sensor: 'radar', fault: 'stuck' }] }).map((i) => i.path)).toEqual(['/events/0/sensor']);
    expect(issuesOf({ name: 'x', events: [{ type: 'overheat', at: 0, peak: 120 }] }).map((i) => i.path)).toEqual(['/events/0/peak']);
    expect(issuesOf({ name: 'x', trucks: 0, colour: 'red' }).map((i) => i.path).sort()).toEqual(['/colour', '/trucks']);
    expect(issuesOf({ events: [] }).map((i) => i.path)).toEqual(['/name']);
  });

  it('reads YAML and JSON files, and says when a file is not valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-scn-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), 'name: a\nevents:\n  - { type: power-cut, at: 10m }\n');
      expect(loadScenarioFile(join(dir, 'a.yaml')).events[0]).toMatchObject({ type: 'power-cut', duration: '2m' });
      writeFileSync(join(dir, 'b.json'), JSON.stringify({ name: 'b', events: [{ type: 'dead-zone', at: 0 }] }));
      expect(loadScenario(join(dir, 'b.json')).name).toBe('b');
      writeFileSync(join(dir, 'c.yaml'), 'name: [unclosed\n');
      expect(() => loadScenarioFile(join(dir, 'c.yaml'))).toThrow(/c\.yaml: \/: not valid YAML/);
      writeFileSync(join(dir, 'd.yaml'), 'name: d\nevents:\n  - { type: overheat, at: 1m, peakC: 500 }\n');
      expect(() => loadScenarioFile(join(dir, 'd.yaml'))).toThrow(/d\.yaml: \/events\/0\/peakC: /);
      expect(() => loadScenario('no-such-scenario')).toThrow(/no such scenario file or library name \(library: .*overheat/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('expands includes once each and refuses cycles', () => {
    const lib: Record<string, Scenario> = {
      a: parseScenario({ name: 'a', include: ['b'] }),
      b: parseScenario({ name: 'b', include: ['c'] }),
      c: parseScenario({ name: 'c' }),
      loop: parseScenario({ name: 'loop', include: ['loop2'] }),
      loop2: parseScenario({ name: 'loop2', include: ['loop'] }),
    };
    const load = (n: string): Scenario => lib[n]!;
    expect(expandIncludes([lib.a!, lib.c!], load).map((s) => s.name)).toEqual(['c', 'b', 'a']);
    expect(() => expandIncludes([lib.loop!], load)).toThrow(/include cycle: loop -> loop2 -> loop/);
  });

  it('reads durations as seconds or unit strings', () => {
    expect(durationMs(90)).toBe(90_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs('-2h')).toBe(-7_200_000);
  });
});

describe('applying scenarios to a fleet', () => {
  const fleet = generateFleet({ trucks: 10, seed: 5, variety: { reeferShare: 0.5 } });

  it('puts reefer scenarios on reefer trucks, frozen ones first, and spreads scenarios over trucks', () => {
    const { trucks, assignments } = applyScenarios(fleet.trucks, [loadScenario('reefer-failure'), loadScenario('overheat'), loadScenario('dead-zone')], 5);
    const reefer = trucks.find((t) => t.vehicle === assignments[0]!.vehicles[0])!;
    expect(reefer.reefer).not.toBeNull();
    if (fleet.trucks.some((t) => (t.reefer?.setpointC ?? 0) <= -10)) expect(reefer.reefer!.setpointC).toBeLessThanOrEqual(-10);
    const chosen = assignments.flatMap((a) => a.vehicles);
    expect(new Set(chosen).size).toBe(chosen.length);
  });

  it('expands repeats, places sensor faults on the right sensor and leaves the input untouched', () => {
    const s = parseScenario({
      name: 'mix',
      trucks: ['TRK-0003'],
      events: [
        { type: 'harsh-braking', at: '1m', repeat: { count: 3, every: '10m' } },
        { type: 'sensor-fault', sensor: 'gps', fault: 'clock-skew', skew: '-30m', at: 0, duration: '1h' },
        { type: 'sensor-flood', at: '5m' },
      ],
    });
    const { trucks } = applyScenarios(fleet.trucks, [s], 5);
    const t = trucks.find((x) => x.vehicle === 'TRK-0003')!;
    expect(t.events.map((e) => e.atMs)).toEqual([60_000, 660_000, 1_260_000]);
    expect(t.sensors.find((x) => x.role === 'gps')!.faults).toContainEqual(expect.objectContaining({ kind: 'clock-skew', skewMs: -1_800_000, fromMs: 0, toMs: 3_600_000, scenario: 'mix' }));
    expect(t.sensors.find((x) => x.role === 'door')!.faults).toContainEqual(expect.objectContaining({ kind: 'flood', rateHz: 50, fromMs: 300_000, toMs: 420_000 }));
    expect(fleet.trucks.find((x) => x.vehicle === 'TRK-0003')!.events).toEqual([]);
  });

  it('refuses a truck id that is not in the fleet, naming the path', () => {
    expect(() => applyScenarios(fleet.trucks, [parseScenario({ name: 'x', trucks: ['TRK-0001', 'TRK-9999'] })], 5)).toThrow(/x: \/trucks\/1: no truck 'TRK-9999'/);
  });
});
