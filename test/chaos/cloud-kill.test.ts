/** `fleetsync cloud` killed with SIGKILL ten times under ingest from three devices (FLEETSYNC_CLOUD_KILLS overrides). */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../hub/support.ts';
import { killAllCloud, recordResult } from '../reliability/support.ts';
import { runCloudKill } from '../reliability/scenarios/cloud-kill.ts';

const KILLS = Number(process.env.FLEETSYNC_CLOUD_KILLS ?? 10);

afterAll(async () => {
  await killAllCloud();
  await removeTempDirs();
});

describe(`chaos: the cloud service killed with SIGKILL ${KILLS} times`, () => {
  it('keeps every acknowledged batch in Bronze exactly once and every acknowledged reading in Silver exactly once', { timeout: 15 * 60_000 }, async () => {
    const f = await runCloudKill({ kills: KILLS, devices: 3, ...(process.env.FLEETSYNC_KILL_SEED ? { seed: Number(process.env.FLEETSYNC_KILL_SEED) } : {}) });
    recordResult('chaos-cloud-kill', { ...f });
    expect(f.restarts).toBe(KILLS);
    expect(f.bronzeMissing).toBe(0);
    expect(f.bronzeDuplicated).toBe(0);
    expect(f.lost).toBe(0);
    expect(f.duplicated).toBe(0);
    expect(f.silverDistinct).toBe(f.readingsAcked);
  });
});
