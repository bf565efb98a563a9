import { describe, expect, it, vi } from 'vitest';
import type { ReadingV2, RollupV2, StampedEvent } from '../../shared/contracts/types.ts';
import { validateRollup } from '../../shared/contracts/validate.ts';
import type { Journal, JournalItem } from './index.ts';
import { itemFor } from './test-items.ts';
import { useJournalFixture } from './test-journals.ts';

// Downsampling on real LevelDB: old telemetry folded into rollups (rollup.ts) once the journal passes its mark.

const { tempDir, openJournal, close } = useJournalFixture('fleetsync-downsample-');

const T0 = 1_700_000_040_000; // a multiple of 60 s
/** Ten readings a second of one signal (sensor time T0 + i * 100 ms): 60 s windows of 600. Values cycle 80..99. */
const reading = (i: number): JournalItem => itemFor('telemetry', i, T0 + i * 100 + 5);

/** In waves, as sensors would send them: appends still queued cannot be evicted or folded. */
async function appendAll(j: Journal, items: JournalItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 100) await Promise.all(items.slice(i, i + 100).map((item) => j.append('telemetry', item)));
}

async function readAll(j: Journal): Promise<StampedEvent[]> {
  const c = j.cursor('telemetry');
  const out: StampedEvent[] = [];
  for (;;) {
    const chunk = await c.next({ maxEvents: 500 });
    if (chunk.events.length === 0) return out;
    out.push(...chunk.events);
  }
}

/** Waits until downsampling has settled: the count stops moving and nothing is queued. */
async function settled(j: Journal): Promise<void> {
  let last = -1;
  await vi.waitFor(
    async () => {
      await j.flushed();
      const now = j.laneStatus('telemetry').downsampled ?? 0;
      const same = now === last;
      last = now;
      if (!same) throw new Error('still moving');
    },
    { timeout: 10_000, interval: 100 },
  );
}

const readings = (events: StampedEvent[]): ReadingV2[] => events.flatMap((e) => (e.kind === 'reading' ? [e.body as ReadingV2] : []));
const rollupsOf = (events: StampedEvent[]): RollupV2[] => events.flatMap((e) => (e.kind === 'rollup' ? [e.body] : []));

