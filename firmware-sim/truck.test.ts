import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { generateFleet, CLEAN_VARIETY } from './fleet.ts';
import { createTruck } from './truck.ts';
import { SIGNALS, isNumericDef, type SignalName } from './signals.ts';
import { decodePublication, readingsOf, runFor } from './test-kit.ts';
import type { Publication } from './sensor-runtime.ts';

const fleet = generateFleet({ trucks: 4, seed: 42, variety: { ...CLEAN_VARIETY, reeferShare: 1 }, maxDepartAfterS: 120 });

function digest(pubs: readonly Publication[]): string {
  const h = createHash('sha256');
  for (const p of pubs) h.update(p.topic).update(String(p.t)).update(p.payload);
  return h.digest('hex');
}

describe('truck model', () => {
  it('is deterministic: same spec and seed give the same bytes; another seed does not', () => {
    const spec = fleet.trucks[0]!;
    const a = runFor(createTruck(spec, 42, fleet.startMs), 20);
    const b = runFor(createTruck(spec, 42, fleet.startMs), 20);
    const c = runFor(createTruck(spec, 43, fleet.startMs), 20);
    expect(a.length).toBeGreaterThan(1000);
    expect(digest(b)).toBe(digest(a));
    expect(digest(c)).not.toBe(digest(a));
  });

  // Two simulated hours of two trucks, decoded the way a gateway decodes them.
  const runs = fleet.trucks.slice(0, 2).map((spec) => {
    const truck = createTruck(spec, fleet.seed, fleet.startMs);
    const model: { t: number; speed: number; running: boolean; fuelUsed: number; coolant: number }[] = [];
    const pubs = runFor(truck, 120, (tr) =>
      model.push({ t: tr.now, speed: tr.motion.speedMs, running: tr.engine.running, fuelUsed: tr.engine.fuelUsedL, coolant: tr.engine.coolantC }),
    );
    return { spec, truck, pubs, model };
  });

  it('sends only payloads the shared decoder accepts, every numeric value at its J1939 resolution and in range', () => {
    // Plain checks collected into one list: an expect() per reading would dominate the run time.
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const { pubs } of runs) {
      for (const p of pubs) {
        const { accepted, rejected } = decodePublication(p);
        if (rejected.length) problems.push(`${p.topic}: ${rejected[0]!.reason}`);
        if (accepted.length !== p.readings + p.positions) problems.push(`${p.topic}: ${accepted.length} items, counted ${p.readings + p.positions}`);
        for (const item of accepted) {
          if (item.kind === 'position') {
            // The Randstad and its surroundings.
            const { lat, lon } = item.body;
            if (!(lat > 51.4 && lat < 52.6 && lon > 4.1 && lon < 5.6)) problems.push(`position ${lat},${lon}`);
            continue;
          }
          const { signal, value, unit } = item.body;
          const def = SIGNALS[signal as SignalName];
          if (!def) {
            problems.push(`unknown signal ${signal}`);
            continue;
          }
          seen.add(signal);
          if (unit !== def.unit) problems.push(`${signal} unit ${unit}`);
          if (!isNumericDef(def)) continue;
          const v = value as number;
          const steps = (v - def.offset) / def.resolution;
          if (v < def.min || v > def.max) problems.push(`${signal}=${v} out of range`);
          if (Math.abs(steps - Math.round(steps)) > 1e-6) problems.push(`${signal}=${v} not a multiple of ${def.resolution}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect([...seen].sort()).toEqual(Object.keys(SIGNALS).sort());
  });

  it('keeps its counters coherent: odometer, fuel used and engine hours never go back', () => {
    for (const { pubs } of runs) {
      for (const signal of ['odometer', 'fuel_used_total', 'engine_hours']) {
        const rs = readingsOf(pubs, signal).sort((a, b) => a.t - b.t);
        expect(rs.length).toBeGreaterThan(10);
        for (let i = 1; i < rs.length; i++) expect(rs[i]!.value as number).toBeGreaterThanOrEqual(rs[i - 1]!.value as number);
        expect(rs[rs.length - 1]!.value as number).toBeGreaterThan(rs[0]!.value as number);
      }
    }
  });

  it('integrates distance: the odometer moves by the trips driven, times the wheel calibration', () => {
    for (const { spec, truck } of runs) {
      const tripsKm = truck.truth().trips.reduce((s, t) => s + t.distanceM, 0) / 1000;
      expect(tripsKm).toBeGreaterThan(5);
      const odoKm = truck.engine.odometerKm - spec.odometerStartKm;
      expect(Math.abs(odoKm - tripsKm * spec.wheelFactor) / odoKm).toBeLessThan(1e-4);
    }
  });

  it('burns fuel while idling and warms the coolant up from ambient', () => {
    for (const { spec, model } of runs) {
      const idle = model.filter((s) => s.running && s.speed === 0);
      expect(idle.length).toBeGreaterThan(600);
      // Across every idle tick the counter moved, by about the idle rate.
      let burnt = 0;
      for (let i = 1; i < model.length; i++) if (model[i]!.running && model[i]!.speed === 0) burnt += model[i]!.fuelUsed - model[i - 1]!.fuelUsed;
      const idleHours = (idle.length * 0.1) / 3600;
      expect(burnt / idleHours).toBeGreaterThan(spec.idleFuelLph * 0.9);
      expect(burnt / idleHours).toBeLessThan(spec.idleFuelLph * 1.6);
      expect(model[0]!.coolant).toBeLessThan(spec.ambientC + 1);
      expect(Math.max(...model.map((s) => s.coolant))).toBeGreaterThan(80);
      expect(Math.max(...model.map((s) => s.coolant))).toBeLessThan(100);
    }
  });

  it('records trips from depot to stops, each with a real start, end and distance', () => {
    for (const { spec, truck } of runs) {
      const trips = truck.truth().trips.filter((t) => t.endMs !== null);
      expect(trips.length).toBeGreaterThan(1);
      expect(trips[0]!.from).toBe(spec.depot);
      for (const t of trips) {
        expect(t.endMs!).toBeGreaterThan(t.startMs);
        expect(t.distanceM).toBeGreaterThan(500);
        const avgKmh = t.distanceM / 1000 / ((t.endMs! - t.startMs) / 3_600_000);
        expect(avgKmh).toBeGreaterThan(10);
        expect(avgKmh).toBeLessThan(80);
      }
    }
  });

  it('stamps readings with simulated time, in whole milliseconds, v2 with quality', () => {
    const problems: string[] = [];
    for (const { pubs } of runs) {
      for (const p of pubs.slice(0, 3000)) {
        for (const item of decodePublication(p).accepted) {
          const t = item.body.v === 2 ? item.body.sensorTime : item.body.ts;
          if (!Number.isInteger(t) || t > p.t || t < p.t - 60_000) problems.push(`${p.topic}: time ${t} sent at ${p.t}`);
          if (item.kind === 'reading' && item.body.v === 2 && item.body.quality !== 'good') problems.push(`quality ${item.body.quality}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});
