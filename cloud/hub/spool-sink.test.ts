import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolSink, idempotencyKey } from './spool-sink.ts';
import type { HubTelemetry } from './ingest-sink.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const msg = (i: number): HubTelemetry => ({
  deviceId: `d${i % 3}`,
  body: Buffer.from(`body-${i}`),
  system: { messageId: `m${i}`, contentType: 'application/json' },
  properties: { i: String(i) },
  enqueuedAt: 1000 + i,
});

describe('spool sink', () => {
  it('stores everything it acknowledged, in order, across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-spool-'));
    dirs.push(dir);
    const spool = await SpoolSink.open(dir);
    await Promise.all(Array.from({ length: 500 }, (_, i) => spool.accept(msg(i))));
    await spool.close();
    await expect(spool.accept(msg(9))).rejects.toThrow(/closed/);

    const again = await SpoolSink.open(dir);
    expect(again.lastSeq).toBe(500);
    const first = await again.read({ limit: 1000 });
    expect(first).toHaveLength(500);
    expect(first[0]).toEqual({ seq: 1, ...msg(0), body: new Uint8Array(Buffer.from('body-0')) });
    expect(first.map((r) => r.system.messageId)).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    expect(new Set(first.map(idempotencyKey)).size).toBe(500);

    await again.accept(msg(500));
    expect((await again.read({ after: 500 })).map((r) => r.seq)).toEqual([501]);
    await again.trim(250);
    expect((await again.read())[0]?.seq).toBe(251);
    await again.close();
  });
});
