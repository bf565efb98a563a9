import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JournalUnavailableError, JournalWriteError, type JournalItem } from './index.ts';

// A real full disk: a small tmpfs. The filler is larger than what the journal writes, so deleting it leaves room for
// LevelDB's reopen (which rewrites its log as a table before deleting the log). Mounting needs root (as in CI); elsewhere the test is skipped.
let mnt = '';
let mounted = false;
beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'fleetsync-journal-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const incompressible = (i: number): JournalItem => ({
  rt: 1_700_000_000_000 + i,
  kind: 'reject',
  body: { topic: 'fleet/t1/s1', raw: randomBytes(4096), reason: 'test payload' },
});

describe('journal on a full disk (tmpfs)', () => {
  it('rejects appends while the disk is full and accepts again, without a seq gap, once space returns', async (ctx) => {
    if (!mounted) ctx.skip();
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(5 * 1024 * 1024, 1));
    const j = await Journal.open({ dir: join(mnt, 'journal'), reopenMinMs: 20, reopenMaxMs: 100, maintenanceIntervalMs: 60_000 });
    try {
      const stored: number[] = [];
      let firstFailure: unknown = null;
      for (let i = 0; firstFailure === null && i < 5000; i += 8) {
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, k) => j.append('rejects', incompressible(i + k))));
        for (const r of results) {
          if (r.status === 'fulfilled') stored.push(r.value);
          else firstFailure ??= r.reason;
        }
      }
      expect(firstFailure).toBeInstanceOf(JournalWriteError);
      expect(String((firstFailure as JournalWriteError).message)).toMatch(/No space left/);
      expect(stored).toEqual(Array.from({ length: stored.length }, (_, k) => k + 1));

      // Still full: nothing is accepted (so no PUBACK would be sent).
      const during = await j.append('rejects', incompressible(0)).catch((e: unknown) => e);
      expect(during instanceof JournalUnavailableError || during instanceof JournalWriteError).toBe(true);

      rmSync(join(mnt, 'filler'));
      await vi.waitFor(() => expect(j.state).toBe('open'), { timeout: 10_000, interval: 20 });
      const next = await j.append('rejects', incompressible(1));
      expect(next).toBe(j.committedSeq('rejects'));
      // Every acknowledged seq is there; a failed batch that did land is kept, never overwritten.
      expect(next).toBeGreaterThan(stored.at(-1)!);
      const c = j.cursor('rejects');
      const seen: number[] = [];
      for (let chunk = await c.next({ decode: false }); chunk.seqs.length > 0; chunk = await c.next({ decode: false })) seen.push(...chunk.seqs);
      expect(seen).toEqual(Array.from({ length: next }, (_, k) => k + 1));
    } finally {
      await j.close();
    }
  });
});
