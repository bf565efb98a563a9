/**
 * Silver built on the worker thread and inline give the same tables, also when runs are small enough that several
 * are in flight at once.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { hubMessage, tempDir } from './fixtures.ts';
import { fleetDays } from './fleet-days.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const pseudonym = (id: string): string => `drv_${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;

async function build(workerThread: boolean): Promise<Record<string, { rows: number; sha256: string }>> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const p = await openPipeline({
    dataDir: dir,
    newPseudonym: pseudonym,
    settings: { export: { enabled: false }, silver: { workerThread, batchesPerTransaction: 3 } },
  });
  try {
    expect((p as unknown as { silver: { threaded: boolean } }).silver.threaded).toBe(workerThread);
    for (const s of fleetDays(2, 2)) await p.sink.accept(hubMessage(s.device, s.body, s.onTime));
    await p.processPending();
    return await p.digest();
  } finally {
    await p.close();
  }
}

describe('Silver builder threads', () => {
  it('gives byte-identical Silver and Gold on the worker thread and inline', async () => {
    const threaded = await build(true);
    const inline = await build(false);
    expect(threaded.silver_readings!.rows).toBeGreaterThan(100);
    expect(threaded).toEqual(inline);
  });
});
