/** Temporary journal folders and open journals for tests, closed and removed after each test. */
import { afterEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal.ts';
import type { JournalSettingsInput } from './settings.ts';

export interface JournalFixture {
  tempDir(): Promise<string>;
  openJournal(s: JournalSettingsInput, hooks?: Parameters<typeof Journal.open>[1]): Promise<Journal>;
  /** Closes `j` now (e.g. to reopen its folder); the fixture no longer closes it. */
  close(j: Journal): Promise<void>;
}

/** Call at the top of a test file: `prefix` names its temp folders. */
export function useJournalFixture(prefix: string): JournalFixture {
  const dirs: string[] = [];
  const open: Journal[] = [];
  afterEach(async () => {
    for (const j of open.splice(0)) await j.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return {
    async tempDir() {
      const d = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    async openJournal(s, hooks) {
      const j = await Journal.open(s, hooks);
      open.push(j);
      return j;
    },
    async close(j) {
      await j.close();
      open.splice(open.indexOf(j), 1);
    },
  };
}
