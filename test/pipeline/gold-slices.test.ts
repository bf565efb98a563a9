/**
 * The background loop runs Silver first and then at most one Gold slice per round, and refreshes a (vehicle, day)
 * at most every loop.goldEveryS. Before, every round refreshed every dirty partition, whose cost grows with the
 * day's events: with 64 trucks late in a day a Bronze batch waited seconds for Silver. Real DuckDB files; the
 * clock is injected.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { FakeGateway, hubMessage, queryRows, reading, tempDir } from './fixtures.ts';

const T0 = Date.UTC(2025, 2, 10, 6);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const vehicles = ['TRK-A', 'TRK-B', 'TRK-C'];
const gateways = vehicles.map((v) => new FakeGateway(`gw-${v}`, v));

async function open(loop: Record<string, number>, now?: () => number): Promise<Pipeline> {
  const { dir, cleanup } = await tempDir();
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false }, loop }, ...(now ? { now } : {}) });
  cleanups.push(async () => {
    await p.close();
    await cleanup();
  });
  return p;
}

/** One coolant reading of vehicle `i` at `t`, committed in Bronze. */
async function send(p: Pipeline, i: number, t: number): Promise<void> {
  const gw = gateways[i]!;
  const events = gw.stamp('telemetry', [reading(gw.vehicle, 'coolant_temp', 90, 'C', t)]);
  await p.sink.accept(hubMessage(gw.device, gw.batch('telemetry', events), t + 500));
}

const dirty = async (p: Pipeline): Promise<string[]> => (await queryRows(p, 'SELECT vehicle FROM gold_dirty ORDER BY vehicle')).map((r) => String(r.vehicle));
const goldLastEvent = async (p: Pipeline, vehicle: string): Promise<number | null> => {
  const rows = await queryRows(p, `SELECT last_event_ms::DOUBLE AS t FROM gold_sync_health WHERE vehicle = '${vehicle}'`);
  return rows.length === 0 ? null : Number(rows[0]!.t);
};

describe('background rounds: Silver first, Gold in slices', () => {
  it('processes new Bronze batches before the rest of the dirty Gold partitions', async () => {
    let clock = T0 + 3_600_000;
    const p = await open({ goldEventsPerSlice: 1, goldEveryS: 10 }, () => clock);
    for (let i = 0; i < 3; i++) await send(p, i, T0 + i * 1000);

    const r1 = await p.backgroundRound();
    expect(r1.silver.events).toBe(3);
    expect(r1.gold.partitions).toBe(1);
    expect(r1.nextInMs).toBe(0);
    expect(await dirty(p)).toEqual(['TRK-B', 'TRK-C']);

    // A new batch of the vehicle just refreshed goes into Silver before the two partitions still waiting.
    await send(p, 0, T0 + 60_000);
    const r2 = await p.backgroundRound();
    expect(r2.silver.events).toBe(1);
    expect(r2.gold.partitions).toBe(1);
    expect(await dirty(p)).toEqual(['TRK-A', 'TRK-C']);

    // TRK-A was refreshed less than goldEveryS ago: TRK-C goes, and the loop knows when TRK-A falls due.
    const r3 = await p.backgroundRound();
    expect(r3.gold.partitions).toBe(1);
    expect(await dirty(p)).toEqual(['TRK-A']);
    expect(r3.nextInMs).toBe(10_000);
    expect(await goldLastEvent(p, 'TRK-A')).toBe(T0);

    clock += 9_999;
    const r4 = await p.backgroundRound();
    expect(r4.gold.partitions).toBe(0);
    expect(r4.nextInMs).toBe(1);

    clock += 1;
    const r5 = await p.backgroundRound();
    expect(r5.gold.partitions).toBe(1);
    expect(r5.nextInMs).toBeNull();
    expect(await dirty(p)).toEqual([]);
    expect(await goldLastEvent(p, 'TRK-A')).toBe(T0 + 60_000);
  });

  it('puts partitions into one slice up to the event budget', async () => {
    const p = await open({ goldEventsPerSlice: 2, goldEveryS: 10 });
    for (let i = 0; i < 3; i++) await send(p, i, T0 + i * 1000);
    const r = await p.backgroundRound();
    expect(r.gold.partitions).toBe(2);
    expect(await dirty(p)).toEqual(['TRK-C']);
  });

  it('the running loop refreshes a held partition when it falls due, without another commit', async () => {
    const p = await open({ debounceMs: 10, goldEveryS: 0.5 });
    p.start();
    await send(p, 0, T0);
    await vi.waitFor(async () => expect(await goldLastEvent(p, 'TRK-A')).toBe(T0), { timeout: 10_000, interval: 50 });
    // Committed within goldEveryS of that refresh: Silver takes it at once, Gold only when the partition is due.
    await send(p, 0, T0 + 5000);
    await vi.waitFor(async () => expect(await goldLastEvent(p, 'TRK-A')).toBe(T0 + 5000), { timeout: 10_000, interval: 50 });
    expect(await dirty(p)).toEqual([]);
  });

  it('processPending still brings every partition up to date at once', async () => {
    const p = await open({ goldEventsPerSlice: 1, goldEveryS: 3600 });
    for (let i = 0; i < 3; i++) await send(p, i, T0 + i * 1000);
    const r = await p.processPending();
    expect(r.gold.partitions).toBe(3);
    expect(await dirty(p)).toEqual([]);
  });
});
