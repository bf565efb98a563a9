import { describe, expect, it } from 'vitest';
import type { Lane } from '../../shared/contracts/types.ts';
import { planEviction, type LaneUsage } from './eviction-policy.ts';

const usage = (u: Partial<Record<Lane, number>>): Record<Lane, LaneUsage> => ({
  alerts: { evictableBytes: u.alerts ?? 0 },
  telemetry: { evictableBytes: u.telemetry ?? 0 },
  status: { evictableBytes: u.status ?? 0 },
  rejects: { evictableBytes: u.rejects ?? 0 },
});

describe('eviction policy', () => {
  it('needs nothing when there is room', () => {
    expect(planEviction(usage({}), 'telemetry', 0)).toEqual({ ok: true, take: [] });
  });

  it('takes rejects, then status, then telemetry, and never alerts', () => {
    expect(planEviction(usage({ alerts: 1e6, rejects: 100, status: 50, telemetry: 1000 }), 'telemetry', 400)).toEqual({
      ok: true,
      take: [
        { lane: 'rejects', bytes: 100 },
        { lane: 'status', bytes: 50 },
        { lane: 'telemetry', bytes: 250 },
      ],
    });
  });

  it('lets telemetry evict its own oldest data', () => {
    expect(planEviction(usage({ alerts: 1e6, telemetry: 1000 }), 'telemetry', 10)).toEqual({
      ok: true,
      take: [{ lane: 'telemetry', bytes: 10 }],
    });
  });

  it('lets an alert evict any non-alert lane', () => {
    expect(planEviction(usage({ telemetry: 500 }), 'alerts', 300)).toEqual({ ok: true, take: [{ lane: 'telemetry', bytes: 300 }] });
  });

  it('refuses when the cap is full of alerts, for every lane', () => {
    for (const lane of ['alerts', 'telemetry', 'status', 'rejects'] as const) {
      expect(planEviction(usage({ alerts: 1e6 }), lane, 10)).toEqual({ ok: false, reason: 'full-of-alerts', shortBytes: 10 });
    }
  });

  it('never lets a lower-priority event push out higher-priority data', () => {
    expect(planEviction(usage({ telemetry: 1e6, status: 5 }), 'rejects', 10)).toEqual({
      ok: false,
      reason: 'full-of-higher-priority',
      shortBytes: 10,
    });
    expect(planEviction(usage({ telemetry: 1e6, status: 5, rejects: 3 }), 'status', 10)).toEqual({
      ok: false,
      reason: 'full-of-higher-priority',
      shortBytes: 2,
    });
  });
});
