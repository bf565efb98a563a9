import { describe, expect, it } from 'vitest';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import { Journal, type LaneCursor } from './index.ts';
import { eventKey, laneBounds, seqOfKey } from './keys.ts';
import { BLOCK_MARK, encodeBlock } from './block-format.ts';
import { itemFor } from './test-items.ts';
import { useJournalFixture } from './test-journals.ts';

const { tempDir, openJournal, close } = useJournalFixture('fleetsync-blocks-');

// Block storage (block-format.ts): a lane's appends in one write batch share one LevelDB value. These tests look at
// the raw keys on disk as well as at what the journal reads back.

const packr = new Packr({ useRecords: false });

async function seqsOf(c: LaneCursor): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const chunk = await c.next({ maxEvents: 7 });
    if (chunk.events.length === 0) return out;
    out.push(...chunk.events.map((e) => e.seq));
  }
}

/** The telemetry lane's stored keys (as first seqs) and whether each value is a block, straight from LevelDB. */
async function rawTelemetry(dir: string): Promise<Array<{ first: number; block: boolean }>> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    const out: Array<{ first: number; block: boolean }> = [];
    for await (const [k, v] of db.iterator(laneBounds('telemetry'))) out.push({ first: seqOfKey(k), block: v[0] === BLOCK_MARK });
    return out;
  } finally {
    await db.close();
  }
}

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** Appends `n` telemetry events without waiting between them, so they share write batches. */
async function burst(j: Journal, n: number, from = 0): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => j.append('telemetry', itemFor('telemetry', from + i))));
}

