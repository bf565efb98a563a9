import { describe, expect, it } from 'vitest';
import { StreamTickets } from './stream-tickets.ts';
import type { TokenInfo } from './token-store.ts';

const token: TokenInfo = { id: 'tok_0123456789ab', role: 'viewer', label: null, createdAt: 0, revokedAt: null };

describe('stream tickets', () => {
  it('open one stream once, within their lifetime', () => {
    let now = 0;
    const t = new StreamTickets({ ttlMs: 60_000, now: () => now });
    const a = t.issue(token);
    expect(a.ticket).toMatch(/^fsk_/);
    expect(t.redeem(a.ticket)).toEqual(token);
    expect(t.redeem(a.ticket)).toBeNull();
    const b = t.issue(token);
    now += 60_000;
    expect(t.redeem(b.ticket)).toBeNull();
    expect(t.redeem('fsk_' + 'A'.repeat(32))).toBeNull();
    expect(t.redeem("' OR 1=1 --")).toBeNull();
  });

  it('keeps at most `max` outstanding tickets', () => {
    const t = new StreamTickets({ max: 10 });
    for (let i = 0; i < 100; i++) t.issue(token);
    expect(t.size).toBeLessThanOrEqual(10);
  });
});
