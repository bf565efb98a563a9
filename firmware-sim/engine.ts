/**
 * The engine and drivetrain as a J1939 bridge sees them: rpm from gear and road speed, fuel from the power the
 * truck needs (idle burns fuel too), odometer and engine hours integrated tick by tick, coolant that warms up
 * under load and cools when parked, oil pressure from rpm and oil temperature, a 24 V electrical system.
 * Values here are true (unquantised); the sensors quantise them to J1939 resolution.
 */
import type { Prng } from './prng.ts';
import type { MotionState } from './motion.ts';

export interface EngineOptions {
  massKg: number;
  tankL: number;
  fuelLevelStartPct: number;
  fuelUsedStartL: number;
  odometerStartKm: number;
  engineHoursStart: number;
  /** Idle consumption, L/h (2-3 for a heavy diesel). */
  idleFuelLph: number;
  ambientC: number;
  /** Wheel speed and odometer read this much more than true distance (tyre size, calibration). */
  wheelFactor: number;
}

/** Road speed per 1000 rpm in each of 12 gears, km/h. */
const GEAR_KMH_PER_1000 = [4.5, 6, 8, 10.5, 13.5, 17, 22, 28, 35, 44, 52, 58];
const IDLE_RPM = 600;
const THERMOSTAT_C = 85;
const MAX_POWER_KW = 330;
/** Brake-specific fuel consumption ~195 g/kWh of diesel at 0.832 kg/L. */
const L_PER_KWH = 0.234;
const G = 9.81;

export interface Overheat {
  peakC: number;
}

export class EngineModel {
  running = false;
  rpm = 0;
  gear = 1;
  coolantC: number;
  oilKpa = 0;
  batteryV = 25.2;
  fuelRateLph = 0;
  fuelUsedL: number;
  fuelInTankL: number;
  /** The level sender's reading: true level plus slosh, damped. */
  fuelSenderPct: number;
  odometerKm: number;
  engineHours: number;
  wheelKmh = 0;
  /** Share of maximum power in use, 0..1. */
  load = 0;
  /** Set by a scenario: coolant heads for `peakC` while the engine runs. */
  overheat: Overheat | null = null;
  /** Litres added at the last refuel, with its time, for the ground truth. */
  readonly refuels: { t: number; litres: number }[] = [];
  private crankUntil = -Infinity;
  private slosh = 0;
  private refuelledThisDwell = false;
  private offSince: number | null = null;

  constructor(
    private readonly rng: Prng,
    private readonly opts: EngineOptions,
  ) {
    this.coolantC = opts.ambientC;
    this.fuelUsedL = opts.fuelUsedStartL;
    this.fuelInTankL = (opts.tankL * opts.fuelLevelStartPct) / 100;
    this.fuelSenderPct = opts.fuelLevelStartPct;
    this.odometerKm = opts.odometerStartKm;
    this.engineHours = opts.engineHoursStart;
  }

  get fuelLevelPct(): number {
    return (this.fuelInTankL / this.opts.tankL) * 100;
  }

  step(dtS: number, m: MotionState): void {
    const o = this.opts;
    const wasRunning = this.running;
    this.running = m.ignition;
    if (this.running && !wasRunning) this.crankUntil = m.t + this.rng.range(800, 1800);
    const v = m.speedMs;

    // Distance: the odometer counts wheel revolutions, so it carries the wheel factor.
    this.odometerKm += (v * dtS * o.wheelFactor) / 1000;
    this.wheelKmh = v > 0 ? Math.max(0, v * 3.6 * o.wheelFactor + this.rng.normal(0, 0.03)) : 0;

    // Power at the wheels: inertia, rolling resistance and aerodynamic drag, through a 92 % driveline.
    const wheelW = (o.massKg * m.accelMs2 + o.massKg * G * 0.006 + 0.5 * 1.2 * 6.0 * v * v) * v;
    const powerKw = Math.min(MAX_POWER_KW, wheelW / 0.92 / 1000);
    this.load = this.running ? Math.max(0, powerKw) / MAX_POWER_KW : 0;

    if (this.running) {
      this.engineHours += dtS / 3600;
      this.rpm = this.engineRpm(v, m.accelMs2, m.t);
      // Overrun: above walking pace with no power demand the injectors shut off.
      const overrun = powerKw <= 0 && v > 3;
      this.fuelRateLph = overrun ? 0 : o.idleFuelLph * (this.rpm / IDLE_RPM) ** 0.5 + Math.max(0, powerKw) * L_PER_KWH;
    } else {
      this.rpm = 0;
      this.fuelRateLph = 0;
      this.gear = 1;
    }
    const burnt = (this.fuelRateLph * dtS) / 3600;
    this.fuelUsedL += burnt;
    this.fuelInTankL = Math.max(0, this.fuelInTankL - burnt);
    this.refuelAtDepot(m);
    this.stepFuelSender(dtS, m);
    this.stepCoolant(dtS);
    this.stepOil();
    this.stepBattery(dtS, m.t);
  }

