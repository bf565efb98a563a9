import { describe, it, expect } from 'vitest';
import { nextSend, type LaneView, type SchedulerState } from './scheduler.ts';

const view = (over: Partial<LaneView> & Pick<LaneView, 'lane'>): LaneView => ({
  liveUnread: 0,
  oldestLiveAt: null,
  backlogPending: false,
  maxAgeMs: 1000,
  fullBatchEvents: 1000,
  ...over,
});
const fresh = (): SchedulerState => ({ credit: {} });

describe('uplink scheduler', () => {
  it('sends alerts before anything else, backlog first', () => {
    const views = [
      view({ lane: 'telemetry', liveUnread: 5000, oldestLiveAt: 0, backlogPending: true }),
      view({ lane: 'alerts', liveUnread: 1, oldestLiveAt: 0, backlogPending: true, maxAgeMs: 0 }),
    ];
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ lane: 'alerts', source: 'backlog' });
    views[1]!.backlogPending = false;
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ lane: 'alerts', source: 'live' });
  });

  it('shares the link between live telemetry and backlog at the configured share', () => {
    const views = [view({ lane: 'telemetry', liveUnread: 2000, oldestLiveAt: 0, backlogPending: true })];
    const state = fresh();
    const picks = Array.from({ length: 100 }, () => nextSend(views, state, 5000, 0.25));
    const backlog = picks.filter((p) => p && 'source' in p && p.source === 'backlog').length;
    expect(backlog).toBe(25);
  });

  it('lets a young, small live batch wait for its age while the backlog uses the link', () => {
    const views = [view({ lane: 'telemetry', liveUnread: 10, oldestLiveAt: 9_500, backlogPending: true })];
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ lane: 'telemetry', source: 'backlog' });
    views[0]!.backlogPending = false;
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ waitUntil: 10_500 });
    expect(nextSend(views, fresh(), 10_500, 0.5)).toEqual({ lane: 'telemetry', source: 'live' });
  });

  it('sends a full live batch at once, whatever its age', () => {
    const views = [view({ lane: 'telemetry', liveUnread: 1000, oldestLiveAt: 9_999 })];
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ lane: 'telemetry', source: 'live' });
  });

  it('flushes everything when forced', () => {
    const views = [view({ lane: 'rejects', liveUnread: 1, oldestLiveAt: 9_999 })];
    expect(nextSend(views, fresh(), 10_000, 0.5)).toEqual({ waitUntil: 10_999 });
    expect(nextSend(views, fresh(), 10_000, 0.5, true)).toEqual({ lane: 'rejects', source: 'live' });
  });

  it('orders the lower lanes: status before rejects', () => {
    const views = [view({ lane: 'rejects', backlogPending: true }), view({ lane: 'status', backlogPending: true })];
    expect(nextSend(views, fresh(), 0, 0.5)).toEqual({ lane: 'status', source: 'backlog' });
  });

  it('returns null when there is nothing to send', () => {
    expect(nextSend([view({ lane: 'telemetry' })], fresh(), 0, 0.5)).toBeNull();
  });
});
