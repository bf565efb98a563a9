import { existsSync, statSync } from 'node:fs';
import { UsageError } from './usage-error.ts';

/** Resolves a file named on the command line, or fails with a one-line usage error. */
export function existingFile(path: string, what = 'file'): string {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${what} not found: ${path}`);
  return path;
}

export function positiveInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got '${raw}'`);
    return n;
  };
}
