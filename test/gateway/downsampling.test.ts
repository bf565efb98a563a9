/**
 * Downsampling with the hub down: a gateway whose journal passes its mark folds its oldest telemetry into rollups
 * instead of losing it, and once the hub is back every acknowledged reading reached it either as itself or inside a
 * rollup, with counts that add up in /metrics, getStatus and the twin. Real gateway process, real LevelDB, the real
 * Azure SDK against the embedded hub.
 */
import { describe, expect, it } from 'vitest';
import type { ReadingV2, RollupV2 } from '../../shared/contracts/types.ts';
import { validateRollup } from '../../shared/contracts/validate.ts';
import { auditLane } from './checks.ts';
import { gatewayConfig, metrics, Sensor, spawnGateway, tempDir, useTestHub, waitDrained, waitFor, writeConfig } from './support.ts';

const CAP = 128 * 1024;
const READINGS = 3000;

const { hub, sensors } = useTestHub();

describe('journal downsampling with the hub down', () => {
  it('folds old readings into rollups, and raw + folded = acknowledged once the hub is back', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const cs = await hub.connectionString('gw-ds');
    await hub.stop();
    const file = await writeConfig(
      dir,
      await gatewayConfig(dir, {
        gatewayId: 'gw-ds',
        uplink: { connectionString: cs, caFile: hub.caFile },
        journal: { capBytes: CAP, evictionSlackBytes: 4096, downsampleWindowMs: 1000, downsampleAtPercent: 50 },
      }),
    );
    const gw = spawnGateway(file);
    await gw.started;
    const load = new Sensor('s1', 'truck-1', gw.ports.mqtt, { inflight: 20, limit: READINGS, ratePerS: 1500 });
    sensors.push(load);
    await load.connected();
    load.start();
    await load.finish();
    expect(load.acked.size).toBe(READINGS);

    const offline = await metrics(gw.ports.http);
    const downsampled = offline.get('fleetsync_gateway_downsampled{lane="telemetry"}')!;
    const evicted = offline.get('fleetsync_gateway_evictions{lane="telemetry"}')!;
    expect(downsampled).toBeGreaterThan(READINGS / 2);
    // The fold keeps up with this load: nothing was evicted outright (evicted - downsampled is what is lost).
    expect(evicted).toBe(downsampled);

    await hub.restart();
    await waitDrained(gw.ports.http);
    const status = await hub.hub.invokeMethod('gw-ds', 'getStatus', null, 10);
    const lanes = (status.payload as { lanes: Record<string, { lastAckedSeq: number; downsampled?: number }> }).lanes;
    expect(lanes.telemetry!.downsampled).toBe(downsampled);
    await waitFor('twin reported the downsampled count', async () => {
      const sync = ((await hub.hub.getTwin('gw-ds')).reported as { sync?: { lanes?: Record<string, { downsampled?: number }> } }).sync;
      return sync?.lanes?.telemetry?.downsampled === downsampled;
    });
    expect(await gw.term()).toBe(0);

    // Seqs still add up: what the hub got + what was evicted (folded) = every seq the lane used, rollups included.
    const a = auditLane(hub.sink.batches, 'telemetry', gw.bootId.split(':')[0]!);
    expect(a.distinct + evicted).toBe(lanes.telemetry!.lastAckedSeq);

    const raw = a.events.flatMap((e) => (e.kind === 'reading' ? [(e.body as ReadingV2).value as number] : []));
    const rollups = a.events.flatMap((e) => (e.kind === 'rollup' ? [e.body as RollupV2] : []));
    expect(rollups.length).toBeGreaterThan(0);
    for (const r of rollups) expect(validateRollup(r).ok, JSON.stringify(r)).toBe(true);
    const folded = rollups.reduce((n, r) => n + r.count + r.bad, 0);
    // downsampled also counts the seqs of rollups merged into later ones.
    expect(folded).toBeLessThanOrEqual(downsampled);
    // Every acknowledged reading (values 1..READINGS) is there as itself or inside a rollup, never both.
    expect(new Set(raw).size).toBe(raw.length);
    expect(raw.length + folded).toBe(READINGS);
    const rawSet = new Set(raw);
    const foldedValues = Array.from({ length: READINGS }, (_, i) => i + 1).filter((v) => !rawSet.has(v));
    expect(Math.min(...rollups.map((r) => r.min!))).toBe(Math.min(...foldedValues));
    expect(Math.max(...rollups.map((r) => r.max!))).toBe(Math.max(...foldedValues));
    const sum = rollups.reduce((n, r) => n + r.mean! * r.count, 0);
    expect(sum).toBeCloseTo(foldedValues.reduce((n, v) => n + v, 0), 3);
    // Oldest first: the readings left raw are the newest ones.
    expect(Math.min(...raw)).toBeGreaterThan(Math.max(...foldedValues) - 2000);
    console.log(`downsampling test: ${READINGS} readings acknowledged, ${folded} folded into ${rollups.length} rollups (${downsampled} seqs evicted as downsampled), ${raw.length} sent as they were`);
  });
});
