import { describe, it, expect } from 'vitest';
import { TokenExpiry } from './token-expiry.ts';

describe('token expiry', () => {
  it('fires at once for a past expiry, not at all when disarmed', async () => {
    const t = new TokenExpiry<object>();
    const a = {};
    const b = {};
    const fired: object[] = [];
    t.arm(a, Date.now() - 1, () => fired.push(a));
    t.arm(b, Date.now() + 30, () => fired.push(b));
    t.disarm(b);
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toEqual([a]);
    expect(t.size).toBe(0);
  });

  it('re-arms in steps for expiries beyond the timer limit', () => {
    let now = 0;
    const t = new TokenExpiry<object>(() => now);
    const k = {};
    t.arm(k, 40 * 86_400_000, () => undefined);
    expect(t.size).toBe(1);
    t.clear();
    now = 1;
    expect(t.size).toBe(0);
  });
});
