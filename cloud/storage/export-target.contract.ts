/**
 * The one behaviour every ExportTarget must show. Each implementation's test file calls `exportTargetContract`
 * with a factory; nothing here knows which target it is talking to.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportKeyError, type ExportTarget } from './export-target.ts';

export function exportTargetContract(name: string, make: () => Promise<ExportTarget>): void {
  describe(`ExportTarget contract: ${name}`, () => {
    let target: ExportTarget;
    let scratch = '';
    const file = async (content: string): Promise<string> => {
      const p = join(scratch, `f-${Math.random().toString(36).slice(2)}`);
      await writeFile(p, content);
      return p;
    };
    const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'fleetsync-export-contract-'));
      target = await make();
    });
    afterAll(async () => {
      await target?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    it('stores a file under a key and reads it back byte for byte', async () => {
      await target.putFile('a/day=2024-03-04/data.parquet', await file('first'));
      expect(text(await target.get('a/day=2024-03-04/data.parquet'))).toBe('first');
    });

    it('replaces an existing object', async () => {
      await target.putFile('a/day=2024-03-05/data.parquet', await file('old'));
      await target.putFile('a/day=2024-03-05/data.parquet', await file('new'));
      expect(text(await target.get('a/day=2024-03-05/data.parquet'))).toBe('new');
    });

    it('lists keys under a prefix, sorted, and only those', async () => {
      await target.putFile('b/x.parquet', await file('x'));
      await target.putFile('a/day=2024-03-01/data.parquet', await file('y'));
      expect(await target.list('a/')).toEqual([
        'a/day=2024-03-01/data.parquet',
        'a/day=2024-03-04/data.parquet',
        'a/day=2024-03-05/data.parquet',
      ]);
      expect(await target.list('b/')).toEqual(['b/x.parquet']);
      expect(await target.list('nothing/')).toEqual([]);
    });

    it('deletes objects, and deleting a missing one is fine', async () => {
      await target.delete('b/x.parquet');
      await target.delete('b/x.parquet');
      expect(await target.get('b/x.parquet')).toBeNull();
      expect(await target.list('b/')).toEqual([]);
    });

    it('stores bytes from memory and reads them back, replacing an existing object', async () => {
      const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff);
      await target.putBytes('spool/0001-a.seg', Uint8Array.of(1, 2, 3));
      await target.putBytes('spool/0001-a.seg', bytes);
      expect(Buffer.from((await target.get('spool/0001-a.seg')) ?? []).equals(Buffer.from(bytes))).toBe(true);
      expect(await target.list('spool/')).toEqual(['spool/0001-a.seg']);
      await expect(target.putBytes('../spool.seg', bytes)).rejects.toBeInstanceOf(ExportKeyError);
    });

    it('answers null for a missing object', async () => {
      expect(await target.get('missing/none.parquet')).toBeNull();
    });

    it('refuses keys that could escape the export root', async () => {
      const p = await file('z');
      for (const bad of ['../evil.parquet', '/abs.parquet', 'a//b.parquet', 'a/./b', '']) {
        await expect(target.putFile(bad, p)).rejects.toBeInstanceOf(ExportKeyError);
      }
    });
  });
}
