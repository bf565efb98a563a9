import { describe, it, expect } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoff with jitter', () => {
  it('grows exponentially up to the cap', () => {
    const top = () => 1; // the largest jitter draw
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1000, top))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('never waits less than half the minimum, so a flapping link cannot spin', () => {
    expect(backoffDelay(5, 100, 1000, () => 0)).toBe(50);
  });

  it('spreads retries of many gateways apart', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelay(6, 100, 10_000, rnd)));
    expect(draws.size).toBeGreaterThan(40);
  });
});
