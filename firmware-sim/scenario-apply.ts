/**
 * Turns scenarios into per-truck events: picks the trucks each scenario affects (seeded, preferring trucks no
 * scenario has touched yet, and only trucks that can play it), expands repeats, and puts sensor faults on the
 * right sensor. Pure: the fleet spec in, a new fleet spec out.
 */
import { Prng } from './prng.ts';
import { durationMs, type Scenario, type ScenarioEvent } from './scenario-schema.ts';
import { ScenarioError } from './scenario-load.ts';
import type { SensorFault, SensorRole, TruckEvent, TruckSpec } from './sensor-spec.ts';

export interface ScenarioAssignment {
  scenario: string;
  vehicles: string[];
}

function needsReefer(s: Scenario): boolean {
  return s.events.some(
    (e) => e.type === 'reefer-failure' || ((e.type === 'sensor-fault' || e.type === 'sensor-flood') && e.sensor === 'reefer'),
  );
}

/** Trucks that can play the scenario, each with a preference tier (0 first). */
function eligible(s: Scenario, trucks: readonly TruckSpec[]): { t: TruckSpec; tier: number }[] {
  if (!needsReefer(s)) return trucks.map((t) => ({ t, tier: 0 }));
  const failure = s.events.some((e) => e.type === 'reefer-failure');
  // A failed unit shows best on frozen goods: far from ambient, the air warms out of tolerance quickly.
  return trucks
    .filter((t) => t.reefer)
    .map((t) => ({ t, tier: failure && (t.reefer?.setpointC ?? 0) > -10 ? 1 : 0 }));
}

function atTimes(e: ScenarioEvent): number[] {
  const at = durationMs(e.at);
  if (!e.repeat) return [at];
  const every = durationMs(e.repeat.every);
  return Array.from({ length: e.repeat.count }, (_, k) => at + k * every);
}

function toTruckEvents(e: ScenarioEvent, scenario: string, atMs: number): TruckEvent | SensorFault & { role: SensorRole } {
  switch (e.type) {
    case 'overheat':
      return { type: 'overheat', atMs, durationMs: durationMs(e.duration), peakC: e.peakC, scenario };
    case 'reefer-failure':
      return { type: 'reefer-failure', atMs, durationMs: durationMs(e.duration), scenario };
    case 'harsh-braking':
      return { type: 'harsh-braking', atMs, peakMs2: e.peakMs2, lengthS: e.lengthS, scenario };
    case 'harsh-cornering':
      return { type: 'harsh-cornering', atMs, peakMs2: e.peakMs2, lengthS: e.lengthS, scenario };
    case 'dtc':
      return { type: 'dtc', atMs, durationMs: durationMs(e.duration), spn: e.spn, fmi: e.fmi, lamp: e.lamp, scenario };
    case 'overspeed':
      return { type: 'overspeed', atMs, durationMs: durationMs(e.duration), speedKmh: e.speedKmh, scenario };
    case 'excessive-idle':
    case 'dead-zone':
    case 'power-cut':
    case 'depot-wifi':
      return { type: e.type, atMs, durationMs: durationMs(e.duration), scenario };
    case 'sensor-fault':
      return {
        role: e.sensor,
        kind: e.fault,
        fromMs: atMs,
        toMs: atMs + durationMs(e.duration),
        share: e.share,
        ...(e.fault === 'clock-skew' ? { skewMs: e.skew === undefined ? -3_600_000 : durationMs(e.skew) } : {}),
        scenario,
      };
    case 'sensor-flood':
      return { role: e.sensor, kind: 'flood', fromMs: atMs, toMs: atMs + durationMs(e.duration), rateHz: e.rateHz, scenario };
  }
}

/** Applies scenarios (includes already expanded) to a fleet; returns new truck specs and who got what. */
export function applyScenarios(
  trucks: readonly TruckSpec[],
  scenarios: readonly Scenario[],
  seed: number | string,
): { trucks: TruckSpec[]; assignments: ScenarioAssignment[] } {
  const out = trucks.map((t) => structuredClone(t));
  const byVehicle = new Map(out.map((t) => [t.vehicle, t]));
  const touched = new Map<string, number>();
  const assignments: ScenarioAssignment[] = [];
  scenarios.forEach((s, si) => {
    const pool = eligible(s, out);
    let chosen: TruckSpec[];
    if (s.trucks === 'all') chosen = pool.map((x) => x.t);
    else if (Array.isArray(s.trucks)) {
      chosen = s.trucks.map((v, i) => {
        const t = byVehicle.get(v);
        if (!t) throw new ScenarioError(s.name, [{ path: `/trucks/${i}`, message: `no truck '${v}' in the fleet` }]);
        return t;
      });
    } else {
      const rng = new Prng(`${String(seed)}:scenario:${si}:${s.name}`);
      // Shuffle, then stable-sort untouched and preferred trucks first: scenarios spread over the fleet.
      const order = rng.shuffle(pool);
      const rank = (x: { t: TruckSpec; tier: number }): number => (touched.get(x.t.vehicle) ?? 0) * 2 + x.tier;
      order.sort((a, b) => rank(a) - rank(b));
      chosen = order.slice(0, s.trucks).map((x) => x.t);
    }
    for (const t of chosen) {
      touched.set(t.vehicle, (touched.get(t.vehicle) ?? 0) + 1);
      for (const e of s.events) {
        for (const at of atTimes(e)) {
          const ev = toTruckEvents(e, s.name, at);
          if ('role' in ev) {
            const { role, ...fault } = ev;
            const sensor = t.sensors.find((x) => x.role === role);
            if (sensor) sensor.faults.push(fault);
          } else t.events.push(ev);
        }
      }
    }
    assignments.push({ scenario: s.name, vehicles: chosen.map((t) => t.vehicle) });
  });
  return { trucks: out, assignments };
}