describe('journal blocks on real LevelDB', () => {
  it("stores a burst of appends as a few block values and reads every event back, with its own seq and body", async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    expect(await burst(j, 300)).toEqual(range(1, 300));
    const events: StampedEvent[] = [];
    for (const c = j.cursor('telemetry'); ; ) {
      const chunk = await c.next({ maxEvents: 64 });
      if (chunk.events.length === 0) break;
      events.push(...chunk.events);
    }
    expect(events.map((e) => e.seq)).toEqual(range(1, 300));
    expect(events[123]).toMatchObject({ seq: 124, ...itemFor('telemetry', 123) });
    await close(j);
    const raw = await rawTelemetry(dir);
    expect(raw.length).toBeLessThan(30);
    expect(raw.some((r) => r.block)).toBe(true);
  });

  it('keeps a block until its last event is acked; a reopen skips the acked part and deletes it once all is acked', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    await burst(j, 100);
    await j.ackRange('telemetry', 1, 40);
    await j.ackRange('telemetry', 61, 70);
    expect(j.laneStatus('telemetry')).toMatchObject({ backlogEvents: 50, lastAckedSeq: 40 });
    const expected = [...range(41, 60), ...range(71, 100)];
    expect(await seqsOf(j.cursor('telemetry'))).toEqual(expected);
    await close(j);
    const stored = await rawTelemetry(dir);
    expect(stored.length).toBeGreaterThan(0);

    const j2 = await openJournal({ dir });
    expect(j2.laneStatus('telemetry')).toMatchObject({ backlogEvents: 50, lastAckedSeq: 40, nextSeq: 101 });
    expect(await seqsOf(j2.cursor('telemetry'))).toEqual(expected);
    await j2.ack('telemetry', 100);
    expect(j2.laneStatus('telemetry').backlogEvents).toBe(0);
    await close(j2);
    expect(await rawTelemetry(dir)).toEqual([]);
    const j3 = await openJournal({ dir });
    expect(j3.laneStatus('telemetry')).toMatchObject({ backlogEvents: 0, lastAckedSeq: 100, nextSeq: 101 });
  });

  it('evicts part of a block, counting events, and keeps the rest of it across a reopen', async () => {
    const dir = await tempDir();
    const size = (i: number): number => packr.pack({ seq: i + 1, ...itemFor('telemetry', i) }).length + 9; // as stored
    const n = Math.ceil(70_000 / size(0)); // the cap has a 64 KiB minimum
    let total = 0;
    for (let i = 0; i < n; i++) total += size(i);
    const settings = { dir, capBytes: total + Math.floor(size(n) / 2), evictionSlackBytes: 0, downsampleWindowMs: 0 };
    const j = await openJournal(settings);
    await burst(j, n);
    await close(j);
    expect((await rawTelemetry(dir)).length).toBeLessThan(n / 5);
    const j2 = await openJournal(settings);
    for (let i = 0; i < 10; i++) await j2.append('telemetry', itemFor('telemetry', n + i));
    const st = j2.laneStatus('telemetry');
    // Every append made room for itself by evicting the oldest event or two (sizes differ by a byte or so).
    expect(st.evicted).toBeGreaterThanOrEqual(9);
    expect(st.evicted).toBeLessThanOrEqual(12);
    expect(st.backlogEvents).toBe(n + 10 - st.evicted);
    expect(await seqsOf(j2.cursor('telemetry', { afterSeq: 0 }))).toEqual(range(st.evicted + 1, n + 10));
    await close(j2);
    const j3 = await openJournal(settings);
    expect(j3.laneStatus('telemetry')).toMatchObject({ evicted: st.evicted, backlogEvents: n + 10 - st.evicted, nextSeq: n + 11 });
    expect(await seqsOf(j3.cursor('telemetry', { afterSeq: 0 }))).toEqual(range(st.evicted + 1, n + 10));
  });

  it('reads a journal written one value per event (before blocks) and acks across old values and new blocks', async () => {
    const dir = await tempDir();
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    for (const seq of range(1, 5)) await db.put(eventKey('telemetry', seq), packr.pack({ seq, ...itemFor('telemetry', seq) }));
    await db.close();

    const j = await openJournal({ dir });
    expect(j.laneStatus('telemetry')).toMatchObject({ backlogEvents: 5, nextSeq: 6 });
    expect(await burst(j, 10, 100)).toEqual(range(6, 15));
    await j.ackRange('telemetry', 3, 8);
    const expected = [1, 2, ...range(9, 15)];
    expect(await seqsOf(j.cursor('telemetry', { afterSeq: 0 }))).toEqual(expected);
    const events: StampedEvent[] = [];
    for (const c = j.cursor('telemetry', { afterSeq: 0 }); ; ) {
      const chunk = await c.next();
      if (chunk.events.length === 0) break;
      events.push(...chunk.events);
    }
    expect(events[1]).toMatchObject({ seq: 2, ...itemFor('telemetry', 2) });
    expect(events[2]).toMatchObject({ seq: 9, ...itemFor('telemetry', 103) });
    await close(j);
    const raw = await rawTelemetry(dir);
    expect(raw.slice(0, 2)).toEqual([
      { first: 1, block: false },
      { first: 2, block: false },
    ]); // 3-5 deleted; the block from 6 stays for 9-15
    expect(raw[2]?.first).toBeGreaterThanOrEqual(6);

    const j2 = await openJournal({ dir });
    expect(await seqsOf(j2.cursor('telemetry', { afterSeq: 0 }))).toEqual(expected);
    expect(j2.laneStatus('telemetry').oldestUnsentMs).toBe(itemFor('telemetry', 1).rt);
    await j2.ack('telemetry', 15);
    await close(j2);
    expect(await rawTelemetry(dir)).toEqual([]);
  });

  it('drops a damaged block as evicted when it opens: its seqs stay taken, the lane moves on, nothing silently', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    await burst(j, 10);
    await close(j);
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    let damaged: { first: number; count: number } | null = null;
    for await (const [k, v] of db.iterator(laneBounds('telemetry'))) {
      if (v[0] !== BLOCK_MARK || damaged) continue;
      damaged = { first: seqOfKey(k), count: Buffer.from(v).readUInt32BE(1) };
      await db.put(k, v.subarray(0, v.length - 3)); // a torn value: the header claims more than is there
    }
    await db.close();
    expect(damaged).not.toBeNull();
    const { first, count } = damaged!;

    const j2 = await openJournal({ dir });
    const told: Array<[string, number]> = [];
    j2.on('undecodable', (lane, seq) => told.push([lane, seq]));
    await new Promise((r) => setImmediate(r));
    expect(told).toEqual([['telemetry', first]]);
    expect(j2.status().undecodable).toBe(1);
    // Not first + 1: the damaged block's seqs stay taken (the cloud would drop a reused seq as a duplicate).
    expect(j2.laneStatus('telemetry')).toMatchObject({ nextSeq: 11, evicted: count, backlogEvents: 10 - count });
    const rest = range(1, 10).filter((s) => s < first || s >= first + count);
    expect(await seqsOf(j2.cursor('telemetry', { afterSeq: 0 }))).toEqual(rest);
    await close(j2);
    expect((await rawTelemetry(dir)).some((r) => r.first === first)).toBe(false);
    const j3 = await openJournal({ dir });
    expect(j3.laneStatus('telemetry')).toMatchObject({ nextSeq: 11, evicted: count, backlogEvents: 10 - count });
    expect(j3.status().undecodable).toBe(0);
  });

  it("believes a damaged block's claimed count only up to the next stored block, which stays readable", async () => {
    const dir = await tempDir();
    const good = (seq: number): Uint8Array => packr.pack({ seq, ...itemFor('telemetry', seq) });
    const torn = encodeBlock([good(1), good(2), good(3)]);
    Buffer.from(torn.buffer, torn.byteOffset).writeUInt32BE(1000, 1); // the header now claims 1,000 events
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.put(eventKey('telemetry', 1), torn);
    await db.put(eventKey('telemetry', 4), encodeBlock([good(4), good(5)]));
    await db.close();

    const j = await openJournal({ dir });
    expect(j.laneStatus('telemetry')).toMatchObject({ nextSeq: 6, evicted: 3, backlogEvents: 2, lastAckedSeq: 3 });
    expect(await seqsOf(j.cursor('telemetry', { afterSeq: 0 }))).toEqual([4, 5]);
  });

  it('drops a stored event that does not decode when it is read, counts it as evicted, and keeps the lane moving', async () => {
    const dir = await tempDir();
    const good = (seq: number): Uint8Array => packr.pack({ seq, ...itemFor('telemetry', seq) });
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.put(eventKey('telemetry', 1), encodeBlock([good(1), Uint8Array.of(BLOCK_MARK), good(3)])); // 0xc1 is not msgpack
    await db.close();

    const j = await openJournal({ dir });
    const told: Array<[string, number]> = [];
    j.on('undecodable', (lane, seq) => told.push([lane, seq]));
    const c = j.cursor('telemetry');
    expect(await seqsOf(c)).toEqual([1, 3]);
    c.rewind(0);
    expect(await seqsOf(c)).toEqual([1, 3]);
    expect(told).toEqual([['telemetry', 2]]);
    await j.flushed();
    expect(j.laneStatus('telemetry')).toMatchObject({ evicted: 1, backlogEvents: 2, lastAckedSeq: 0 });
    await j.ackRange('telemetry', 1, 1);
    await j.ackRange('telemetry', 3, 3);
    expect(j.laneStatus('telemetry')).toMatchObject({ lastAckedSeq: 3, backlogEvents: 0, ackedIslands: 0 });
    await close(j);
    expect(await rawTelemetry(dir)).toEqual([]);
  });
});
