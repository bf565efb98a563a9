import { describe, expect, it } from 'vitest';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import { JOURNAL_FORMAT, JournalFormatError } from './index.ts';
import { eventKey } from './keys.ts';
import { itemFor } from './test-items.ts';
import { useJournalFixture } from './test-journals.ts';

const { tempDir, openJournal, close } = useJournalFixture('fleetsync-format-');

// The FORMAT file in the journal folder (format-marker.ts), with real LevelDB folders on disk.


const marker = (dir: string): Promise<string> => readFile(join(dir, 'FORMAT'), 'utf8');
const MARK = `${JOURNAL_FORMAT}\n`;

/** Every file in the folder with its size, modification time and content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const s = await stat(p);
    out[name] = `${s.size} ${s.mtimeMs} ${(await readFile(p)).toString('base64')}`;
  }
  return out;
}

describe('journal format marker', () => {
  it('writes FORMAT with this format on the first open of a new folder, and no temp file is left', async () => {
    const dir = join(await tempDir(), 'journal');
    const j = await openJournal({ dir });
    expect(await marker(dir)).toBe(MARK);
    expect((await readdir(dir)).filter((n) => n.startsWith('FORMAT'))).toEqual(['FORMAT']);
    await j.append('telemetry', itemFor('telemetry', 1));
    await close(j);
  });

  it('does not rewrite a FORMAT that already says this format', async () => {
    const dir = await tempDir();
    await close(await openJournal({ dir }));
    const before = await stat(join(dir, 'FORMAT'));
    await new Promise((r) => setTimeout(r, 20));
    await close(await openJournal({ dir }));
    const after = await stat(join(dir, 'FORMAT'));
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
    expect(await marker(dir)).toBe(MARK);
  });

  it('rewrites a FORMAT that says an older format or no number', async () => {
    const dir = await tempDir();
    for (const text of [`${JOURNAL_FORMAT - 1}\n`, 'garbage', '']) {
      await writeFile(join(dir, 'FORMAT'), text);
      await close(await openJournal({ dir }));
      expect(await marker(dir)).toBe(MARK);
    }
  });

  it('refuses a folder a newer release wrote, naming the folder and both formats, and leaves the folder untouched', async () => {
    const dir = await tempDir();
    const j = await openJournal({ dir });
    await j.append('alerts', itemFor('alerts', 1));
    await close(j);
    await writeFile(join(dir, 'FORMAT'), `${JOURNAL_FORMAT + 1}\n`);
    const before = await snapshot(dir);

    const err = await openJournal({ dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JournalFormatError);
    expect((err as Error).message).toContain(`journal ${dir} is in format ${JOURNAL_FORMAT + 1}`);
    expect((err as Error).message).toContain(`reads formats up to ${JOURNAL_FORMAT}`);
    expect(err).toMatchObject({ dir, found: JOURNAL_FORMAT + 1, known: JOURNAL_FORMAT });
    expect(await snapshot(dir)).toEqual(before);

    // Only the marker kept it closed: the data is all there for a release that reads it.
    await writeFile(join(dir, 'FORMAT'), MARK);
    const j3 = await openJournal({ dir });
    expect(j3.laneStatus('alerts')).toMatchObject({ backlogEvents: 1, nextSeq: 2 });
  });

  it('opens a journal written before the marker existed (no FORMAT, one value per event) and marks it', async () => {
    const dir = await tempDir();
    const packr = new Packr({ useRecords: false });
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    for (const seq of [1, 2, 3]) await db.put(eventKey('telemetry', seq), packr.pack({ seq, ...itemFor('telemetry', seq) }));
    await db.close();
    expect(await readdir(dir)).not.toContain('FORMAT');

    const j = await openJournal({ dir });
    expect(j.laneStatus('telemetry')).toMatchObject({ backlogEvents: 3, nextSeq: 4 });
    expect(await marker(dir)).toBe(MARK);
  });

  it('package.json declares the journal format this code reads (fleetsync.journalFormat, for the release scripts)', async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { fleetsync?: { journalFormat?: unknown } };
    expect(pkg.fleetsync?.journalFormat).toBe(JOURNAL_FORMAT);
  });
});
