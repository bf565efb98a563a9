/**
 * A fleet spec from a seed: trucks with their depot, mass, counters, reefer units and sensors, a share of old
 * firmware and of misbehaving sensors (fleet variety), plus the chosen scenarios. Pure and deterministic.
 */
import { Prng } from './prng.ts';
import { DEPOTS } from './road-map.ts';
import { sensorSet } from './sensor-set.ts';
import type { FaultKind, SensorFault, TruckSpec } from './sensor-spec.ts';
import type { Scenario } from './scenario-schema.ts';
import { expandIncludes, loadScenario } from './scenario-load.ts';
import { applyScenarios, type ScenarioAssignment } from './scenario-apply.ts';
import { DEFAULT_START_MS } from './sim-time.ts';

export { DEFAULT_START_MS } from './sim-time.ts';

export interface FleetVariety {
  /** Share of trucks on old firmware (v1 payloads, JSON only). */
  v1Share: number;
  /** Share of trucks with one misbehaving sensor (stuck, NaN, garbage, wrong types or a skewed clock). */
  faultyShare: number;
  /** Share of trucks with a reefer unit. */
  reeferShare: number;
  /** Mean engine hours between random amber DTCs; 0: none. */
  dtcMeanHoursBetween: number;
}

export const DEFAULT_VARIETY: FleetVariety = { v1Share: 0.25, faultyShare: 0.15, reeferShare: 0.5, dtcMeanHoursBetween: 30 };
/** No old firmware, no broken sensors, no random DTCs: a fleet whose ground truth is exactly its scenarios. */
export const CLEAN_VARIETY: FleetVariety = { v1Share: 0, faultyShare: 0, reeferShare: 0.5, dtcMeanHoursBetween: 0 };

export interface FleetOptions {
  trucks: number;
  seed: number;
  /** Library scenario names or loaded scenarios; includes are expanded. */
  scenarioMix?: readonly (string | Scenario)[];
  startMs?: number;
  variety?: Partial<FleetVariety>;
  /** Latest departure from the depot, seconds after the start (default 900). */
  maxDepartAfterS?: number;
}

export interface FleetSpec {
  seed: number;
  startMs: number;
  trucks: TruckSpec[];
  scenarios: ScenarioAssignment[];
}

const FAULT_KINDS: readonly FaultKind[] = ['stuck', 'nan', 'garbage', 'wrong-type', 'clock-skew'];

function varietyFault(rng: Prng, kind: FaultKind): SensorFault {
  switch (kind) {
    case 'stuck': {
      const fromMs = Math.round(rng.range(0, 30) * 60_000);
      return { kind, fromMs, toMs: fromMs + Math.round(rng.range(10, 60) * 60_000) };
    }
    case 'nan':
      return { kind, share: 0.05 };
    case 'garbage':
      return { kind, share: 0.03 };
    case 'wrong-type':
      return { kind, share: 0.03 };
    case 'clock-skew':
      // Behind by up to two hours (an RTC that lost its time) or ahead by up to ten minutes.
      return { kind, skewMs: Math.round(rng.chance(0.6) ? -rng.range(30, 7200) * 1000 : rng.range(30, 600) * 1000) };
    case 'flood':
      return { kind, rateHz: 50 };
  }
}

export function truckId(i: number): string {
  return `TRK-${String(i + 1).padStart(4, '0')}`;
}

export function generateFleet(opts: FleetOptions): FleetSpec {
  const variety = { ...DEFAULT_VARIETY, ...opts.variety };
  const root = new Prng(`fleet:${opts.seed}`);
  const startMs = opts.startMs ?? DEFAULT_START_MS;
  const maxDepart = opts.maxDepartAfterS ?? 900;
  const trucks: TruckSpec[] = [];
  for (let i = 0; i < opts.trucks; i++) {
    const vehicle = truckId(i);
    const rng = root.fork(vehicle);
    const firmware: 1 | 2 = rng.chance(variety.v1Share) ? 1 : 2;
    const reefer = rng.chance(variety.reeferShare)
      ? { setpointC: rng.chance(0.6) ? rng.pick([-18, -20, -25]) : rng.pick([2, 4]), defrostEveryH: rng.pick([4, 6, 8]) }
      : null;
    const fuelUsedStartL = Math.round(rng.range(50_000, 900_000));
    const odometerStartKm = Math.round(fuelUsedStartL * rng.range(2.8, 3.4));
    const sensors = sensorSet(rng.fork('sensors'), { vehicle, firmware, reefer: reefer !== null });
    if (rng.chance(variety.faultyShare)) {
      const sensor = rng.pick(sensors.filter((s) => s.role !== 'accel'));
      let kind = rng.pick(FAULT_KINDS);
      // A NaN needs msgpack to exist on the wire; in JSON it would be a wrong type anyway.
      if (kind === 'nan' && sensor.format === 'json') kind = 'wrong-type';
      sensor.faults.push(varietyFault(rng, kind));
    }
    trucks.push({
      vehicle,
      depot: (DEPOTS[i % DEPOTS.length] ?? DEPOTS[0])?.id ?? 'dep-rtm',
      firmware,
      massKg: Math.round(rng.range(14_000, 40_000)),
      tankL: rng.pick([400, 500, 600, 800]),
      fuelLevelStartPct: Math.round(rng.range(35, 95)),
      fuelUsedStartL,
      odometerStartKm,
      engineHoursStart: Math.round(odometerStartKm / rng.range(45, 60)),
      idleFuelLph: Number(rng.range(2, 3).toFixed(2)),
      wheelFactor: Number(rng.range(0.995, 1.015).toFixed(4)),
      ambientC: 11,
      departAfterS: Math.round(rng.range(Math.min(30, maxDepart), maxDepart)),
      deliveriesMin: 2,
      deliveriesMax: 5,
      dtcMeanHoursBetween: variety.dtcMeanHoursBetween,
      reefer,
      sensors,
      events: [],
    });
  }
  const scenarios = expandIncludes((opts.scenarioMix ?? []).map((s) => (typeof s === 'string' ? loadScenario(s) : s)));
  const applied = applyScenarios(trucks, scenarios, opts.seed);
  return { seed: opts.seed, startMs, trucks: applied.trucks, scenarios: applied.assignments };
}
