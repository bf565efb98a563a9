/** The ingest replica's sink on a real folder: accept resolves only once its segment is on disk. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalExportTarget } from '../../storage/local-target.ts';
import type { HubTelemetry } from '../ingest-sink.ts';
import { decodeSegment } from './segment-codec.ts';
import { SPOOL_PREFIX } from './segment-key.ts';
import { SpoolWriteError, SpoolWriter, type SpoolWriterOptions } from './spool-writer.ts';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function folder(): Promise<LocalExportTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-spool-writer-'));
  dirs.push(dir);
  return new LocalExportTarget(dir);
}

/** A real folder whose writes can be made to fail, as a storage outage would. */
class FlakyFolder extends LocalExportTarget {
  failing = false;
  override async putBytes(key: string, data: Uint8Array): Promise<void> {
    if (this.failing) throw new Error('storage unavailable');
    return super.putBytes(key, data);
  }
}

const msg = (id: number, bytes = 10): HubTelemetry => ({
  deviceId: `gw-${id % 3}`,
  body: new Uint8Array(bytes).fill(id & 0xff),
  system: { messageId: `m-${id}` },
  properties: {},
  enqueuedAt: 1_754_000_000_000 + id,
});

const opts = (over: Partial<SpoolWriterOptions> = {}): SpoolWriterOptions => ({ writer: 'w1', flushDelayMs: 60_000, maxRecords: 1000, maxBytes: 4 << 20, ...over });

async function messageIds(target: LocalExportTarget): Promise<string[]> {
  const ids: string[] = [];
  for (const key of await target.list(SPOOL_PREFIX))
    for (const r of decodeSegment((await target.get(key))!).records) if (r.kind === 'telemetry') ids.push(r.msg.system.messageId ?? '');
  return ids;
}

describe('SpoolWriter', () => {
  it('resolves accept only after the segment holding the message is stored', async () => {
    const target = await folder();
    const w = new SpoolWriter(target, opts());
    let done = 0;
    const accepts = [1, 2, 3].map((i) => w.accept(msg(i)).then(() => done++));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(0);
    expect(await target.list(SPOOL_PREFIX)).toEqual([]);
    await w.flush();
    await Promise.all(accepts);
    expect(done).toBe(3);
    const keys = await target.list(SPOOL_PREFIX);
    expect(keys).toHaveLength(1);
    expect(await messageIds(target)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(w.stats).toMatchObject({ segmentsWritten: 1, recordsWritten: 3, writeFailures: 0, failingSince: null });
    await w.close();
  });

  it('writes after the flush delay without being asked', async () => {
    const target = await folder();
    const w = new SpoolWriter(target, opts({ flushDelayMs: 5 }));
    await w.accept(msg(1));
    expect(await messageIds(target)).toEqual(['m-1']);
    await w.close();
  });

  it('cuts a segment at maxRecords and at maxBytes', async () => {
    const target = await folder();
    const w = new SpoolWriter(target, opts({ maxRecords: 4 }));
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.accept(msg(i))));
    expect(await target.list(SPOOL_PREFIX)).toHaveLength(2);
    const big = new SpoolWriter(target, opts({ writer: 'w2', maxBytes: 100_000 }));
    await Promise.all(Array.from({ length: 3 }, (_, i) => big.accept(msg(100 + i, 60_000))).slice(0, 2));
    expect(await target.list(`${SPOOL_PREFIX}`)).toHaveLength(3);
    await big.close();
    expect(await target.list(SPOOL_PREFIX)).toHaveLength(4);
    expect((await messageIds(target)).sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `m-${i}`), 'm-100', 'm-101', 'm-102'].sort());
    await w.close();
  });

  it('rejects every accept of a segment that could not be stored, reports since when, and recovers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetsync-spool-writer-'));
    dirs.push(dir);
    const target = new FlakyFolder(dir);
    let t = 1_000;
    const w = new SpoolWriter(target, { ...opts(), now: () => t });
    target.failing = true;
    const a = w.accept(msg(1));
    const b = w.accept(msg(2));
    void w.flush();
    await expect(a).rejects.toBeInstanceOf(SpoolWriteError);
    await expect(b).rejects.toThrow(/storage unavailable/);
    expect(w.stats).toMatchObject({ writeFailures: 1, failingSince: 1_000, segmentsWritten: 0 });
    t = 5_000;
    target.failing = false;
    const c = w.accept(msg(3));
    await w.flush();
    await c;
    expect(w.stats).toMatchObject({ writeFailures: 1, failingSince: null, segmentsWritten: 1 });
    expect(await messageIds(target)).toEqual(['m-3']);
    await w.close();
  });

  it('carries connection notices in segments, and refuses accepts after close with a clear error', async () => {
    const target = await folder();
    const w = new SpoolWriter(target, opts());
    w.note({ deviceId: 'gw-1', connected: true, at: 5 });
    const a = w.accept(msg(1));
    await w.close();
    await a;
    const [key] = await target.list(SPOOL_PREFIX);
    expect(decodeSegment((await target.get(key!))!).records.map((r) => r.kind)).toEqual(['connection', 'telemetry']);
    await expect(w.accept(msg(2))).rejects.toThrow(/closed/);
  });
});
