/**
 * The gateway's own wall clock jumps three hours forward and back again while sensors publish (libfaketime preloaded
 * into the gateway process only; skipped when the `faketime` package is missing). Nothing acknowledged is lost,
 * the seqs stay gap-free, and Silver keeps the sensor time and the gateway's (jumped) receive time side by side.
 * A gateway whose clock is behind the hub's from the start must connect too (the hub's certificates are backdated).
 * The longer run, with more jumps, is test/chaos/clock-jump.test.ts; test/chaos/fleet-faults.test.ts jumps a simulated truck's gateway.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs as removeGatewayDirs } from '../gateway/support.ts';
import { removeTempDirs as removeHubDirs } from '../hub/support.ts';
import { FAKETIME_LIB, FAKETIME_MISSING } from '../support/faked-clock.ts';
import { expectClockJumpHeld, runClockJump } from './clock-jump.ts';
import { recordResult } from './support.ts';

const H = 3_600_000;

afterAll(async () => {
  await removeGatewayDirs();
  await removeHubDirs();
});

describe.skipIf(!FAKETIME_LIB)(`gateway wall clock jumps forward 3 h and back${FAKETIME_LIB ? '' : ` (skipped: ${FAKETIME_MISSING})`}`, () => {
  it('loses nothing acknowledged, keeps seqs gap-free, and Silver keeps both the sensor and the gateway time', { timeout: 60_000 }, async () => {
    const f = await runClockJump({ phases: [{ offsetMs: 0, seconds: 2 }, { offsetMs: 3 * H, seconds: 3 }, { offsetMs: 0, seconds: 3 }], jumpBackWindowS: 3 });
    recordResult('clock-jump-fast', { ...f });
    expect(f.phases.map((p) => p.reconnected)).toEqual([true, true, true]);
    expect(f.readingsAcked).toBeGreaterThan(100);
    // Receive times three hours ahead while the gateway's clock was, real ones before and after.
    expectClockJumpHeld(f, [0, 3]);
  });

  // The hub made its certificates moments ago; a certificate valid only from then is not yet valid on this clock.
  it('connects with a clock 30 min behind the hub from the start, and again after it falls 45 min behind', { timeout: 60_000 }, async () => {
    const f = await runClockJump({ phases: [{ offsetMs: -0.5 * H, seconds: 3 }, { offsetMs: -0.75 * H, seconds: 3 }], jumpBackWindowS: 3 });
    recordResult('clock-behind', { ...f });
    expect(f.phases.map((p) => p.reconnected)).toEqual([true, true]);
    expect(f.readingsAcked).toBeGreaterThan(100);
    expectClockJumpHeld(f, [-0.5, -0.75]);
  });
});
