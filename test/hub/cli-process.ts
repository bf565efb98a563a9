/** The `fleetsync` CLI as a user runs it, in separate processes, for tests of the command line. */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { DB_FILE } from '../../cloud/storage/duckdb.ts';

const bin = fileURLToPath(new URL('../../cli/fleetsync.js', import.meta.url));
const children: ChildProcess[] = [];

/**
 * Runs one command in this process through the CLI's main() (fast), capturing what it prints. The status is main()'s,
 * or the exit code a command set while returning 0.
 */
export async function runInProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    process.exitCode = undefined;
    const status = await main(args);
    return { status: status || Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/** Runs one command to completion in a process of its own. */
export const cli = (...args: string[]): SpawnSyncReturns<string> => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

export interface CliProcess {
  proc: ChildProcess;
  /** Everything printed so far: stdout (the user's lines) and stderr (the JSON logs). */
  out(): string;
  logs(): string;
  /** Exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts a long-running command (e.g. `cloud`); killCliProcesses ends whatever is left. */
export function startCli(...args: string[]): CliProcess {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let logs = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (logs += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => out, logs: () => logs, exited };
}

/** For afterAll: a failed test must not leave a service running. */
export function killCliProcesses(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}

/** Rows of one query against the cloud's DuckDB file in `dataDir`, opened read-only after the service stopped. */
export async function queryDatabase(dataDir: string, sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(join(dataDir, DB_FILE), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
