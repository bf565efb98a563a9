/**
 * API bearer tokens, persisted in the data folder. Only a SHA-256 of each token is stored: tokens are 32 random
 * bytes, so a plain hash is as good as a slow one and lets a request be checked with one map lookup. The file may be
 * changed by another process (`fleetsync cloud token create` while the service runs): the store notices a changed
 * file and reloads it, so new and revoked tokens take effect within `reloadEveryMs`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ROLES, type Role } from './roles.ts';
import { FileLockedError, withFileLock, writeFileAtomic } from '../../shared/fs/locked-file.ts';

export const TOKEN_PREFIX = 'fst_';
const TOKEN_RE = /^fst_[A-Za-z0-9_-]{43}$/;

const TokenRecordSchema = Type.Object(
  {
    id: Type.String({ pattern: '^tok_[0-9a-f]{12}$' }),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    label: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    createdAt: Type.Integer(),
    revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
const TokenFileSchema = Type.Object({ version: Type.Literal(1), tokens: Type.Array(TokenRecordSchema) }, { additionalProperties: false });
type TokenRecord = Static<typeof TokenRecordSchema>;
type TokenFile = Static<typeof TokenFileSchema>;
const checkFile = TypeCompiler.Compile(TokenFileSchema);

/** What callers see of a token: never the hash, never the token. */
export interface TokenInfo {
  id: string;
  role: Role;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export type TokenStoreErrorCode = 'NOT_FOUND' | 'CORRUPT' | 'LOCKED' | 'INVALID';

export class TokenStoreError extends Error {
  override readonly name = 'TokenStoreError';
  constructor(
    readonly code: TokenStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const tokenFile = (dataDir: string): string => join(dataDir, 'auth', 'tokens.json');
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

const info = (r: TokenRecord): TokenInfo => ({ id: r.id, role: r.role, label: r.label, createdAt: r.createdAt, revokedAt: r.revokedAt });

async function readTokenFile(file: string): Promise<TokenFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: [] };
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TokenStoreError('CORRUPT', `token file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (!checkFile.Check(raw)) {
    const e = checkFile.Errors(raw).First();
    throw new TokenStoreError('CORRUPT', `token file ${file}: ${e ? `${e.path || '/'}: ${e.message}` : 'invalid'}`);
  }
  return raw;
}

/** The shared lock's timeout, reported with this store's error code. */
async function lockedOrCoded<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withFileLock(file, fn);
  } catch (err) {
    if (err instanceof FileLockedError) throw new TokenStoreError('LOCKED', err.message);
    throw err;
  }
}

export interface TokenStoreOptions {
  /** How often a lookup may check the file for changes made by another process. */
  reloadEveryMs?: number;
  now?: () => number;
}

export class TokenStore {
  private byHash = new Map<string, TokenRecord>();
  private records: TokenRecord[] = [];
  private fileStamp = '';
  private checkedAt = 0;
  private reloading: Promise<void> | null = null;

  private constructor(
    readonly file: string,
    private readonly reloadEveryMs: number,
    private readonly now: () => number,
  ) {}

  static async open(dataDir: string, opts: TokenStoreOptions = {}): Promise<TokenStore> {
    const store = new TokenStore(tokenFile(dataDir), opts.reloadEveryMs ?? 1000, opts.now ?? Date.now);
    await mkdir(dirname(store.file), { recursive: true, mode: 0o700 });
    await store.reload();
    return store;
  }

  private async stamp(): Promise<string> {
    const st = await stat(this.file).catch(() => undefined);
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'none';
  }

  private async reload(): Promise<void> {
    const stamp = await this.stamp();
    const doc = await readTokenFile(this.file);
    this.records = doc.tokens;
    this.byHash = new Map(doc.tokens.map((t) => [t.hash, t]));
    this.fileStamp = stamp;
    this.checkedAt = this.now();
  }

  private async refreshIfChanged(): Promise<void> {
    if (this.now() - this.checkedAt < this.reloadEveryMs) return;
    this.reloading ??= (async () => {
      try {
        this.checkedAt = this.now();
        if ((await this.stamp()) !== this.fileStamp) await this.reload();
      } catch {
        // Keep the tokens we have: a half-written or unreadable file must not lock everybody out.
      } finally {
        this.reloading = null;
      }
    })();
    await this.reloading;
  }

  private async update<T>(change: (doc: TokenFile) => T): Promise<T> {
    return lockedOrCoded(this.file, async () => {
      const doc = await readTokenFile(this.file);
      const out = change(doc);
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
      await this.reload();
      return out;
    });
  }

  /** Creates a token. The token itself is returned once and never stored. */
  async create(role: Role, label: string | null = null): Promise<{ token: string; info: TokenInfo }> {
    if (!(ROLES as readonly string[]).includes(role)) throw new TokenStoreError('INVALID', `role must be one of ${ROLES.join(', ')}, got '${String(role)}'`);
    if (label !== null && label.length > 200) throw new TokenStoreError('INVALID', 'label must be at most 200 characters');
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rec: TokenRecord = { id: `tok_${randomBytes(6).toString('hex')}`, role, label, hash: hashToken(token), createdAt: this.now(), revokedAt: null };
    await this.update((doc) => doc.tokens.push(rec));
    return { token, info: info(rec) };
  }

  /** Revokes a token by id; revoking twice is harmless. */
  async revoke(id: string): Promise<TokenInfo> {
    return this.update((doc) => {
      const rec = doc.tokens.find((t) => t.id === id);
      if (!rec) throw new TokenStoreError('NOT_FOUND', `token not found: ${id}`);
      rec.revokedAt ??= this.now();
      return info(rec);
    });
  }

  async list(): Promise<TokenInfo[]> {
    await this.refreshIfChanged();
    return this.records.map(info);
  }

  /** The live token a presented bearer value belongs to, or null. */
  async verify(presented: string): Promise<TokenInfo | null> {
    if (!TOKEN_RE.test(presented)) return null;
    await this.refreshIfChanged();
    const rec = this.byHash.get(hashToken(presented));
    return rec && rec.revokedAt === null ? info(rec) : null;
  }

  /** Is this token id still valid (not revoked, not removed)? For long-lived streams. */
  async isLive(id: string): Promise<boolean> {
    await this.refreshIfChanged();
    return this.records.some((r) => r.id === id && r.revokedAt === null);
  }
}
