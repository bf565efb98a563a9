import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LANES, type Lane, type StampedEvent } from '../../shared/contracts/types.ts';
import { mulberry32 } from '../../test/support/mulberry32.ts';
import { Journal, JournalFullError, type JournalSettingsInput } from './index.ts';
import { laneBounds } from './keys.ts';
import { itemFor } from './test-items.ts';
import { Packr } from 'msgpackr';

// The journal against a model of what it must hold: seeded random bursts of appends (which share blocks), acks of
// random ranges (which split blocks), evictions under a small cap, and reopens. After every step each lane must read
// back exactly the events the model says are live, with their bodies, and the eviction counts must match.

const SEEDS = [1, 2, 3, 4, 5, 6];
const STEPS = 200;
const packr = new Packr({ useRecords: false });
const bytes = (v: unknown): Buffer => Buffer.from(packr.pack(v));
const dirs: string[] = [];
const open: Journal[] = [];

afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

interface LaneModel {
  /** Live seqs in order, with the index of the item each was appended from. */
  live: Array<{ seq: number; i: number }>;
  evicted: number;
  nextSeq: number;
}

async function readLane(j: Journal, lane: Lane): Promise<StampedEvent[]> {
  const out: StampedEvent[] = [];
  for (const c = j.cursor(lane, { afterSeq: 0 }); ; ) {
    const chunk = await c.next({ maxEvents: 97 });
    if (chunk.events.length === 0) return out;
    out.push(...chunk.events);
  }
}

async function storedKeys(dir: string): Promise<number> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  let n = 0;
  try {
    for (const lane of LANES) for await (const _ of db.keys(laneBounds(lane))) n++;
  } finally {
    await db.close();
  }
  return n;
}

describe('journal against a model (real LevelDB)', () => {
  it.each(SEEDS)('seed %i: reads back exactly the live events through bursts, split acks, evictions and reopens', async (seed) => {
    const rnd = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const dir = await mkdtemp(join(tmpdir(), 'fleetsync-journal-model-'));
    dirs.push(dir);
    // The model knows eviction, not downsampling (journal-downsample.test.ts).
    const settings: JournalSettingsInput = { dir, sync: false, capBytes: 64 * 1024, evictionSlackBytes: 2048, commitDelayMs: 0, downsampleWindowMs: 0 };
    let j = await Journal.open(settings);
    open.push(j);
    const model = Object.fromEntries(LANES.map((l) => [l, { live: [], evicted: 0, nextSeq: 1 } as LaneModel])) as Record<Lane, LaneModel>;
    let item = 0;
    const stats = { evictions: 0, splitAcks: 0, reopens: 0, refused: 0 };

    const check = async (): Promise<void> => {
      for (const lane of LANES) {
        const m = model[lane];
        const got = await readLane(j, lane);
        // Evictions take the oldest live events of a lane: whatever the model has that the journal lacks must be a
        // prefix of the model's live list.
        const gone = m.live.length - got.length;
        expect(gone, `${lane}: journal holds events the model does not`).toBeGreaterThanOrEqual(0);
        if (gone > 0) {
          expect(lane, 'alerts are never evicted').not.toBe('alerts');
          m.live.splice(0, gone);
          m.evicted += gone;
          stats.evictions += gone;
        }
        expect(got.map((e) => e.seq)).toEqual(m.live.map((e) => e.seq));
        // Compared as encoded bytes: a reject's raw payload comes back as a Buffer where it went in as a Uint8Array.
        const wrong = got.filter((e, k) => !bytes(e.body).equals(bytes(itemFor(lane, m.live[k]!.i).body))).map((e) => e.seq);
        expect(wrong, `${lane}: events whose body differs`).toEqual([]);
        expect(j.laneStatus(lane)).toMatchObject({ backlogEvents: m.live.length, evicted: m.evicted, nextSeq: m.nextSeq });
      }
    };

    for (let step = 0; step < STEPS; step++) {
      const r = rnd();
      if (r < 0.45) {
        // A burst: appends in random lanes without waiting, so they share write batches and blocks.
        const n = 1 + Math.floor(rnd() * 60);
        const calls: Array<{ lane: Lane; i: number; p: Promise<number | Error> }> = [];
        for (let k = 0; k < n; k++) {
          const lane = rnd() < 0.05 ? 'alerts' : rnd() < 0.15 ? pick(['status', 'rejects'] as const) : 'telemetry';
          const i = item++;
          calls.push({ lane, i, p: j.append(lane, itemFor(lane, i)).catch((err: Error) => err) });
        }
        for (const c of calls) {
          const seq = await c.p;
          // A full cap refuses a lane that may not evict what fills it (status behind telemetry): no seq is used.
          if (seq instanceof Error) {
            expect(seq).toBeInstanceOf(JournalFullError);
            stats.refused++;
            continue;
          }
          const m = model[c.lane];
          expect(seq).toBe(m.nextSeq);
          m.nextSeq += 1;
          m.live.push({ seq, i: c.i });
        }
      } else if (r < 0.8) {
        // Ack a random range of a lane, often inside blocks.
        const lane = pick(LANES);
        const m = model[lane];
        const committed = m.nextSeq - 1;
        if (committed === 0) continue;
        const lo = 1 + Math.floor(rnd() * committed);
        const hi = Math.min(committed, lo + Math.floor(rnd() * 40));
        await j.ackRange(lane, lo, hi);
        const before = m.live.length;
        m.live = m.live.filter((e) => e.seq < lo || e.seq > hi);
        if (m.live.length < before) stats.splitAcks++;
      } else if (r < 0.9) {
        await j.close();
        open.splice(open.indexOf(j), 1);
        j = await Journal.open(settings);
        open.push(j);
        stats.reopens++;
      }
      await check();
    }

    // Everything acked: no event may stay on disk, blocks included.
    for (const lane of LANES) if (model[lane].nextSeq > 1) await j.ack(lane, model[lane].nextSeq - 1);
    await j.close();
    open.splice(open.indexOf(j), 1);
    expect(await storedKeys(dir)).toBe(0);
    // The walk must have exercised what it is for.
    expect(stats.evictions).toBeGreaterThan(0);
    expect(stats.splitAcks).toBeGreaterThan(20);
    expect(stats.reopens).toBeGreaterThan(5);
  });
});
