/**
 * The hub endpoint stopped and started again eight times (down 1-10 s each, seeded) while a gateway forwards
 * sensor readings to it: the gateway reconnects every time and no acknowledged reading is lost.
 * FLEETSYNC_HUB_RESTARTS and FLEETSYNC_RESTART_SEED override.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../gateway/support.ts';
import { prng } from '../gateway/checks.ts';
import { recordResult } from '../reliability/support.ts';
import { runLinkFaults, type Fault } from '../reliability/scenarios/link-faults.ts';

const RESTARTS = Number(process.env.FLEETSYNC_HUB_RESTARTS ?? 8);
const SEED = Number(process.env.FLEETSYNC_RESTART_SEED ?? Math.floor(Math.random() * 2 ** 31));

afterAll(removeTempDirs);

describe(`chaos: the hub endpoint restarted ${RESTARTS} times under load (seed ${SEED})`, () => {
  it('is reconnected to after every restart and loses no acknowledged reading', { timeout: 15 * 60_000 }, async () => {
    const random = prng(SEED);
    const faults: Fault[] = Array.from({ length: RESTARTS }, () => ({ kind: 'hub-restart', seconds: 1 + Math.round(random() * 9) }));
    const f = await runLinkFaults({ faults, ratePerS: 50 });
    recordResult('chaos-hub-restarts', { seed: SEED, ...f });
    expect(f.lost).toBe(0);
    expect(f.missingSeqs).toBe(0);
  });
});
