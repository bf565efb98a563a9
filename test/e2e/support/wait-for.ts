/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; everyMs?: number; lastSeen?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = opts.lastSeen ? `; last seen: ${opts.lastSeen()}` : '';
      const why = lastError ? `; last error: ${(lastError as Error).message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${seen}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 250));
  }
}

/** Rejects after `ms` with a message naming `what`, so a stuck step fails the test instead of hanging it. */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
