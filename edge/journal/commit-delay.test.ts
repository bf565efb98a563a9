/**
 * The journal's commit delay on real LevelDB, with only setTimeout faked: writes are counted through the test hook,
 * so these tests show which appends share an fsync, not how long anything took.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, type JournalSettingsInput } from './index.ts';
import { itemFor } from './test-items.ts';

let dir: string;
let journal: Journal | null = null;
let writes = 0;

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

async function open(s: Omit<JournalSettingsInput, 'dir'>): Promise<Journal> {
  journal = await Journal.open({ dir, ...s }, { testHooks: { beforeWrite: async () => void (writes += 1) } });
  return journal;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetsync-commit-delay-'));
  writes = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await journal?.close();
  journal = null;
  await rm(dir, { recursive: true, force: true });
});

describe('journal commit delay', () => {
  it('lets appends arriving within the delay share one write', async () => {
    const j = await open({ commitDelayMs: 50 });
    const first = j.append('telemetry', itemFor('telemetry', 1));
    await settle();
    const more = [j.append('telemetry', itemFor('telemetry', 2)), j.append('status', itemFor('status', 3))];
    await settle();
    expect(writes).toBe(0);
    vi.advanceTimersByTime(50);
    expect(await Promise.all([first, ...more])).toEqual([1, 2, 1]);
    expect(writes).toBe(1);
  });

  it('never delays an alert, which takes the waiting telemetry with it', async () => {
    const j = await open({ commitDelayMs: 100 });
    const telemetry = j.append('telemetry', itemFor('telemetry', 1));
    await settle();
    expect(writes).toBe(0);
    await j.append('alerts', itemFor('alerts', 2));
    expect(await telemetry).toBe(1);
    expect(writes).toBe(1);
  });

  it('writes without waiting once commitNoDelayCount events are queued', async () => {
    const j = await open({ commitDelayMs: 100, commitNoDelayCount: 8 });
    const seqs = await Promise.all(Array.from({ length: 8 }, (_, i) => j.append('telemetry', itemFor('telemetry', i))));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(writes).toBe(1);
  });

  it('writes at once on flushed() and on close()', async () => {
    const j = await open({ commitDelayMs: 100 });
    const a = j.append('telemetry', itemFor('telemetry', 1));
    await j.flushed();
    expect(await a).toBe(1);
    const b = j.append('telemetry', itemFor('telemetry', 2));
    await j.close();
    expect(await b).toBe(2);
    expect(writes).toBe(2);
  });

  it('with 0 writes every append as soon as the writer is free', async () => {
    const j = await open({ commitDelayMs: 0 });
    await j.append('telemetry', itemFor('telemetry', 1));
    await j.append('telemetry', itemFor('telemetry', 2));
    expect(writes).toBe(2);
  });

  it('stops delaying an appender that waits for each append, since nothing joins its delays', async () => {
    const j = await open({ commitDelayMs: 100 });
    const t0 = performance.now();
    let delayed = 0;
    for (let i = 0; i < 20; i++) {
      const p = j.append('telemetry', itemFor('telemetry', i));
      if (vi.getTimerCount() > 0) {
        delayed += 1;
        vi.advanceTimersByTime(100);
      }
      await p;
    }
    // Two delays teach it, then only a probe every 500 ms of real time.
    expect(delayed).toBeLessThanOrEqual(3 + Math.ceil((performance.now() - t0) / 500));
    expect(delayed).toBeLessThan(20);
    expect(writes).toBe(20);
  });
});
