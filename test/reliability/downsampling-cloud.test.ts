/**
 * Downsampling from sensor to Silver: a gateway whose uplink is paused fills its journal past the downsampling mark,
 * folds its oldest readings into rollups, and once the uplink resumes, the cloud (embedded hub, real pipeline,
 * real DuckDB file, in this process) has every acknowledged reading either in silver_readings or counted in
 * silver_rollups, nothing quarantined, and sync health showing how many were folded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Sensor, gatewayConfig, killAllGateways, metrics, removeTempDirs, spawnGateway, tempDir, waitDrained, writeConfig } from '../gateway/support.ts';
import { startCloudInProcess, num, type CloudInProcess } from './pipeline-kit.ts';
import { waitFor } from './support.ts';

const GATEWAY = 'gw-fold';
const VEHICLE = 'truck-fold';
const READINGS = 3000;

let cloud: CloudInProcess | undefined;
let sensor: Sensor | undefined;

afterAll(async () => {
  await sensor?.end();
  await killAllGateways();
  await cloud?.close();
  await removeTempDirs();
});

describe('downsampled telemetry in the cloud', () => {
  it('every acknowledged reading is in Silver as itself or counted in a rollup, and sync health shows the fold', { timeout: 120_000 }, async () => {
    cloud = await startCloudInProcess();
    await cloud.hub.registry.add(GATEWAY);
    const cs = await cloud.hub.connectionString(GATEWAY, 'primary', `127.0.0.1:${cloud.hub.port}`);
    const dir = await tempDir('fleetsync-fold-');
    const gw = spawnGateway(
      await writeConfig(
        dir,
        await gatewayConfig(dir, {
          gatewayId: GATEWAY,
          vehicle: VEHICLE,
          uplink: { connectionString: cs, caFile: cloud.hub.caFile, paused: true },
          journal: { capBytes: 128 * 1024, downsampleWindowMs: 1000, downsampleAtPercent: 50 },
        }),
      ),
    );
    await gw.started;
    sensor = new Sensor('s1', VEHICLE, gw.ports.mqtt, { inflight: 20, limit: READINGS, ratePerS: 1500 });
    await sensor.connected();
    sensor.start();
    await sensor.finish();
    expect(sensor.acked.size).toBe(READINGS);

    // The last fold may still be running after the last PUBACK: resume once the count stands still.
    let last = -1;
    await waitFor('downsampling to settle', async () => {
      const now = (await metrics(gw.ports.http)).get('fleetsync_gateway_downsampled{lane="telemetry"}') ?? -1;
      const still = now === last && now > 0;
      last = now;
      return still;
    }, 20_000, 300);
    // Resuming journals a status event: the cloud learns the fold's counts from it.
    const resumed = await cloud.hub.invokeMethod(GATEWAY, 'resumeUplink', null, 10);
    expect(resumed.status).toBe(200);
    await waitDrained(gw.ports.http);
    const status = await cloud.hub.invokeMethod(GATEWAY, 'getStatus', null, 10);
    const downsampled = (status.payload as { lanes: Record<string, { downsampled?: number }> }).lanes.telemetry?.downsampled ?? 0;
    expect(downsampled).toBeGreaterThan(READINGS / 2);

    const c = cloud;
    const where = `vehicle = '${VEHICLE}'`;
    const counts = await waitFor('Silver to hold every acknowledged reading, raw or folded', async () => {
      await c.settle();
      const raw = num(await c.sql(`SELECT count(*) FROM silver_readings WHERE ${where} AND signal = 'seq_probe'`));
      const folded = num(await c.sql(`SELECT coalesce(sum(count + bad), 0) FROM silver_rollups WHERE ${where} AND signal = 'seq_probe'`));
      return raw + folded >= READINGS ? { raw, folded } : undefined;
    }, 60_000, 200);
    expect(counts.raw + counts.folded).toBe(READINGS);
    // downsampled also counts the seqs of rollups merged into later ones.
    expect(counts.folded).toBeLessThanOrEqual(downsampled);
    expect(num(await c.sql(`SELECT count(*) FROM quarantine WHERE ${where}`))).toBe(0);

    // What the rollups say matches the readings they replaced (values 1..READINGS, the raw ones are the rest).
    const rawValues = new Set((await c.sql(`SELECT value_num FROM silver_readings WHERE ${where} AND signal = 'seq_probe'`)).map((r) => Number(r[0])));
    const folded = Array.from({ length: READINGS }, (_, i) => i + 1).filter((v) => !rawValues.has(v));
    const [[min, max, sum]] = (await c.sql(`SELECT min("min"), max("max"), sum(mean * count) FROM silver_rollups WHERE ${where}`)) as [[number, number, number]];
    expect(Number(min)).toBe(Math.min(...folded));
    expect(Number(max)).toBe(Math.max(...folded));
    expect(Number(sum)).toBeCloseTo(folded.reduce((a, v) => a + v, 0), 3);

    // Sync health tells folded from lost.
    const health = await waitFor('sync health with the downsampled count', async () => {
      await c.settle();
      const rows = await c.sql(`SELECT sum(evicted)::DOUBLE, sum(downsampled)::DOUBLE FROM gold_sync_health WHERE ${where}`);
      return Number(rows[0]?.[1] ?? 0) === downsampled ? rows[0] : undefined;
    }, 30_000, 200);
    // Nothing was evicted outright: every evicted seq's data lives on in a rollup.
    expect(Number(health[0])).toBe(downsampled);
    expect(await gw.term()).toBe(0);
  });
});
