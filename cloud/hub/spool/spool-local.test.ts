import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalExportTarget } from '../../storage/local-target.ts';
import { spoolContract } from './spool.contract.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

spoolContract('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-spool-'));
  dirs.push(dir);
  return new LocalExportTarget(dir);
});