  private engineRpm(v: number, accel: number, t: number): number {
    if (t < this.crankUntil) return this.rng.range(150, 250);
    const kmh = v * 3.6;
    const cold = this.coolantC < 50 ? 100 : 0;
    const idle = IDLE_RPM + cold + this.rng.normal(0, 4);
    if (kmh < 1) {
      this.gear = 1;
      return idle;
    }
    const rpmIn = (g: number): number => (kmh / (GEAR_KMH_PER_1000[g - 1] ?? 58)) * 1000;
    // Shift up early when cruising, later when pulling away; down when the engine labours.
    const upAt = accel > 0.3 ? 1550 : 1400;
    while (this.gear < GEAR_KMH_PER_1000.length && rpmIn(this.gear) > upAt && rpmIn(this.gear + 1) > 1000) this.gear++;
    while (this.gear > 1 && rpmIn(this.gear) < 950) this.gear--;
    // Clutch slip below the first gear's speed keeps the engine above idle.
    return Math.max(idle + 150 * Math.min(1, kmh / 3), rpmIn(this.gear)) + this.rng.normal(0, 3);
  }

  private stepCoolant(dtS: number): void {
    const amb = this.opts.ambientC;
    if (!this.running) {
      // A heavy block cools slowly: time constant about 45 minutes.
      this.coolantC += ((amb - this.coolantC) * dtS) / 2700;
      return;
    }
    const target = this.overheat ? this.overheat.peakC : THERMOSTAT_C + 8 * this.load + (amb - 15) * 0.1;
    const heatRate = 0.06 + 0.25 * this.load + (this.overheat ? 0.12 : 0);
    if (this.coolantC < target) {
      // Warming up: heat input limited by load; close to target the thermostat takes over smoothly.
      this.coolantC = Math.min(target, this.coolantC + Math.min(heatRate * dtS, ((target - this.coolantC) * dtS) / 30 + 0.001));
    } else {
      this.coolantC += ((target - this.coolantC) * dtS) / 90;
    }
  }

  private stepOil(): void {
    if (!this.running || this.rpm < 400) {
      this.oilKpa = this.running ? this.rpm * 0.3 : 0;
      return;
    }
    const cold = Math.max(0, 80 - this.coolantC) * 1.5;
    const thin = Math.max(0, this.coolantC - 95) * 3;
    this.oilKpa = Math.max(40, 100 + 0.2 * this.rpm + cold - thin + this.rng.normal(0, 3));
  }

  private stepBattery(dtS: number, t: number): void {
    if (this.running) this.offSince = null;
    else this.offSince ??= t;
    let target: number;
    if (this.running && t < this.crankUntil) {
      this.batteryV = 20.5 + this.rng.normal(0, 0.3);
      return;
    } else if (this.running) {
      target = 28.0 + 0.2 * this.load;
    } else {
      // Resting voltage of two 12 V lead-acid batteries in series, drained slowly by the telematics.
      const hoursOff = (t - (this.offSince ?? t)) / 3_600_000;
      target = Math.max(24.4, 25.3 - 0.02 * hoursOff);
    }
    this.batteryV += (target - this.batteryV) * Math.min(1, dtS / (this.running ? 5 : 300)) + this.rng.normal(0, 0.005);
  }

  private stepFuelSender(dtS: number, m: MotionState): void {
    // Slosh: mean-reverting, stirred by acceleration and cornering.
    const stir = Math.abs(m.accelMs2) + Math.abs(m.lateralMs2);
    this.slosh += -this.slosh * (dtS / 5) + this.rng.normal(0, 0.08 + 0.4 * stir) * Math.sqrt(dtS);
    const reading = this.fuelLevelPct + this.slosh;
    // Senders damp heavily (about 20 s), otherwise every corner would read as a theft.
    this.fuelSenderPct += (reading - this.fuelSenderPct) * Math.min(1, dtS / 20);
  }

  private refuelAtDepot(m: MotionState): void {
    if (m.activity !== 'depot') {
      this.refuelledThisDwell = false;
      return;
    }
    if (this.refuelledThisDwell || m.ignition || this.fuelLevelPct > 40) return;
    this.refuelledThisDwell = true;
    const litres = this.opts.tankL * this.rng.range(0.95, 1) - this.fuelInTankL;
    this.fuelInTankL += litres;
    this.fuelSenderPct = this.fuelLevelPct;
    this.refuels.push({ t: m.t, litres });
  }
}
