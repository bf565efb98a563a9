import { describe, it, expect } from 'vitest';
import { SensorRuntime, type SensorInputs, type Publication } from './sensor-runtime.ts';
import type { SensorFault, SensorSpec } from './sensor-spec.ts';
import { Prng } from './prng.ts';
import { decodePublication } from './test-kit.ts';
import type { SignalName } from './signals.ts';
import type { GpsFix } from './gps.ts';

const START = Date.UTC(2025, 2, 3, 5, 0);

function spec(over: Partial<SensorSpec> = {}): SensorSpec {
  return {
    id: 'ecu',
    role: 'ecu',
    kind: 'reading',
    username: 'T-ecu',
    password: 'x',
    periodMs: 1000,
    parkedPeriodMs: null,
    signals: [
      { signal: 'coolant_temp', every: 1 },
      { signal: 'engine_speed', every: 1 },
    ],
    onChange: false,
    heartbeatMs: 0,
    qos: 1,
    format: 'msgpack',
    batch: 1,
    includeIds: false,
    faults: [],
    ...over,
  };
}

/** A truck stand-in whose coolant climbs one degree per second and whose ignition can be switched. */
function inputs(state = { ignition: true }): SensorInputs & { t: number } {
  const self = {
    t: START,
    get ignition() {
      return state.ignition;
    },
    read(s: SignalName) {
      if (s === 'coolant_temp') return 20 + (self.t - START) / 1000;
      if (s === 'engine_speed') return 612.3;
      if (s === 'cargo_door') return Math.floor((self.t - START) / 10_000) % 2 === 1;
      return 0;
    },
    fix(): GpsFix {
      return { lat: 51.9, lon: 4.46, speedKmh: 50, heading: 90, altitude: 2, hdop: 0.9, satellites: 9 };
    },
  };
  return self;
}

function run(s: SensorSpec, seconds: number, firmware: 1 | 2 = 2, state = { ignition: true }): Publication[] {
  const rt = new SensorRuntime(s, 'TRK-0001', firmware, new Prng(1), START);
  const inp = inputs(state);
  const out: Publication[] = [];
  for (let i = 1; i <= seconds * 10; i++) {
    inp.t = START + i * 100;
    out.push(...rt.step(inp.t, inp));
  }
  return out;
}

const fault = (f: SensorFault): Partial<SensorSpec> => ({ faults: [f] });

