import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.ts';

describe('auth failure limiter', () => {
  it('blocks a client after `limit` failures until its window ends, and only that client', () => {
    let now = 1000;
    const l = new FailureLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    expect(l.fail('a')).toBe(false);
    expect(l.fail('a')).toBe(false);
    expect(l.retryAfterS('a')).toBe(0);
    expect(l.fail('a')).toBe(true);
    expect(l.retryAfterS('a')).toBe(60);
    expect(l.retryAfterS('b')).toBe(0);
    now += 59_500;
    expect(l.retryAfterS('a')).toBe(1);
    now += 500;
    expect(l.retryAfterS('a')).toBe(0);
    expect(l.fail('a')).toBe(false); // a fresh window
  });

  it('keeps at most maxClients windows', () => {
    let now = 0;
    const l = new FailureLimiter({ limit: 2, windowMs: 1000, maxClients: 100, now: () => now });
    for (let i = 0; i < 1000; i++) {
      l.fail(`c${i}`);
      now += 1;
    }
    expect(l.clients).toBeLessThanOrEqual(100);
  });
});
