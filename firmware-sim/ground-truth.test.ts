import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroundTruthRecorder, readGroundTruth } from './ground-truth.ts';
import { generateFleet, CLEAN_VARIETY } from './fleet.ts';
import { createTruck } from './truck.ts';
import { parseScenario } from './scenario-load.ts';
import { runFor } from './test-kit.ts';

describe('ground truth', () => {
  const fleet = generateFleet({
    trucks: 2,
    seed: 8,
    variety: CLEAN_VARIETY,
    maxDepartAfterS: 60,
    scenarioMix: [parseScenario({ name: 'junk', trucks: 'all', events: [{ type: 'sensor-fault', sensor: 'gps', fault: 'garbage', share: 0.5, at: 0 }] })],
  });

  it('counts per truck, lane and sensor, in every stage', () => {
    const rec = new GroundTruthRecorder({ seed: 8, speedup: 1, startMs: fleet.startMs, scenarios: fleet.scenarios });
    const truck = createTruck(fleet.trucks[0]!, fleet.seed, fleet.startMs);
    rec.addTruck(truck);
    const pubs = runFor(truck, 5);
    let n = 0;
    for (const p of pubs) {
      rec.produced(p);
      // Pretend: every 10th dropped, QoS 1 acked except every 7th, QoS 0 written.
      if (n++ % 10 === 0) rec.dropped(p);
      else {
        rec.sent(p);
        if (p.qos === 1 && n % 7 !== 0) rec.acked(p);
      }
    }
    const gt = rec.snapshot();
    const t = gt.trucks[truck.vehicle]!;
    const telem = pubs.filter((p) => p.lane === 'telemetry');
    expect(t.telemetry.produced.publishes).toBe(telem.length);
    expect(t.telemetry.produced.readings).toBe(telem.reduce((s, p) => s + p.readings, 0));
    expect(t.telemetry.publishes + t.telemetry.dropped.publishes).toBe(telem.length);
    expect(t.telemetry.qos0.publishes).toBe(t.sensors.accel!.telemetry.publishes);
    expect(t.rejects.byAnomaly.garbage).toBe(t.rejects.publishes);
    expect(t.rejects.publishes).toBeGreaterThan(10);
    expect(t.sensors.gps!.rejects.produced).toBe(t.rejects.produced);
    const sumSensors = Object.values(t.sensors).reduce((s, x) => s + x.telemetry.acked.publishes, 0);
    expect(sumSensors).toBe(t.telemetry.acked.publishes);
    expect(gt.telemetry.acked.publishes).toBe(t.telemetry.acked.publishes);
    expect(t.trips.length).toBeGreaterThanOrEqual(1);
    expect(gt.scenarios).toEqual([{ scenario: 'junk', vehicles: ['TRK-0001', 'TRK-0002'] }]);
  });

  it('writes JSON that reads back, and refuses files that are not ground truth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-gt-'));
    try {
      const rec = new GroundTruthRecorder({ seed: 8, speedup: 144, startMs: fleet.startMs, keepLog: true });
      const truck = createTruck(fleet.trucks[1]!, fleet.seed, fleet.startMs);
      rec.addTruck(truck);
      for (const p of runFor(truck, 1)) {
        rec.produced(p);
        rec.sent(p);
      }
      const file = join(dir, 'gt.json');
      const written = await rec.write(file);
      expect(readGroundTruth(file)).toEqual(written);
      expect(rec.log().every((r) => r.state === 'sent')).toBe(true);
      writeFileSync(join(dir, 'other.json'), '{"format":"something-else"}');
      expect(() => readGroundTruth(join(dir, 'other.json'))).toThrow(/\/format: expected 'fleetsync-ground-truth'/);
      expect(() => readGroundTruth(join(dir, 'missing.json'))).toThrow(/not a readable JSON file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