describe('sensor runtime', () => {
  it('speaks v1 (ts, no v) and v2 (v: 2, sensorTime, quality, spn) on its own topic', () => {
    const v1 = run(spec({ format: 'json', includeIds: true }), 3, 1);
    const v2 = run(spec(), 3, 2);
    expect(v1[0]!.topic).toBe('fleet/TRK-0001/ecu/reading');
    const b1 = JSON.parse(Buffer.from(v1[0]!.payload).toString('utf8')) as Record<string, unknown>[];
    expect(b1[0]).toEqual({ vehicle: 'TRK-0001', sensor: 'ecu', signal: 'coolant_temp', value: expect.any(Number), unit: 'C', ts: expect.any(Number) });
    const d2 = decodePublication(v2[0]!);
    expect(d2.rejected).toEqual([]);
    expect(d2.accepted[1]!.body).toMatchObject({ v: 2, signal: 'engine_speed', value: 612.25, unit: 'rpm', quality: 'good', spn: 190 });
  });

  it('batches samples into arrays of at most 100 items and sends a single object for one item', () => {
    const single = run(spec({ signals: [{ signal: 'coolant_temp', every: 1 }], format: 'json' }), 3);
    expect(Buffer.from(single[0]!.payload).toString()[0]).toBe('{');
    const big = run(spec({ periodMs: 100, batch: 80 }), 30);
    for (const p of big) expect(p.readings).toBeLessThanOrEqual(100);
    expect(big.reduce((s, p) => s + p.readings, 0)).toBeGreaterThanOrEqual(480);
  });

  it('sends every n-th sample of slow signals and stays silent while parked when it has no parked rate', () => {
    const pubs = run(spec({ signals: [{ signal: 'coolant_temp', every: 1 }, { signal: 'engine_speed', every: 5 }] }), 20);
    expect(pubs.reduce((s, p) => s + p.readings, 0)).toBe(20 + 4);
    expect(run(spec(), 20, 2, { ignition: false })).toEqual([]);
  });

  it('reports on change plus a heartbeat', () => {
    const pubs = run(spec({ signals: [{ signal: 'cargo_door', every: 1 }], onChange: true, heartbeatMs: 60_000, format: 'json' }), 50);
    // The door toggles every 10 s: five changes plus the first report.
    expect(pubs.length).toBe(5);
  });

  it('garbage: the payloads are undecodable and count as rejects, not telemetry', () => {
    for (const format of ['json', 'msgpack'] as const) {
      const pubs = run(spec({ format, ...fault({ kind: 'garbage', share: 1 }) }), 10);
      expect(pubs.length).toBe(10);
      for (const p of pubs) {
        expect(p).toMatchObject({ lane: 'rejects', anomaly: 'garbage', readings: 0 });
        const d = decodePublication(p);
        expect(d.accepted).toEqual([]);
        expect(d.rejected.map((r) => r.code)[0]).toMatch(/^bad-(json|msgpack)$/);
      }
    }
  });

  it('nan: msgpack carries NaN, each alone, and the decoder rejects it; JSON turns it into null', () => {
    const pubs = run(spec({ ...fault({ kind: 'nan', share: 1 }) }), 5);
    expect(pubs.length).toBe(10);
    for (const p of pubs) {
      expect(p).toMatchObject({ lane: 'rejects', anomaly: 'nan' });
      const d = decodePublication(p);
      expect(d.accepted).toEqual([]);
      expect(d.rejected).toHaveLength(1);
    }
    const json = run(spec({ format: 'json', ...fault({ kind: 'nan', share: 1 }) }), 2);
    expect(Buffer.from(json[0]!.payload).toString()).toContain('"value":null');
    expect(json[0]!.anomaly).toBe('wrong-type');
  });

  it('wrong-type: each bad item goes alone and is rejected; the good ones still arrive', () => {
    const pubs = run(spec({ batch: 5, ...fault({ kind: 'wrong-type', share: 0.3 }) }), 60);
    const bad = pubs.filter((p) => p.lane === 'rejects');
    const good = pubs.filter((p) => p.lane === 'telemetry');
    expect(bad.length).toBeGreaterThan(10);
    expect(good.reduce((s, p) => s + p.readings, 0) + bad.length).toBe(120);
    for (const p of bad) expect(decodePublication(p)).toMatchObject({ accepted: [], rejected: [expect.objectContaining({ code: 'invalid' })] });
    for (const p of good) expect(decodePublication(p).rejected).toEqual([]);
  });

  it('clock-skew shifts the timestamps; stuck freezes the values inside its window only', () => {
    const skewed = run(spec({ ...fault({ kind: 'clock-skew', skewMs: -7_200_000 }) }), 3);
    const item = decodePublication(skewed[0]!).accepted[0]!.body as { sensorTime: number };
    expect(skewed[0]!.t - item.sensorTime).toBe(7_200_000);
    const stuck = run(spec({ signals: [{ signal: 'coolant_temp', every: 1 }], ...fault({ kind: 'stuck', fromMs: 5000, toMs: 15_000 }) }), 20);
    const values = stuck.map((p) => (decodePublication(p).accepted[0]!.body as { value: number }).value);
    expect(new Set(values.slice(5, 15)).size).toBe(1);
    expect(values[16]!).toBeGreaterThan(values[14]!);
  });

  it('flood: samples at the flood rate, one publish each, inside the window', () => {
    const pubs = run(spec({ ...fault({ kind: 'flood', rateHz: 50, fromMs: 2000, toMs: 4000 }) }), 6);
    const flood = pubs.filter((p) => p.flood);
    // 50 Hz for 2 s, give or take the tick the window opens and closes on.
    expect(flood.length).toBeGreaterThanOrEqual(95);
    expect(flood.length).toBeLessThanOrEqual(101);
    expect(pubs.length - flood.length).toBeLessThanOrEqual(5);
    const times = new Set(flood.map((p) => p.t));
    expect(times.size).toBe(flood.length);
  });
});
