import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { exportTargetContract } from './export-target.contract.ts';
import { LocalExportTarget } from './local-target.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

exportTargetContract('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-export-local-'));
  dirs.push(dir);
  return new LocalExportTarget(dir);
});
