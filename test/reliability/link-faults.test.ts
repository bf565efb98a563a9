/**
 * Network faults between a gateway and the hub, through the link proxy: connection refused, a black hole
 * (half-open link), a slow link and a flapping one, a few seconds each (the chaos suite runs them for minutes, plus an
 * outage). The gateway recovers after each, and nothing a sensor got a PUBACK for is lost on the way to the hub.
 * Scenario and figures: ./scenarios/link-faults.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../gateway/support.ts';
import { recordResult } from './support.ts';
import { runLinkFaults } from './scenarios/link-faults.ts';

afterAll(removeTempDirs);

describe('link faults between a gateway and the hub', () => {
  it('recovers after refused, black-hole, slow and flapping links, and loses no acknowledged reading', { timeout: 150_000 }, async () => {
    const f = await runLinkFaults({
      faults: [
        { kind: 'refused', seconds: 3 },
        { kind: 'blackhole', seconds: 5 },
        { kind: 'slow', seconds: 4, latencyMs: 200, bytesPerSecond: 50_000 },
        { kind: 'flapping', seconds: 6, everyMs: 1000 },
      ],
    });
    recordResult('link-faults-fast', { ...f });
    expect(f.faults).toHaveLength(4);
    expect(f.lost).toBe(0);
    expect(f.missingSeqs).toBe(0);
    expect(f.readingsAcked).toBeGreaterThan(0);
    // Sensors keep getting PUBACKs while the uplink is down: the journal takes everything.
    for (const x of f.faults) expect(x.ackedDuring, x.fault).toBeGreaterThan(0);
  });
});
