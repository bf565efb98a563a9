/**
 * Long network faults between a gateway and the hub through the link proxy: refused, black hole, slow, flapping every
 * few seconds, and a two-minute outage, then the same sequence again. FLEETSYNC_LINK_SCALE scales every duration.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../gateway/support.ts';
import { recordResult } from '../reliability/support.ts';
import { runLinkFaults, type Fault } from '../reliability/scenarios/link-faults.ts';

const SCALE = Number(process.env.FLEETSYNC_LINK_SCALE ?? 1);
const s = (seconds: number): number => Math.max(1, Math.round(seconds * SCALE));
const ROUND: Fault[] = [
  { kind: 'refused', seconds: s(30) },
  { kind: 'blackhole', seconds: s(45) },
  { kind: 'slow', seconds: s(30), latencyMs: 500, bytesPerSecond: 20_000 },
  { kind: 'flapping', seconds: s(60), everyMs: 3000 },
  { kind: 'outage', seconds: s(120) },
];

afterAll(removeTempDirs);

describe('chaos: long link faults between a gateway and the hub', () => {
  it('recovers after every fault and loses no acknowledged reading', { timeout: 20 * 60_000 }, async () => {
    const f = await runLinkFaults({ faults: [...ROUND, ...ROUND.slice(0, 4)], ratePerS: 50 });
    recordResult('chaos-link-faults', { ...f });
    expect(f.lost).toBe(0);
    expect(f.missingSeqs).toBe(0);
    for (const x of f.faults) expect(x.ackedDuring, x.fault).toBeGreaterThan(0);
  });
});
