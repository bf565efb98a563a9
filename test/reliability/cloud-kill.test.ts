/**
 * `fleetsync cloud` killed with SIGKILL twice in the middle of ingest (the chaos suite does it ten times): nothing
 * the hub acknowledged is lost or doubled. Scenario and figures: ./scenarios/cloud-kill.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../hub/support.ts';
import { killAllCloud, recordResult } from './support.ts';
import { runCloudKill } from './scenarios/cloud-kill.ts';

const KILLS = 2;

afterAll(async () => {
  await killAllCloud();
  await removeTempDirs();
});

describe(`the cloud service killed with SIGKILL ${KILLS} times under load`, () => {
  it('has every acknowledged batch in Bronze exactly once and every acknowledged reading in Silver exactly once', { timeout: 180_000 }, async () => {
    const f = await runCloudKill({ kills: KILLS, devices: 2 });
    recordResult('cloud-kill-fast', { ...f });
    expect(f.restarts).toBe(KILLS);
    expect(f.bronzeMissing).toBe(0);
    expect(f.bronzeDuplicated).toBe(0);
    expect(f.lost).toBe(0);
    expect(f.duplicated).toBe(0);
    expect(f.readingsAcked).toBeGreaterThan(0);
    expect(f.silverDistinct).toBe(f.readingsAcked);
  });
});
