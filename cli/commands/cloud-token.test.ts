import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenStore, tokenFile } from '../../cloud/auth/token-store.ts';
import { UsageError } from '../usage-error.ts';
import { registerTokenCommands } from './cloud-token.ts';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Runs `cloud <args>` with the token commands registered on a stand-in `cloud` command; returns stdout. */
let defaultDir = '';
async function run(...args: string[]): Promise<string> {
  // Like the real `cloud` command: its own --data with a default.
  const cloud = new Command('cloud').option('--data <dir>', 'data folder', defaultDir).exitOverride();
  registerTokenCommands(cloud);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await cloud.parseAsync(args, { from: 'user' });
  vi.restoreAllMocks();
  return out;
}

describe('fleetsync cloud token', () => {
  it('creates a token printed once, lists and revokes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetsync-cli-token-'));
    defaultDir = await mkdtemp(join(tmpdir(), 'fleetsync-cli-token-default-'));
    dirs.push(dir, defaultDir);
    const token = (await run('token', 'create', '--role', 'operator', '--label', 'ops', '--data', dir)).trim();
    expect(token).toMatch(/^fst_[A-Za-z0-9_-]{43}$/);
    expect(await readFile(tokenFile(dir), 'utf8')).not.toContain(token);
    const info = await (await TokenStore.open(dir)).verify(token);
    expect(info).toMatchObject({ role: 'operator', label: 'ops' });
    const list = await run('token', 'list', '--data', dir);
    expect(list).toContain(info!.id);
    expect(list).not.toContain(token);
    // --data on `cloud` itself works too.
    await run('--data', dir, 'token', 'revoke', info!.id);
    await expect(run('token', 'revoke', info!.id)).rejects.toBeInstanceOf(UsageError); // the default folder has no such token
    expect(await (await TokenStore.open(dir)).verify(token)).toBeNull();
    expect(JSON.parse(await run('token', 'list', '--json', '--data', dir))[0].revokedAt).not.toBeNull();
  });

  it('refuses a bad role or an unknown id as a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetsync-cli-token-'));
    dirs.push(dir);
    await expect(run('token', 'create', '--role', 'root', '--data', dir)).rejects.toBeInstanceOf(UsageError);
    await expect(run('token', 'revoke', 'tok_000000000000', '--data', dir)).rejects.toBeInstanceOf(UsageError);
  });
});