describe('journal downsampling', () => {
  it('folds the oldest readings into rollups past the mark, and every reading is still there or inside a rollup', async () => {
    const j = await openJournal({ dir: await tempDir(), capBytes: 400_000, downsampleAtPercent: 50 });
    const n = 3000;
    await appendAll(j, Array.from({ length: n }, (_, i) => reading(i)));
    await settled(j);

    const st = j.laneStatus('telemetry');
    const events = await readAll(j);
    const rollups = rollupsOf(events);
    expect(rollups.length).toBeGreaterThan(0);
    expect(st.downsampled).toBeGreaterThan(0);
    // Folded events (readings, and rollups merged into later ones) are evictions too, so that the cloud sees their
    // seqs as accounted for; nothing was evicted outright.
    expect(st.evicted).toBe(st.downsampled);
    const folded = rollups.reduce((sum, r) => sum + r.count + r.bad, 0);
    // downsampled also counts the seqs of rollups merged into later ones.
    expect(folded).toBeLessThanOrEqual(st.downsampled!);
    expect(readings(events).length + folded).toBe(n);
    expect(j.status().liveBytes).toBeLessThanOrEqual(400_000 * 0.5);

    // Together, the rollups of a window say what its folded readings said. A window can come in more than one
    // rollup (folded in different rounds): they combine by count.
    for (const r of rollups) expect(validateRollup(r).ok).toBe(true);
    const left = new Set(readings(events).map((b) => b.sensorTime));
    for (const start of new Set(rollups.map((r) => r.sensorTime))) {
      const parts = rollups.filter((r) => r.sensorTime === start);
      const folded = Array.from({ length: n }, (_, i) => reading(i).body as ReadingV2).filter((b) => b.sensorTime >= start && b.sensorTime < start + 60_000 && !left.has(b.sensorTime));
      const nums = folded.map((b) => b.value as number);
      const count = parts.reduce((a, r) => a + r.count, 0);
      expect(count).toBe(folded.length);
      expect(Math.min(...parts.map((r) => r.min!))).toBe(Math.min(...nums));
      expect(Math.max(...parts.map((r) => r.max!))).toBe(Math.max(...nums));
      expect(parts.reduce((a, r) => a + r.mean! * r.count, 0) / count).toBeCloseTo(nums.reduce((a, b) => a + b, 0) / nums.length, 9);
      expect(Math.min(...parts.map((r) => r.first))).toBe(folded[0]!.sensorTime);
      expect(Math.max(...parts.map((r) => r.last))).toBe(folded.at(-1)!.sensorTime);
    }
    // The oldest windows went first: every reading left is newer than every folded window.
    const oldestLeft = Math.min(...readings(events).map((b) => b.sensorTime));
    for (const r of rollups) expect(r.sensorTime + r.windowMs).toBeLessThanOrEqual(oldestLeft + 60_000);
  });

  it('does nothing below the mark, nor with downsampleWindowMs 0, where the cap evicts as before', async () => {
    const below = await openJournal({ dir: await tempDir(), capBytes: 4_000_000 });
    await appendAll(below, Array.from({ length: 1000 }, (_, i) => reading(i)));
    await below.flushed();
    expect(rollupsOf(await readAll(below))).toEqual([]);

    const off = await openJournal({ dir: await tempDir(), capBytes: 100_000, evictionSlackBytes: 0, downsampleWindowMs: 0 });
    await appendAll(off, Array.from({ length: 3000 }, (_, i) => reading(i)));
    await off.flushed();
    const events = await readAll(off);
    expect(rollupsOf(events)).toEqual([]);
    expect(off.laneStatus('telemetry')).toMatchObject({ downsampled: 0 });
    expect(off.laneStatus('telemetry').evicted).toBe(3000 - events.length);
  });

  it('never folds what a cursor has read and not seen acknowledged (it may already be on its way)', async () => {
    const j = await openJournal({ dir: await tempDir(), capBytes: 400_000, downsampleAtPercent: 50 });
    await appendAll(j, Array.from({ length: 600 }, (_, i) => reading(i)));
    const uplink = j.cursor('telemetry');
    const sent = await uplink.next({ maxEvents: 600 });
    expect(sent.seqs).toHaveLength(600);
    await appendAll(j, Array.from({ length: 2400 }, (_, i) => reading(600 + i)));
    await settled(j);

    expect(j.laneStatus('telemetry').downsampled).toBeGreaterThan(0);
    const left = new Set((await readAll(j)).map((e) => e.seq));
    for (const seq of sent.seqs) expect(left.has(seq)).toBe(true);
    // Once acknowledged, they are gone the normal way, and the rollups remain.
    await j.ackRange('telemetry', sent.seqs[0]!, sent.seqs.at(-1)!);
    expect(rollupsOf(await readAll(j)).length).toBeGreaterThan(0);
  });

  it('leaves alerts alone and keeps its counts across a restart', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir, capBytes: 400_000, downsampleAtPercent: 50 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.append('alerts', itemFor('alerts', i))));
    await appendAll(j, Array.from({ length: 3000 }, (_, i) => reading(i)));
    await settled(j);
    const before = j.laneStatus('telemetry');
    expect(before.downsampled).toBeGreaterThan(0);
    expect(j.laneStatus('alerts')).toMatchObject({ backlogEvents: 20, evicted: 0, downsampled: 0 });
    await close(j);

    const again = await openJournal({ dir, capBytes: 400_000, downsampleAtPercent: 50 });
    expect(again.laneStatus('telemetry')).toMatchObject({ evicted: before.evicted, downsampled: before.downsampled, backlogEvents: before.backlogEvents });
  });

  it('loses nothing when the write holding a fold fails: the readings come back, and the fold runs again', async () => {
    let failNext = false;
    let failed = 0;
    const j = await openJournal(
      { dir: await tempDir(), capBytes: 400_000, downsampleAtPercent: 50, reopenMinMs: 10 },
      {
        testHooks: {
          beforeWrite: () => {
            if (!failNext) return;
            failNext = false;
            failed += 1;
            throw new Error('injected write failure');
          },
        },
      },
    );
    j.on('fault', () => undefined);
    j.once('downsampled', () => (failNext = true));
    const stored = await appendCounting(j, 3000);
    await settled(j);

    expect(failed).toBe(1);
    const events = await readAll(j);
    const folded = rollupsOf(events).reduce((sum, r) => sum + r.count + r.bad, 0);
    expect(readings(events).length + folded).toBe(stored);
    expect(folded).toBeLessThanOrEqual(j.laneStatus('telemetry').downsampled!);
  });

  it("writes a round's rollups and evictions in one batch, whatever the batch caps: a failed write leaves the readings, once", async () => {
    // One item per write, so that only the writer's rule keeps a round together; the first round's write fails.
    const batches: Array<{ puts: number; folded: number }> = [];
    let failed = 0;
    const j = await openJournal(
      { dir: await tempDir(), capBytes: 400_000, downsampleAtPercent: 50, reopenMinMs: 10, maxBatchEvents: 1 },
      {
        testHooks: {
          beforeWrite: (_db, batch) => {
            batches.push(batch);
            if (batch.folded > 0 && failed === 0) {
              failed += 1;
              throw new Error('injected write failure');
            }
          },
        },
      },
    );
    j.on('fault', () => undefined);
    const stored = await appendCounting(j, 3000);
    await settled(j);

    expect(failed).toBe(1);
    const folds = batches.filter((b) => b.folded > 0);
    expect(folds.length).toBeGreaterThan(1);
    // Each round's evictions came with its rollups, several puts past the cap of one.
    for (const b of folds) expect(b.puts).toBeGreaterThan(0);
    const events = await readAll(j);
    const folded = rollupsOf(events).reduce((sum, r) => sum + r.count + r.bad, 0);
    expect(readings(events).length + folded).toBe(stored);
  });
});

