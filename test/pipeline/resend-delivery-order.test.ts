/**
 * Resent sensor items in a fleet's traffic: in-order and shuffled, days-late delivery (processed in different
 * runs) keep the same copy of every resent reading and position, so Silver and Gold do not depend on the order.
 * Real DuckDB files in temp folders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { decodeBatch, encodeBatch } from '../../shared/wire/index.ts';
import { hubMessage, tempDir, INGEST_DEPENDENT } from './fixtures.ts';
import { DAY, fleetDays, shuffled, type Shipment } from './fleet-days.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(): Promise<Pipeline> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const p = await openPipeline({ dataDir: t.dir, settings: { export: { enabled: false } }, newPseudonym: (id) => `drv_${id}` });
  cleanups.push(() => p.close().catch(() => undefined));
  return p;
}

/** Columns that say when and in which run a copy arrived, not what arrived. */
describe('resent sensor items and delivery order', () => {
  it('gives the same Silver and Gold for in-order and shuffled delivery of a fleet with resends', async () => {
    const shipments = fleetDays(2, 2);
    // Per truck: a gateway crash resent every 7th reading or position of one batch a day, journalled at the end of
    // its telemetry lane and received a minute after the originals.
    const resends: Shipment[] = [];
    for (const device of new Set(shipments.map((x) => x.device))) {
      const tele = shipments.filter((x) => x.device === device && x.lane === 'telemetry');
      let seq = Math.max(...tele.map((x) => decodeBatch(x.body).header.lastSeq));
      for (const day of [0, 1]) {
        const { header, events } = decodeBatch(tele.filter((x) => x.day === day)[1]!.body);
        const copies = events.filter((e, i) => i % 7 === 0 && (e.kind === 'reading' || e.kind === 'position')).map((e) => ({ ...e, seq: ++seq, rt: e.rt + 60_000 }));
        const body = encodeBatch({ gatewayId: header.gatewayId, epoch: header.epoch, lane: 'telemetry', createdAt: copies.at(-1)!.rt + 100 }, copies);
        resends.push({ device, lane: 'telemetry', body, onTime: copies.at(-1)!.rt + 1000, day });
      }
    }
    const all = [...shipments, ...resends].sort((a, b) => a.onTime - b.onTime);
    const deliver = async (p: Pipeline, list: Shipment[], every: number, lateBy: number): Promise<void> => {
      for (let i = 0; i < list.length; i++) {
        await p.sink.accept(hubMessage(list[i]!.device, list[i]!.body, list[i]!.onTime + lateBy));
        if ((i + 1) % every === 0) await p.processPending();
      }
      await p.processPending();
    };
    const inOrder = await open();
    await deliver(inOrder, all, 8, 0);
    const mixed = await open();
    await deliver(mixed, shuffled(all, 11), 5, 5 * DAY);
    const a = await inOrder.digest({ exclude: INGEST_DEPENDENT });
    expect(await mixed.digest({ exclude: INGEST_DEPENDENT })).toEqual(a);
    const resent = (await inOrder.queries.counts()).quality.resent;
    expect(resent).toBeGreaterThan(10);
    expect((await mixed.queries.counts()).quality.resent).toBe(resent);
    // Silver holds exactly the events of the original shipments.
    const originals = shipments.filter((x) => x.lane === 'telemetry').reduce((n, x) => n + decodeBatch(x.body).events.length, 0);
    const c = await mixed.queries.counts();
    expect(c.silver.readings + c.silver.positions).toBe(originals);
  });
});
