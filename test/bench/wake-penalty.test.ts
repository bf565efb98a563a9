import { describe, expect, it } from 'vitest';
import { measureWakePenalty } from '../../bench/suites/wake-penalty.ts';

describe('host wake-up cost (bench helper)', () => {
  it('times the same parse on both sides and reports the idle it slept', async () => {
    const w = await measureWakePenalty(2, 5);
    expect(w.idleMs).toBe(2);
    for (const us of [w.hotUs, w.afterIdleUs]) {
      expect(Number.isFinite(us)).toBe(true);
      expect(us).toBeGreaterThan(0);
    }
  });
});
