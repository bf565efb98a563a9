/**
 * The maintenance subcommands as `fleetsync cloud` will mount them: replay --verify and erase, on a real data
 * folder, in-process (options given to `cloud` or to the subcommand).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCloudErase } from '../../cli/commands/cloud-erase.ts';
import { registerCloudReplay } from '../../cli/commands/cloud-replay.ts';
import { UsageError } from '../../cli/usage-error.ts';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { DB_FILE } from '../../cloud/storage/duckdb.ts';
import { hubMessage, tempDir } from './fixtures.ts';
import { fleetDays } from './fleet-days.ts';

let dir = '';
let cleanup: () => Promise<void>;

function program(): Command {
  const cloud = new Command('cloud').option('--config <file>').option('--data <dir>').exitOverride();
  registerCloudReplay(cloud);
  registerCloudErase(cloud);
  for (const c of cloud.commands) c.exitOverride();
  return cloud;
}

async function run(...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program().parseAsync(args, { from: 'user' });
    return { out, exitCode: process.exitCode as number | undefined };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('fleetsync-cli-'));
  const p = await openPipeline({ dataDir: dir });
  for (const s of fleetDays(2, 1)) await p.sink.accept(hubMessage(s.device, s.body, s.onTime));
  // Left unprocessed on purpose: replay starts from Bronze.
  await p.close();
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe('fleetsync cloud replay', () => {
  it('rebuilds from Bronze and verifies that every table comes out identical', async () => {
    const r = await run('--data', dir, 'replay', '--verify');
    expect(r.out).toMatch(/Bronze batches, \d+ events -> Silver/);
    expect(r.out).toContain('every table is identical to before the replay');
    expect(r.out).toMatch(/silver_readings\s+\d+ rows/);
    expect(r.exitCode).toBeUndefined();
  });
});

describe('fleetsync cloud erase', () => {
  it('needs exactly one subject', async () => {
    await expect(run('erase', '--data', dir)).rejects.toBeInstanceOf(UsageError);
    await expect(run('erase', '--data', dir, '--vehicle', 'A', '--driver', 'B')).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses a reference that names the subject', async () => {
    await expect(run('erase', '--data', dir, '--vehicle', 'TRK-100', '--reference', 'erase TRK-100 please')).rejects.toThrow(/must not contain/);
  });

  it('erases a vehicle and leaves the database file without it', async () => {
    const r = await run('erase', '--data', dir, '--vehicle', 'TRK-100', '--reference', 'REQ-1');
    expect(r.out).toContain('vehicle erased');
    expect(r.out).toContain('database file rewritten');
    expect((await readFile(join(dir, DB_FILE))).includes(Buffer.from('TRK-100'))).toBe(false);
    const p = await openPipeline({ dataDir: dir });
    try {
      expect((await p.queries.syncHealth()).map((h) => h.vehicle)).toEqual(['TRK-101']);
    } finally {
      await p.close();
    }
  });
});
