import { describe, expect, it, vi } from 'vitest';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import { SettingsError } from '../../shared/settings/load-settings.ts';
import { Journal, JournalFullError, JournalUnavailableError, JournalWriteError, type LaneCursor } from './index.ts';
import { laneMetaKey } from './keys.ts';
import { itemFor } from './test-items.ts';
import { useJournalFixture } from './test-journals.ts';

const { tempDir, openJournal } = useJournalFixture('fleetsync-journal-');


async function readAll(c: LaneCursor, limits = {}): Promise<StampedEvent[]> {
  const out: StampedEvent[] = [];
  for (;;) {
    const chunk = await c.next(limits);
    if (chunk.events.length === 0) return out;
    out.push(...chunk.events);
  }
}

describe('journal on real LevelDB', () => {
  it('resolves concurrent appends in call order with gap-free seqs per lane, durable across reopen', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    const lanes: Lane[] = ['telemetry', 'alerts', 'telemetry', 'status', 'rejects', 'telemetry'];
    const order: string[] = [];
    const calls: Promise<number>[] = [];
    for (let i = 0; i < 600; i++) {
      const lane = lanes[i % lanes.length]!;
      calls.push(j.append(lane, itemFor(lane, i)).then((seq) => (order.push(`${i}`), seq)));
    }
    const seqs = await Promise.all(calls);
    expect(order).toEqual(calls.map((_, i) => `${i}`));
    const perLane = new Map<Lane, number[]>();
    seqs.forEach((seq, i) => {
      const lane = lanes[i % lanes.length]!;
      perLane.set(lane, [...(perLane.get(lane) ?? []), seq]);
    });
    expect(perLane.get('telemetry')).toEqual(Array.from({ length: 300 }, (_, k) => k + 1));
    expect(perLane.get('alerts')).toEqual(Array.from({ length: 100 }, (_, k) => k + 1));
    const { epoch, bootId } = j;
    await j.close();

    const j2 = await openJournal({ dir });
    expect(j2.epoch).toBe(epoch);
    expect(j2.bootId).not.toBe(bootId);
    expect(j2.bootCounter).toBe(2);
    const tel = await readAll(j2.cursor('telemetry'));
    expect(tel.map((e) => e.seq)).toEqual(perLane.get('telemetry'));
    expect(tel[1]).toEqual({ seq: 2, ...itemFor('telemetry', 2) });
    const rej = await readAll(j2.cursor('rejects'));
    expect(rej[0]?.kind).toBe('reject');
    expect(Uint8Array.from((rej[0]?.body as { raw: Uint8Array }).raw)).toEqual(new Uint8Array([123, 34, 120]));
    expect(j2.laneStatus('telemetry')).toMatchObject({ backlogEvents: 300, lastAckedSeq: 0, evicted: 0 });
    expect(await j2.append('telemetry', itemFor('telemetry', 999))).toBe(301);
  });

  it('continues seqs after everything was acked and deleted, and keeps ack state across reopen', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    for (let i = 0; i < 10; i++) await j.append('alerts', itemFor('alerts', i));
    await j.ack('alerts', 10);
    const at = j.laneStatus('alerts').lastAckAt;
    expect(at).not.toBeNull();
    await j.close();
    const j2 = await openJournal({ dir });
    expect(j2.laneStatus('alerts')).toMatchObject({ backlogEvents: 0, backlogBytes: 0, lastAckedSeq: 10, lastAckAt: at, oldestUnsentMs: null });
    expect(await j2.append('alerts', itemFor('alerts', 10))).toBe(11);
    expect((await readAll(j2.cursor('alerts'))).map((e) => e.seq)).toEqual([11]);
  });

  it('reads in chunks bounded by count and bytes, follows new appends and rewinds to the ack point', async () => {
    const j = await openJournal({ dir: await tempDir() });
    const all = await Promise.all(Array.from({ length: 250 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    const c = j.cursor('telemetry');
    const first = await c.next({ maxEvents: 100 });
    expect(first.seqs).toEqual(all.slice(0, 100));
    expect(first.encoded).toHaveLength(100);
    const one = first.bytes / 100;
    const second = await c.next({ maxEvents: 1000, maxBytes: Math.floor(one * 30.5) });
    expect(second.seqs).toEqual(all.slice(100, 130));
    const raw = await c.next({ maxEvents: 1000, decode: false });
    expect(raw.events).toEqual([]);
    expect(raw.seqs).toEqual(all.slice(130));
    expect((await c.next()).seqs).toEqual([]);

    await j.append('telemetry', itemFor('telemetry', 250));
    expect((await c.next()).seqs).toEqual([251]);

    await j.ack('telemetry', 120);
    c.rewind();
    expect(c.position).toBe(120);
    expect((await readAll(c)).map((e) => e.seq)).toEqual(Array.from({ length: 131 }, (_, k) => 121 + k));
    expect(j.laneStatus('telemetry')).toMatchObject({ backlogEvents: 131, lastAckedSeq: 120 });
  });

  it('acks live sub-ranges above the backlog and advances the head when the gap closes', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    for (let i = 0; i < 50; i++) await j.append('telemetry', itemFor('telemetry', i));
    const { live, backlog } = j.liveAndBacklog('telemetry', { recent: 5 });
    expect(backlog).not.toBeNull();
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.append('telemetry', itemFor('telemetry', 50 + i))));

    const liveChunk = await live.next();
    expect(liveChunk.seqs).toEqual(Array.from({ length: 25 }, (_, k) => 46 + k));
    await j.ackRange('telemetry', 46, 70);
    expect(j.laneStatus('telemetry')).toMatchObject({ lastAckedSeq: 0, ackedIslands: 1, backlogEvents: 45 });

    const b1 = await backlog!.next({ maxEvents: 30 });
    expect(b1.seqs).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    await j.ackRange('telemetry', 1, 30);
    expect(j.laneStatus('telemetry').lastAckedSeq).toBe(30);
    await j.close();

    // The island survives a restart and a fresh cursor skips it.
    const j2 = await openJournal({ dir });
    expect(j2.laneStatus('telemetry')).toMatchObject({ lastAckedSeq: 30, ackedIslands: 1, backlogEvents: 15, nextSeq: 71 });
    const rest = await readAll(j2.cursor('telemetry'));
    expect(rest.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, k) => 31 + k));
    await j2.ackRange('telemetry', 31, 45);
    expect(j2.laneStatus('telemetry')).toMatchObject({ lastAckedSeq: 70, ackedIslands: 0, backlogEvents: 0 });
    expect(await j2.append('telemetry', itemFor('telemetry', 0))).toBe(71);
    await expect(j2.ackRange('telemetry', 72, 72)).rejects.toThrow(RangeError);
  });

  it('leaves out events acked while a read is under way, and moves the cursor past them', async () => {
    const j = await openJournal({ dir: await tempDir() });
    await Promise.all(Array.from({ length: 40 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    const c = j.cursor('telemetry');
    const reading = c.next({ maxEvents: 20 });
    await j.ackRange('telemetry', 5, 12);
    const chunk = await reading;
    expect(chunk.seqs).toEqual([1, 2, 3, 4, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(chunk.events.map((e) => e.seq)).toEqual(chunk.seqs);
    expect(c.position).toBe(20);
    // Everything of a read acked meanwhile: the cursor reads on rather than report a false end.
    const next = c.next({ maxEvents: 5 });
    await j.ackRange('telemetry', 21, 25);
    expect((await next).seqs).toEqual([26, 27, 28, 29, 30]);
  });

  it('reads past a long acked island without returning any of it', async () => {
    const j = await openJournal({ dir: await tempDir() });
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    await j.ackRange('telemetry', 3, 11_990);
    const c = j.cursor('telemetry');
    expect((await c.next({ maxEvents: 4 })).seqs).toEqual([1, 2, 11_991, 11_992]);
    const rest = await c.next({ maxEvents: 100 });
    expect(rest.seqs).toEqual(Array.from({ length: 8 }, (_, k) => 11_993 + k));
    expect(rest.lastSeq).toBe(12_000);
  });

  it('a bounded backlog cursor ends even when its last seqs were acked by the live side', async () => {
    const j = await openJournal({ dir: await tempDir() });
    for (let i = 0; i < 10; i++) await j.append('status', itemFor('status', i));
    const backlog = j.cursor('status', { untilSeq: 10 });
    await j.ackRange('status', 6, 10);
    expect((await backlog.next()).seqs).toEqual([1, 2, 3, 4, 5]);
    expect((await backlog.next()).seqs).toEqual([]);
    expect(backlog.exhausted).toBe(true);
  });

  it('tells appendThen callbacks their seq once durable, in call order, and a refusal on a later tick', async () => {
    const j = await openJournal({ dir: await tempDir() });
    const told: [string, number][] = [];
    for (let i = 0; i < 3; i++) j.appendThen('telemetry', itemFor('telemetry', i), (err, seq) => told.push([err ? err.message : 'ok', seq]));
    expect(told).toEqual([]); // nothing is durable inside the call
    await j.flushed();
    expect(told).toEqual([['ok', 1], ['ok', 2], ['ok', 3]]);
    await j.close();
    let refusal: Error | null = null;
    j.appendThen('telemetry', itemFor('telemetry', 9), (err) => (refusal = err));
    expect(refusal).toBeNull(); // not inside the call: callers may still be setting up
    await new Promise((r) => process.nextTick(r));
    expect(refusal).toBeInstanceOf(JournalUnavailableError);
  });

  it('tells how long each durable write took and how many appends it held, acks and failed writes included', async () => {
    let fail = false;
    const j = await openJournal({ dir: await tempDir(), reopenMinMs: 10 }, { testHooks: { beforeWrite: () => { if (fail) throw new Error('injected'); } } });
    j.on('fault', () => undefined);
    const wrote: [number, number][] = [];
    j.on('wrote', (ms, puts) => wrote.push([ms, puts]));
    await Promise.all(Array.from({ length: 50 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    await j.ack('telemetry', 50);
    expect(wrote.reduce((n, [, puts]) => n + puts, 0)).toBe(50);
    expect(wrote.at(-1)![1]).toBe(0); // the ack's write
    for (const [ms] of wrote) expect(ms).toBeGreaterThanOrEqual(0);
    const before = wrote.length;
    fail = true;
    await expect(j.append('telemetry', itemFor('telemetry', 99))).rejects.toThrow();
    expect(wrote).toHaveLength(before); // a failed write is a fault, not a write
  });

  it('knows the oldest unsent receive time of appends still waiting for their write', async () => {
    let release: (() => void) | null = null;
    let hold = false;
    const j = await openJournal({ dir: await tempDir() }, { testHooks: { beforeWrite: () => (hold ? new Promise<void>((r) => (release = r)) : undefined) } });
    await j.append('telemetry', itemFor('telemetry', 0, 500));
    hold = true;
    const queued = [1, 2, 3].map((i) => j.append('telemetry', itemFor('telemetry', i, 500 + i)));
    await vi.waitFor(() => expect(release).not.toBeNull()); // the write holding seq 2 has begun
    const acked = j.ack('telemetry', 1); // queues behind the held batch
    hold = false;
    release!();
    await Promise.all([...queued, acked]);
    // The head moves to seq 2: its rt comes from the queued appends' memory (or disk once durable), 501 either way.
    await vi.waitFor(() => expect(j.laneStatus('telemetry').oldestUnsentMs).toBe(501));
  });

  it('reports the oldest unsent receive time and follows it as acks move the head', async () => {
    const j = await openJournal({ dir: await tempDir() });
    for (let i = 0; i < 5; i++) await j.append('telemetry', itemFor('telemetry', i, 1000 + i));
    expect(j.laneStatus('telemetry').oldestUnsentMs).toBe(1000);
    await j.ack('telemetry', 3);
    await vi.waitFor(() => expect(j.laneStatus('telemetry').oldestUnsentMs).toBe(1003));
    await j.ack('telemetry', 5);
    expect(j.laneStatus('telemetry').oldestUnsentMs).toBeNull();
  });

  it('evicts rejects, then status, then the oldest telemetry under the cap, never alerts, with exact persisted counts', async () => {
    const dir = await tempDir();
    const capBytes = 64 * 1024;
    const j = await openJournal({ dir, capBytes, evictionSlackBytes: 0, downsampleWindowMs: 0 });
    const appended: Record<Lane, number> = { alerts: 0, telemetry: 0, status: 0, rejects: 0 };
    const add = async (lane: Lane, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        await j.append(lane, itemFor(lane, appended[lane]));
        appended[lane] += 1;
        expect(j.status().liveBytes).toBeLessThanOrEqual(capBytes);
      }
    };
    await add('alerts', 40);
    await add('rejects', 30);
    await add('status', 30);
    await add('telemetry', 800);
    const s1 = j.status();
    expect(s1.lanes.rejects.evicted).toBe(30);
    expect(s1.lanes.status.evicted).toBe(30);
    expect(s1.lanes.telemetry.evicted).toBeGreaterThan(0);
    expect(s1.lanes.alerts.evicted).toBe(0);
    await j.close();

    const j2 = await openJournal({ dir, capBytes, evictionSlackBytes: 0, downsampleWindowMs: 0 });
    for (const lane of ['alerts', 'telemetry', 'status', 'rejects'] as const) {
      const left = await readAll(j2.cursor(lane));
      const st = j2.laneStatus(lane);
      expect(st.evicted).toBe(s1.lanes[lane].evicted);
      expect(left.length + st.evicted).toBe(appended[lane]);
      // The survivors are the newest ones: eviction takes the oldest first.
      expect(left.map((e) => e.seq)).toEqual(Array.from({ length: left.length }, (_, k) => appended[lane] - left.length + k + 1));
      expect(st.backlogEvents).toBe(left.length);
    }
    expect(j2.laneStatus('alerts').backlogEvents).toBe(40);
  });

  it('refuses non-alert appends (and alerts) when the cap is full of alerts, and accepts again after acks', async () => {
    const capBytes = 64 * 1024;
    const j = await openJournal({ dir: await tempDir(), capBytes, evictionSlackBytes: 0, downsampleWindowMs: 0 });
    let n = 0;
    for (;;) {
      const r = await j.append('alerts', itemFor('alerts', n)).then(() => null, (e: unknown) => e);
      if (r) {
        expect(r).toBeInstanceOf(JournalFullError);
        expect((r as JournalFullError).reason).toBe('full-of-alerts');
        break;
      }
      n += 1;
    }
    // Larger than any alert, so it cannot fit in what the alerts left free.
    const big = itemFor('telemetry', 0);
    if (big.kind === 'reading') big.body.signal = 'x'.repeat(600);
    const err = await j.append('telemetry', big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalFullError);
    expect((err as JournalFullError).reason).toBe('full-of-alerts');
    expect(j.laneStatus('telemetry')).toMatchObject({ refused: 1, nextSeq: 1, backlogEvents: 0 });
    expect(j.laneStatus('alerts')).toMatchObject({ evicted: 0, backlogEvents: n, nextSeq: n + 1 });
    await j.ack('alerts', 10);
    expect(await j.append('telemetry', big)).toBe(1);
  });

  it('rejects a failed batch and everything queued behind it, reopens, and reuses none of the seqs', async () => {
    let failNext = false;
    const dir = await tempDir();
    const j = await openJournal(
      { dir, reopenMinMs: 10 },
      {
        testHooks: {
          beforeWrite: async () => {
            if (failNext) {
              failNext = false;
              await new Promise((r) => setImmediate(r)); // let the other appends queue behind this batch
              throw new Error('injected write fault');
            }
          },
        },
      },
    );
    for (let i = 0; i < 5; i++) await j.append('telemetry', itemFor('telemetry', i));
    const states: string[] = [];
    j.on('state', (s) => states.push(s));
    failNext = true;
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => j.append('telemetry', itemFor('telemetry', 5 + i))));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof JournalWriteError)).toBe(true);
    await vi.waitFor(() => expect(j.state).toBe('open'));
    expect(states).toEqual(['recovering', 'open']);
    expect(await j.append('telemetry', itemFor('telemetry', 99))).toBe(6);
    const seqs = (await readAll(j.cursor('telemetry'))).map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('recovers when LevelDB itself fails a write (database closed underneath)', async () => {
    let sabotage = false;
    const j = await openJournal(
      { dir: await tempDir(), reopenMinMs: 10 },
      {
        testHooks: {
          beforeWrite: async (db) => {
            if (sabotage) {
              sabotage = false;
              await db.close();
            }
          },
        },
      },
    );
    await j.append('alerts', itemFor('alerts', 0));
    sabotage = true;
    const err = await j.append('alerts', itemFor('alerts', 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalWriteError);
    await expect(j.append('alerts', itemFor('alerts', 2))).rejects.toThrow(/not accepting work/);
    await vi.waitFor(() => expect(j.state).toBe('open'));
    expect(await j.append('alerts', itemFor('alerts', 3))).toBe(2);
  });

  it('never rejects best-effort appends; drops over the queue limit are counted', async () => {
    const j = await openJournal({ dir: await tempDir(), maxQueuedBestEffort: 0 });
    j.appendBestEffort('telemetry', itemFor('telemetry', 0));
    await j.flushed();
    await Promise.resolve();
    expect(j.status().droppedBestEffort).toBe(1);
    expect(j.laneStatus('telemetry').nextSeq).toBe(1);
  });

  it('compacts after deletes and reports disk bytes', async () => {
    const j = await openJournal({ dir: await tempDir() });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    await j.ack('telemetry', 2000);
    const compacted = new Promise<number>((r) => j.once('compacted', r));
    await j.compact();
    expect(await compacted).toBeGreaterThanOrEqual(0);
    expect(j.diskBytes).toBeGreaterThan(0);
    expect(j.status().liveBytes).toBe(0);
  });

  it('names the wrong settings field', async () => {
    const err = await Journal.open({ dir: await tempDir(), capBytes: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).issues[0]?.path).toBe('/capBytes');
  });

  it('closes promptly while waiting to reopen after a failed write', async () => {
    let fail = false;
    const j = await Journal.open(
      { dir: await tempDir(), reopenMinMs: 60_000, reopenMaxMs: 60_000 },
      { testHooks: { beforeWrite: () => { if (fail) throw new Error('injected write fault'); } } },
    );
    await j.append('status', itemFor('status', 0));
    fail = true;
    await expect(j.append('status', itemFor('status', 1))).rejects.toBeInstanceOf(JournalWriteError);
    expect(j.state).toBe('recovering');
    await expect(j.cursor('status').next()).rejects.toBeInstanceOf(JournalUnavailableError);
    await j.close();
    expect(j.state).toBe('closed');
    await expect(j.append('status', itemFor('status', 2))).rejects.toBeInstanceOf(JournalUnavailableError);
  });

  it('finishes deleting events that its ack record marks done but that are still stored', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    for (let i = 0; i < 5; i++) await j.append('telemetry', itemFor('telemetry', i));
    await j.close();
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.put(laneMetaKey('telemetry'), new Packr({ useRecords: false }).pack({ floor: 3, ranges: [], lastAckAt: 1, evicted: 0 }));
    await db.close();
    const j2 = await openJournal({ dir });
    expect(j2.laneStatus('telemetry')).toMatchObject({ backlogEvents: 2, lastAckedSeq: 3, nextSeq: 6, lastAckAt: 1 });
    expect((await readAll(j2.cursor('telemetry', { afterSeq: 0 }))).map((e) => e.seq)).toEqual([4, 5]);
  });
});
