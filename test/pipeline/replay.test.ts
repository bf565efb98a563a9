/**
 * Replay rebuilds Silver and Gold from Bronze alone, byte for byte: canonical digests of every table (all columns,
 * ingest times and lineage included) are equal before and after, here also across a restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { DEVICE, FakeGateway, hubMessage, reading, tempDir, VEHICLE } from './fixtures.ts';
import { fleetDays } from './fleet-days.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('replay', () => {
  it('reproduces byte-identical Silver and Gold, and the same export files', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const target = new LocalExportTarget(`${dir}/export`);
    let p = await openPipeline({ dataDir: `${dir}/data`, exportTarget: target });
    const shipments = fleetDays(2, 2);
    for (let i = 0; i < shipments.length; i++) {
      const s = shipments[i]!;
      await p.sink.accept(hubMessage(s.device, s.body, s.onTime));
      // Redeliveries and live processing in between, as in production.
      if (i % 5 === 0) await p.sink.accept(hubMessage(s.device, s.body, s.onTime + 10_000));
      if (i % 4 === 0) await p.processPending();
    }
    // Bad data and a duplicate-only batch too.
    const gw = new FakeGateway(DEVICE, VEHICLE, 'EPOCH-Q');
    const t = Date.UTC(2024, 2, 4, 9);
    const events = gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 'x', 'rpm', t), reading(VEHICLE, 'engine_speed', 900, 'rpm', t + 1000)]);
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events), t + 5000));
    await p.sink.accept(hubMessage(DEVICE, gw.batch('telemetry', events.slice(1)), t + 6000));
    await p.sink.accept(hubMessage(DEVICE, new Uint8Array([1, 2, 3]), t + 7000));
    await p.processPending();
    await p.exportNow();
    const before = await p.digest();
    const filesBefore = await target.list('');
    expect(before.silver_readings!.rows).toBeGreaterThan(100);
    expect(before.quarantine!.rows).toBe(2);
    await p.close();

    p = await openPipeline({ dataDir: `${dir}/data`, exportTarget: target });
    try {
      const r = await p.replay();
      expect(r.silver.batches).toBeGreaterThan(0);
      expect(await p.digest()).toEqual(before);
      expect(await target.list('')).toEqual(filesBefore);
      // And a second replay changes nothing either.
      await p.replay();
      expect(await p.digest()).toEqual(before);
    } finally {
      await p.close();
    }
  });
});
