import { setTimeout as sleep } from 'node:timers/promises';

export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/**
 * Polls `probe` every `everyMs` until it returns something other than undefined, null or false, and returns that;
 * fails after `timeoutMs` naming `what`, so a condition that never comes fails the test instead of hanging it.
 */
export async function waitFor<T>(what: string, probe: Probe<T>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
