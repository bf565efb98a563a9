import { copyFile, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../shared/fs/locked-file.ts';
import { dirname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkKey, type ExportTarget } from './export-target.ts';

/** Export files in a local folder. Writes go to a temporary name first and are renamed into place. */
export class LocalExportTarget implements ExportTarget {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = root;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const dest = join(this.root, checkKey(key));
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    await copyFile(localPath, tmp);
    await rename(tmp, dest);
  }

  async putBytes(key: string, data: Uint8Array): Promise<void> {
    const dest = join(this.root, checkKey(key));
    await mkdir(dirname(dest), { recursive: true });
    // Fsynced file and folder: the spool checkpoints Event Hubs right after this resolves.
    await writeFileAtomic(dest, data, 0o644);
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.root, checkKey(key)), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.endsWith('.tmp')) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    await walk(this.root);
    return out.sort();
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(join(this.root, checkKey(key))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async close(): Promise<void> {}
}
