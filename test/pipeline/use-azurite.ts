// In a file of its own: azurite.ts is also used outside vitest (the bench).
import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type RunningAzurite } from './azurite.ts';

/**
 * Starts Azurite before the tests of the calling file (or describe block) and stops it after them. Call at the top
 * level or inside a describe; the returned function gives the running emulator to the tests.
 */
export function useAzurite(): () => RunningAzurite {
  let azurite: RunningAzurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 30_000);
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (azurite === undefined) throw new Error('Azurite is not running');
    return azurite;
  };
}
