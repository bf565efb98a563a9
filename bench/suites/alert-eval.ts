/**
 * Alert rule evaluation cost: microseconds per reading through the alert engine with the default refrigerated-truck
 * rule set and with 100 rules, against the same loop through an engine with zero rules (parsing-free: ordering
 * checks and state updates only). Also the cost of one tick (time-based rules). The stream is generated here,
 * deterministically: one truck driving, ~26 readings per second of truck time.
 */
import { mulberry32 as prng } from '../../test/support/mulberry32.ts';
import type { PositionV2, ReadingV2 } from '../../shared/contracts/types.ts';
import type { BenchRow, BenchSuite } from '../harness.ts';
import { createAlertEngine, loadDefaultRules, validateRuleSet, type RuleSet } from '../../edge/alerts/index.ts';

type Input = { r: ReadingV2 | PositionV2; rt: number };


const VEHICLE = 'TRK-0042';
const DEPOT = { lat: 51.9045, lon: 4.46 };

/**
 * Accelerometer at 10 Hz; engine speed, wheel speed, coolant, DM1 and GPS at 1 Hz; fuel, oil pressure and battery
 * every 10 s; reefer every 30 s; cargo door every 60 s. Mostly normal values with a few excursions, so rules do work
 * (pending durations, hysteresis, raises and clears) without a storm.
 */
export function generateStream(seconds: number, seed = 42): Input[] {
  const rnd = prng(seed);
  const out: Input[] = [];
  const t0 = Date.UTC(2025, 2, 10, 4, 0, 0);
  let lat = DEPOT.lat;
  let lon = DEPOT.lon;
  let speed = 0;
  let target = 80;
  let coolant = 85;
  let fuel = 80;
  const reading = (t: number, signal: string, value: number | boolean | string, unit: string, sensor = 'j1939'): void => {
    out.push({
      r: { v: 2, vehicle: VEHICLE, sensor, signal, value, unit, sensorTime: t, quality: 'good' },
      rt: t + 3,
    });
  };
  for (let s = 0; s < seconds; s++) {
    const t = t0 + s * 1000;
    if (rnd() < 0.005) target = [0, 30, 60, 85, 95][Math.floor(rnd() * 5)]!;
    speed = Math.max(0, speed + Math.max(-3, Math.min(1.5, (target - speed) * 0.1)));
    lat += (speed / 3600 / 111.2) * 0.7;
    lon += (speed / 3600 / 68.7) * 0.7;
    coolant += (rnd() - 0.5) * 0.8 + (coolant < 88 ? 0.2 : coolant > 108 ? -0.3 : 0);
    fuel -= speed * 0.000_05;
    for (let k = 0; k < 10; k++) {
      const tk = t + k * 100;
      const burst = rnd() < 0.002 ? 5 : 0;
      reading(tk, 'accel_x', (rnd() - 0.5) * 1.5 - burst, 'm/s2', 'imu');
      reading(tk, 'accel_y', (rnd() - 0.5) * 1.5, 'm/s2', 'imu');
    }
    const pos: PositionV2 = { v: 2, vehicle: VEHICLE, sensor: 'gps', lat, lon, sensorTime: t, speedKmh: speed, hdop: 0.9 };
    out.push({ r: pos, rt: t + 3 });
    reading(t, 'engine_speed', speed > 0 ? 1100 + speed * 5 : 650, 'rpm');
    reading(t, 'wheel_speed', Math.round(speed * 256) / 256, 'km/h');
    reading(t, 'coolant_temp', Math.round(coolant), 'C');
    reading(t, 'dm1', s % 900 < 60 ? '110:0:amber:1' : '', '');
    if (s % 10 === 0) {
      reading(t, 'fuel_level', Math.round(fuel / 0.4) * 0.4, '%');
      reading(t, 'oil_pressure', 280 + rnd() * 40, 'kPa');
      reading(t, 'battery_voltage', 27.6 + (rnd() - 0.5) * 0.4, 'V');
    }
    if (s % 30 === 0) {
      reading(t, 'reefer_setpoint', 4, 'C', 'reefer');
      reading(t, 'reefer_supply_temp', 4 + (rnd() - 0.5) * 2, 'C', 'reefer');
      reading(t, 'reefer_return_temp', 5 + (rnd() - 0.5) * 2, 'C', 'reefer');
      reading(t, 'reefer_defrost', s % 21_600 < 1800, '', 'reefer');
    }
    if (s % 60 === 0) reading(t, 'cargo_door', false, '', 'door');
  }
  return out;
}

