/**
 * The journal's on-disk format number, kept in a plain text file FORMAT inside the LevelDB folder (LevelDB leaves
 * files with names it does not know alone). A release reads every format up to its own JOURNAL_FORMAT; an older
 * release cannot read what a newer one wrote. Formats:
 *   1  one LevelDB value per event; journals written before this marker existed have no FORMAT file
 *   2  a lane's appends in one write batch stored as one value, a block (block-format.ts)
 *   3  the telemetry lane may hold rollups (rollup.ts), events of a kind releases before it cannot send
 * package.json's `fleetsync.journalFormat` says the same number for the release scripts (deploy/edge/rollback.sh).
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const JOURNAL_FORMAT = 3;
export const FORMAT_FILE = 'FORMAT';

/** The folder was written in a newer format than this release reads. Nothing in it was touched. */
export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
  constructor(
    readonly dir: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `journal ${dir} is in format ${found}, written by a newer release; this release reads formats up to ${known} and does not open it ` +
        '(run a release that reads it, or move the folder away after it was sent)',
    );
  }
}

/** The FORMAT file's text, or null when there is none (format 1). */
export async function readFormatFile(dir: string): Promise<string | null> {
  try {
    return await readFile(join(dir, FORMAT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Throws JournalFormatError when `text` (the FORMAT file) says a format newer than this code's. A file that says no
 * number at all is not refused: it is rewritten by markFormat like any other wrong content.
 */
export function assertReadableFormat(dir: string, text: string | null): void {
  const m = text === null ? null : /^\s*(\d+)\s*$/.exec(text);
  const found = m ? Number(m[1]) : 1;
  if (found > JOURNAL_FORMAT) throw new JournalFormatError(dir, found, JOURNAL_FORMAT);
}

/** Writes `${JOURNAL_FORMAT}\n` to FORMAT unless `text` (what it says now) is exactly that: temp file, fsync, rename. */
export async function markFormat(dir: string, text: string | null): Promise<void> {
  const want = `${JOURNAL_FORMAT}\n`;
  if (text === want) return;
  const tmp = join(dir, `${FORMAT_FILE}.tmp`);
  const f = await open(tmp, 'w', 0o640);
  try {
    await f.writeFile(want);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, join(dir, FORMAT_FILE));
  const d = await open(dir, 'r');
  try {
    await d.sync(); // the rename itself survives a power cut
  } finally {
    await d.close();
  }
}
