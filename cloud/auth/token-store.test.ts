import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken, TokenStore, TokenStoreError, tokenFile } from './token-store.ts';

const dirs: string[] = [];
const dir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'fleetsync-tokens-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('token store', () => {
  it('stores only a hash of each token, in a file only the owner can read', async () => {
    const d = await dir();
    const store = await TokenStore.open(d);
    const { token, info } = await store.create('operator', 'ops laptop');
    expect(token).toMatch(/^fst_[A-Za-z0-9_-]{43}$/);
    const text = await readFile(tokenFile(d), 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(4));
    expect(text).toContain(hashToken(token));
    expect((await stat(tokenFile(d))).mode & 0o077).toBe(0);
    expect(await store.verify(token)).toEqual(info);
    expect(info).not.toHaveProperty('hash');
  });

  it('refuses unknown, malformed and revoked tokens', async () => {
    const store = await TokenStore.open(await dir());
    const { token, info } = await store.create('viewer');
    expect(await store.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await store.verify('')).toBeNull();
    expect(await store.verify("' OR 1=1 --")).toBeNull();
    expect(await store.verify('x'.repeat(100_000))).toBeNull();
    await store.revoke(info.id);
    expect(await store.verify(token)).toBeNull();
    expect(await store.isLive(info.id)).toBe(false);
    expect((await store.list())[0]!.revokedAt).not.toBeNull();
    await expect(store.revoke('tok_000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sees tokens created and revoked by another process (another store on the same file)', async () => {
    const d = await dir();
    let t = 0;
    const server = await TokenStore.open(d, { reloadEveryMs: 1000, now: () => t });
    const cli = await TokenStore.open(d);
    const { token, info } = await cli.create('admin');
    expect(await server.verify(token)).toBeNull(); // not re-read yet: within the reload interval
    t += 1000;
    expect((await server.verify(token))?.id).toBe(info.id);
    await cli.revoke(info.id);
    t += 1000;
    expect(await server.verify(token)).toBeNull();
  });

  it('names the problem in a corrupt token file and refuses bad roles', async () => {
    const d = await dir();
    const store = await TokenStore.open(d);
    await expect(store.create('root' as never)).rejects.toBeInstanceOf(TokenStoreError);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(tokenFile(d), '{"version":1,"tokens":[{"id":"nope"}]}');
    await expect(TokenStore.open(d)).rejects.toThrow(/tokens\/0/);
  });
});