/** 100 rules of every type over the stream's signals (plus the default set's geofences). */
export function hundredRules(): RuleSet {
  const base = loadDefaultRules();
  const rules: unknown[] = [];
  const numeric = ['coolant_temp', 'engine_speed', 'wheel_speed', 'oil_pressure', 'battery_voltage', 'fuel_level', 'accel_x', 'accel_y'];
  for (let i = 0; i < 40; i++) {
    const signal = numeric[i % numeric.length]!;
    rules.push({ id: `thr${i}`, type: 'threshold', signal, threshold: 50 + i, clear: 45 + i, forS: i % 4 === 0 ? 0 : 10 });
  }
  for (let i = 0; i < 10; i++)
    rules.push({ id: `rng${i}`, type: 'range', signals: ['reefer_supply_temp', 'reefer_return_temp'], tolerance: 2 + i / 2, suspendSignal: 'reefer_defrost' });
  for (let i = 0; i < 10; i++)
    rules.push({ id: `rate${i}`, type: 'rate', signal: i % 2 ? 'fuel_level' : 'coolant_temp', delta: 3 + i, windowS: 300 + 60 * i, when: { signal: 'wheel_speed', op: '<=', value: 1 } });
  for (let i = 0; i < 10; i++)
    rules.push({ id: `harsh${i}`, type: 'harsh', kind: (['accel', 'brake', 'corner'] as const)[i % 3], threshold: 3.5 + i / 5 });
  for (let i = 0; i < 10; i++)
    rules.push({ id: `speed${i}`, type: 'overspeed', limitKmh: 80 + i, zones: [{ geofence: 'depot', limitKmh: 20 + i }] });
  for (let i = 0; i < 5; i++) rules.push({ id: `fence${i}`, type: 'geofence', geofence: i % 2 ? 'depot' : 'loading_bays', event: i % 2 ? 'enter' : 'exit' });
  for (let i = 0; i < 5; i++) rules.push({ id: `quiet${i}`, type: 'silence', signal: numeric[i]!, afterS: 60 + i });
  for (let i = 0; i < 5; i++)
    rules.push({
      id: `comp${i}`,
      type: 'composite',
      condition: { all: [{ signal: 'cargo_door', op: '==', value: true }, { signal: 'wheel_speed', op: '>', value: 5 + i }] },
    });
  for (let i = 0; i < 3; i++) rules.push({ id: `dtc${i}`, type: 'dtc', lamps: i === 0 ? ['red'] : ['amber', 'red'] });
  for (let i = 0; i < 2; i++) rules.push({ id: `idle${i}`, type: 'idle', forS: 300 * (i + 1) });
  const res = validateRuleSet({ version: 1, geofences: base.geofences, rules });
  if (!res.ok) throw new Error(res.errors.join('\n'));
  return res.rules;
}

interface Measure {
  usPerReading: number;
  usPerTick: number;
  alerts: number;
}

/** One pass over the stream on a fresh engine: onReading for every input, a tick per second of truck time. */
function pass(rules: RuleSet, stream: Input[]): Measure {
  const engine = createAlertEngine(rules, { vehicles: [VEHICLE] });
  let alerts = 0;
  let readingNs = 0n;
  let tickNs = 0n;
  let ticks = 0;
  let nextTick = stream[0]!.rt + 1000;
  // Chunks of readings between ticks, timed separately so tick cost does not blur the per-reading figure.
  let i = 0;
  while (i < stream.length) {
    const start = process.hrtime.bigint();
    while (i < stream.length && stream[i]!.rt < nextTick) {
      const x = stream[i++]!;
      alerts += engine.onReading(x.r, x.rt).length;
    }
    const mid = process.hrtime.bigint();
    alerts += engine.tick(nextTick).length;
    const end = process.hrtime.bigint();
    readingNs += mid - start;
    tickNs += end - mid;
    ticks++;
    nextTick += 1000;
  }
  return { usPerReading: Number(readingNs) / 1000 / stream.length, usPerTick: Number(tickNs) / 1000 / ticks, alerts };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const alertEvalSuite: BenchSuite = {
  name: 'alert-eval',
  async run({ quick }): Promise<BenchRow[]> {
    const stream = generateStream(quick ? 1200 : 3600);
    const none: RuleSet = { version: 1, geofences: [], rules: [] };
    const defaults = loadDefaultRules();
    const hundred = hundredRules();
    const configs = [none, defaults, hundred];
    // Warm up every configuration (the JIT needs a few passes), then interleave rounds so machine noise hits all
    // three alike.
    for (let w = 0; w < 3; w++) for (const c of configs) pass(c, stream);
    const rounds = quick ? 3 : 5;
    const results: Measure[][] = [[], [], []];
    for (let r = 0; r < rounds; r++) configs.forEach((c, k) => results[k]!.push(pass(c, stream)));
    const med = (k: number, f: (m: Measure) => number): number => median(results[k]!.map(f));
    const base = med(0, (m) => m.usPerReading);
    const group = 'Alert engine';
    const n = stream.length.toLocaleString('en-US');
    return [
      {
        group,
        name: `alert eval: µs per reading, default rules (${defaults.rules.length})`,
        value: med(1, (m) => m.usPerReading),
        unit: 'µs',
        baseline: { name: 'zero rules', value: base },
        higherIsBetter: false,
        note: `${n} readings (${quick ? 20 : 60} min of one truck, ~26/s); ${results[1]![0]!.alerts} alert messages per pass; median of ${rounds} interleaved passes.`,
      },
      {
        group,
        name: `alert eval: µs per reading, ${hundred.rules.length} rules`,
        value: med(2, (m) => m.usPerReading),
        unit: 'µs',
        baseline: { name: 'zero rules', value: base },
        higherIsBetter: false,
        note: `all ten rule types; ${results[2]![0]!.alerts} alert messages per pass.`,
      },
      {
        group,
        name: 'alert tick: µs per tick, default rules',
        value: med(1, (m) => m.usPerTick),
        unit: 'µs',
        baseline: { name: 'zero rules', value: med(0, (m) => m.usPerTick) },
        higherIsBetter: false,
      },
      {
        group,
        name: `alert tick: µs per tick, ${hundred.rules.length} rules`,
        value: med(2, (m) => m.usPerTick),
        unit: 'µs',
        baseline: { name: 'zero rules', value: med(0, (m) => m.usPerTick) },
        higherIsBetter: false,
      },
    ];
  },
};
