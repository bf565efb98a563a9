/**
 * The gateway process's wall clock jumps while sensors publish (libfaketime; skipped without the `faketime`
 * package): three hours ahead, back to real time, six hours ahead, back again, with the link dropped once in
 * every phase so the gateway reconnects under each clock. Nothing acknowledged may be lost, seqs stay gap-free,
 * Silver keeps sensor time and gateway time. Also measures how many telemetry events the gateway sends in the
 * seconds after a jump back (a batch begun before the jump waits on the wall clock).
 */
import { afterAll, describe, it } from 'vitest';
import { removeTempDirs as removeGatewayDirs } from '../gateway/support.ts';
import { removeTempDirs as removeHubDirs } from '../hub/support.ts';
import { FAKETIME_LIB, FAKETIME_MISSING } from '../support/faked-clock.ts';
import { expectClockJumpHeld, runClockJump } from '../reliability/clock-jump.ts';
import { recordResult } from '../reliability/support.ts';

const H = 3_600_000;

afterAll(async () => {
  await removeGatewayDirs();
  await removeHubDirs();
});

describe.skipIf(!FAKETIME_LIB)(`chaos: gateway wall clock +3 h, back, +6 h, back${FAKETIME_LIB ? '' : ` (skipped: ${FAKETIME_MISSING})`}`, () => {
  it('loses nothing acknowledged and keeps both times through every jump', { timeout: 5 * 60_000 }, async () => {
    const f = await runClockJump({
      phases: [
        { offsetMs: 0, seconds: 6 },
        { offsetMs: 3 * H, seconds: 12 },
        { offsetMs: 0, seconds: 12 },
        { offsetMs: 6 * H, seconds: 12 },
        { offsetMs: 0, seconds: 12 },
      ],
      jumpBackWindowS: 10,
    });
    recordResult('chaos-clock-jump', { ...f });
    expectClockJumpHeld(f, [0, 3, 6]);
  });
});