/** Appends `n` readings in waves, riding out injected write failures; returns how many were stored. */
async function appendCounting(j: Journal, n: number): Promise<number> {
  let stored = 0;
  for (let i = 0; i < n; i += 100) {
    const wave = await Promise.allSettled(Array.from({ length: 100 }, (_, k) => j.append('telemetry', reading(i + k))));
    stored += wave.filter((r) => r.status === 'fulfilled').length;
    if (j.state !== 'open') await vi.waitFor(() => expect(j.state).toBe('open'), { timeout: 10_000 });
  }
  return stored;
}

describe('the record of events handed to cursors', () => {
  it('forgets what lies below the done floor, so the gaps evictions leave between reads do not pile up', async () => {
    const j = await openJournal({ dir: await tempDir(), capBytes: 64 * 1024, downsampleWindowMs: 0 });
    const islands = (): number => (j as unknown as { lanes: Record<'telemetry', { handedOut: { ranges: unknown[] } }> }).lanes.telemetry.handedOut.ranges.length;
    let i = 0;
    for (let round = 0; round < 20; round++) {
      // The newest ten read and acknowledged (a live uplink); the rest is evicted unread at the cap.
      await appendAll(j, Array.from({ length: 300 }, () => reading(i++)));
      const chunk = await j.cursor('telemetry', { afterSeq: j.committedSeq('telemetry') - 10 }).next({ maxEvents: 10 });
      await j.ackRange('telemetry', chunk.seqs[0]!, chunk.seqs.at(-1)!);
    }
    expect(j.laneStatus('telemetry').evicted).toBeGreaterThan(3000);
    // Each read above a gap of unread, not yet evicted events stays an island until the cap evicts that gap.
    expect(islands()).toBeLessThanOrEqual(5);
  });
});
