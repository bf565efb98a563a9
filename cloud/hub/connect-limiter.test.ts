import { describe, expect, it } from 'vitest';
import { ConnectLimiter } from './connect-limiter.ts';

describe('failed CONNECTs per address', () => {
  it('refuses an address after `limit` failures until the window ends, logging loudly once per window', () => {
    let now = 1_000_000;
    const l = new ConnectLimiter({ limit: 3, windowS: 10, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(l.check('10.0.0.1')).toBeNull();
      l.failed('10.0.0.1');
    }
    expect(l.check('10.0.0.1')).toEqual({ retryAfterS: 10, first: true });
    now += 4000;
    expect(l.check('10.0.0.1')).toEqual({ retryAfterS: 6, first: false });
    // Other addresses are not affected.
    expect(l.check('10.0.0.2')).toBeNull();
    now += 6000;
    expect(l.check('10.0.0.1')).toBeNull();
  });

  it('is off with limit 0', () => {
    const l = new ConnectLimiter({ limit: 0, windowS: 10 });
    for (let i = 0; i < 100; i++) l.failed('x');
    expect(l.check('x')).toBeNull();
  });
});
