/**
 * Small JSON documents that a CLI and a running service both edit (device registry, API tokens, gateway config):
 * writes go to a temporary file that is fsynced and renamed over the old one, so a crash leaves the old or the new
 * document, never half of one; read-modify-write cycles hold an exclusive lock file.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock older than this belongs to a writer that died holding it. */
export const LOCK_STALE_MS = 10_000;
export const LOCK_WAIT_MS = 5_000;

export class FileLockedError extends Error {
  override readonly name = 'FileLockedError';
}

const tmpName = (file: string): string => `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;

export async function writeFileAtomic(file: string, text: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = tmpName(file);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The same, blocking: for callers on a path that must not yield (a gateway applying its twin). */
export function writeFileAtomicSync(file: string, text: string, mode = 0o600): void {
  const tmp = tmpName(file);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Runs `fn` holding `<file>.lock`. Waits up to LOCK_WAIT_MS for another holder, then throws FileLockedError. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await stat(lock).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
      await unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new FileLockedError(`${file} is locked by another writer (${lock})`);
    await sleep(15);
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
