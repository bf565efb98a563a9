/**
 * A wall clock that jumps, for one child process: libfaketime (Debian package `faketime`) preloaded into it, reading
 * its offset from a control file this process rewrites while the child runs. Only the wall clock moves (Date.now,
 * TLS certificate checks, SAS token expiry); the monotonic clock behind timers stays real.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** The libfaketime library, or null when the package is not installed. */
export const FAKETIME_LIB: string | null = CANDIDATES.find((f) => existsSync(f)) ?? null;

export const FAKETIME_MISSING = 'libfaketime is not installed (Debian: apt-get install -y faketime); the clock-jump test is skipped';

export interface FakedClock {
  /** Environment for the child process. */
  readonly env: Readonly<Record<string, string>>;
  /** Current offset of the child's wall clock from the real one. */
  readonly offsetMs: number;
  /** Moves the child's wall clock to real time + `offsetMs` (seen by the child within about a second). */
  set(offsetMs: number): Promise<void>;
}

/** Seconds the child keeps an offset before reading the control file again. */
const CACHE_S = 1;

export async function fakedClock(dir: string, offsetMs = 0): Promise<FakedClock> {
  if (!FAKETIME_LIB) throw new Error(FAKETIME_MISSING);
  const file = join(dir, 'faketime.rc');
  const write = (ms: number): Promise<void> => writeFile(file, `${ms >= 0 ? '+' : '-'}${Math.round(Math.abs(ms) / 1000)}\n`);
  await write(offsetMs);
  let current = offsetMs;
  return {
    env: {
      LD_PRELOAD: FAKETIME_LIB,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_CACHE_DURATION: String(CACHE_S),
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    get offsetMs() {
      return current;
    },
    set: async (ms) => {
      await write(ms);
      current = ms;
      // Let the child's cache run out, so that after this the child's clock has moved.
      await new Promise((r) => setTimeout(r, CACHE_S * 1000 + 300));
    },
  };
}
