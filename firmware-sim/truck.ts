/**
 * A simulated truck: the models (motion, engine, DTCs, accelerometer, reefer, GPS) stepped together in fixed
 * ticks of simulated time, its sensors sampling them, its scenario events applied on time, and a watcher noting
 * the alerts it provokes. Pure and deterministic: the same spec, seed and start give the same bytes.
 */
import { Prng } from './prng.ts';
import { MotionModel, type MotionState, type Trip } from './motion.ts';
import { EngineModel } from './engine.ts';
import { DtcModel } from './dtc.ts';
import { AccelModel } from './accel.ts';
import { ReeferModel } from './reefer.ts';
import { GpsModel } from './gps.ts';
import { SensorRuntime, type Publication, type SensorInputs } from './sensor-runtime.ts';
import { SIGNALS, isNumericDef, quantise, type SignalName } from './signals.ts';
import type { HookEventType, SensorFault, TruckSpec } from './sensor-spec.ts';
import type { ProvokedAlert } from './provoked.ts';
import { EventScheduler, type HookNotice, type ScenarioEventTruth } from './truck-events.ts';
import { AlertWatcher } from './truck-watch.ts';
import type { ReadingValue } from '../shared/contracts/types.ts';
import { DEFAULT_START_MS, TICK_MS } from './sim-time.ts';

export type { HookNotice, ScenarioEventTruth } from './truck-events.ts';

export { TICK_MS } from './sim-time.ts';

export interface TickOutput {
  publications: Publication[];
  hooks: HookNotice[];
}

export interface TruckTruth {
  vehicle: string;
  trips: Trip[];
  alerts: ProvokedAlert[];
  hooks: { type: HookEventType; from: number; to: number; scenario: string }[];
  events: ScenarioEventTruth[];
  refuels: { t: number; litres: number }[];
  defrosts: { start: number; end: number }[];
  dtcs: { spn: number; fmi: number; lamp: string; since: number; cause: string }[];
  faults: (SensorFault & { sensor: string })[];
}

export interface SensorCredentials {
  sensor: string;
  clientId: string;
  username: string;
  password: string;
  /** The one topic the sensor publishes to (for a broker's ACL). */
  topic: string;
}

export interface Truck {
  readonly spec: TruckSpec;
  readonly vehicle: string;
  /** Simulated time the models have reached. */
  readonly now: number;
  readonly startMs: number;
  readonly motion: Readonly<MotionState>;
  readonly engine: Readonly<EngineModel>;
  readonly reefer: Readonly<ReeferModel> | null;
  readonly dtc: Readonly<DtcModel>;
  readonly accel: Readonly<AccelModel>;
  /** Advances by `dtMs` (TICK_MS; the models assume it) and returns what the sensors sent and which hooks fire. */
  step(dtMs?: number): TickOutput;
  /** A signal's value as its sensor would send it now (quantised, without sensor noise). */
  signal(name: SignalName): ReadingValue;
  credentials(): SensorCredentials[];
  truth(): TruckTruth;
}

/** A driver brakes hard for real about once every 400 km. */
const NATURAL_HARSH_EVERY_M = 400_000;

class SimTruck implements Truck {
  readonly vehicle: string;
  now: number;
  private readonly motionModel: MotionModel;
  readonly engine: EngineModel;
  readonly reefer: ReeferModel | null;
  readonly dtc: DtcModel;
  readonly accel: AccelModel;
  private readonly gps: GpsModel;
  private readonly sensors: SensorRuntime[];
  private readonly noise: Prng;
  private readonly natural: Prng;
  private readonly events: EventScheduler;
  private readonly watcher: AlertWatcher;
  private readonly hookTruth: TruckTruth['hooks'] = [];
  private readonly inputs: SensorInputs;
  private nextNaturalHarshM: number;

  constructor(
    readonly spec: TruckSpec,
    seed: number | string,
    readonly startMs: number,
  ) {
    const root = new Prng(`${String(seed)}:${spec.vehicle}`);
    this.vehicle = spec.vehicle;
    this.now = startMs;
    this.motionModel = new MotionModel(root.fork('motion'), {
      depot: spec.depot,
      massKg: spec.massKg,
      startMs,
      departAfterS: spec.departAfterS,
      deliveriesMin: spec.deliveriesMin,
      deliveriesMax: spec.deliveriesMax,
    });
    this.engine = new EngineModel(root.fork('engine'), {
      massKg: spec.massKg,
      tankL: spec.tankL,
      fuelLevelStartPct: spec.fuelLevelStartPct,
      fuelUsedStartL: spec.fuelUsedStartL,
      odometerStartKm: spec.odometerStartKm,
      engineHoursStart: spec.engineHoursStart,
      idleFuelLph: spec.idleFuelLph,
      ambientC: spec.ambientC,
      wheelFactor: spec.wheelFactor,
    });
    this.dtc = new DtcModel(root.fork('dtc'), startMs, spec.dtcMeanHoursBetween);
    this.accel = new AccelModel(root.fork('accel'));
    this.reefer = spec.reefer ? new ReeferModel(root.fork('reefer'), { ...spec.reefer, ambientC: spec.ambientC }, startMs) : null;
    this.gps = new GpsModel(root.fork('gps'));
    this.noise = root.fork('sensor-noise');
    this.natural = root.fork('natural-events');
    this.nextNaturalHarshM = this.natural.exponential(NATURAL_HARSH_EVERY_M);
    this.sensors = spec.sensors.map((s) => new SensorRuntime(s, spec.vehicle, spec.firmware, root.fork(`sensor:${s.id}`), startMs));
    const models = { motion: this.motionModel, engine: this.engine, dtc: this.dtc, accel: this.accel, reefer: this.reefer };
    this.events = new EventScheduler(spec.events, startMs, models);
    this.watcher = new AlertWatcher(models, this.events);
    const motion = this.motionModel;
    this.inputs = {
      get ignition() {
        return motion.state.ignition;
      },
      read: (sig) => this.read(sig, true),
      fix: () => this.gps.fix(motion.state),
    };
  }

  get motion(): MotionState {
    return this.motionModel.state;
  }

  step(dtMs: number = TICK_MS): TickOutput {
    const t = this.now + dtMs;
    this.now = t;
    const hooks = this.events.apply(t);
    for (const h of hooks) if (h.phase === 'start') this.hookTruth.push({ type: h.type, from: h.from, to: h.to, scenario: h.scenario });
    const before = this.motionModel.state.distanceM;
    const m = this.motionModel.step(dtMs);
    if (m.distanceM >= this.nextNaturalHarshM && before < this.nextNaturalHarshM) {
      if (!this.events.harshBrakePending) this.motionModel.harshBrake(this.natural.range(4.8, 6.5), this.natural.range(0.8, 1.5));
      this.nextNaturalHarshM = m.distanceM + this.natural.exponential(NATURAL_HARSH_EVERY_M);
    }
    this.engine.step(dtMs / 1000, m);
    this.dtc.step(dtMs, t, this.engine.running, this.engine.coolantC);
    this.accel.step(m);
    this.reefer?.step(dtMs / 1000, t, m.doorOpen);
    this.watcher.update(t);
    const publications: Publication[] = [];
    for (const s of this.sensors) for (const p of s.step(t, this.inputs)) publications.push(p);
    return { publications, hooks };
  }

  private read(s: SignalName, noisy: boolean): ReadingValue {
    const e = this.engine;
    const r = this.reefer;
    // Reefer probes carry a little noise of their own; the J1939 values already have theirs in the models.
    const probe = (x: number): number => (noisy ? x + this.noise.normal(0, 0.1) : x);
    switch (s) {
      case 'engine_speed':
        return e.rpm;
      case 'wheel_speed':
        return e.wheelKmh;
      case 'coolant_temp':
        return e.coolantC;
      case 'fuel_level':
        return e.fuelSenderPct;
      case 'fuel_used_total':
        return e.fuelUsedL;
      case 'odometer':
        return e.odometerKm;
      case 'engine_hours':
        return e.engineHours;
      case 'oil_pressure':
        return e.oilKpa;
      case 'battery_voltage':
        return e.batteryV;
      case 'reefer_setpoint':
        return r ? r.setpointC : Number.NaN;
      case 'reefer_supply_temp':
        return r ? probe(r.supplyC) : Number.NaN;
      case 'reefer_return_temp':
        return r ? probe(r.returnC) : Number.NaN;
      case 'reefer_defrost':
        return r ? r.defrost : false;
      case 'cargo_door':
        return this.motion.doorOpen;
      case 'accel_x':
        return this.accel.x;
      case 'accel_y':
        return this.accel.y;
      case 'dm1':
        return this.dtc.dm1();
    }
  }

  signal(name: SignalName): ReadingValue {
    const def = SIGNALS[name];
    const v = this.read(name, false);
    return isNumericDef(def) && typeof v === 'number' ? quantise(def, v) : v;
  }

  credentials(): SensorCredentials[] {
    return this.spec.sensors.map((s) => ({
      sensor: s.id,
      clientId: `${this.vehicle}-${s.id}`,
      username: s.username,
      password: s.password,
      topic: `fleet/${this.vehicle}/${s.id}/${s.kind}`,
    }));
  }

  truth(): TruckTruth {
    return {
      vehicle: this.vehicle,
      trips: structuredClone(this.motionModel.trips),
      alerts: structuredClone(this.watcher.alerts),
      hooks: structuredClone(this.hookTruth),
      events: this.events.truth(),
      refuels: structuredClone(this.engine.refuels),
      defrosts: structuredClone(this.reefer?.defrosts ?? []),
      dtcs: this.dtc.history.map((d) => ({ spn: d.spn, fmi: d.fmi, lamp: d.lamp, since: d.since, cause: d.cause })),
      faults: this.spec.sensors.flatMap((s) => s.faults.map((f) => ({ ...f, sensor: s.id }))),
    };
  }
}

/** Builds a truck from its spec; `startMs` is the simulated time the models start at (the clock's start). */
export function createTruck(spec: TruckSpec, seed: number | string, startMs: number = DEFAULT_START_MS): Truck {
  return new SimTruck(spec, seed, startMs);
}
