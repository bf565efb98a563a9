import type { Lane } from '../../shared/contracts/types.ts';

/**
 * Which batch goes next. Pure: the forwarder describes each lane, this picks one.
 *
 * Order: alerts first (all of them, backlog included), then telemetry, then status, then rejects. Within a lane,
 * live data (appended since the link came up) and backlog (older) share the link: when both are ready, the backlog
 * gets `backlogShare` of the sends, so fresh readings are never stuck behind hours of backlog and the backlog still
 * drains. A live region that is neither full nor old enough waits, and the backlog uses the idle capacity meanwhile.
 */
export interface LaneView {
  lane: Lane;
  /** Live events not yet read by the live cursor. */
  liveUnread: number;
  /** When the oldest unread live event arrived, if known, on the same (monotonic) clock as `now`. */
  oldestLiveAt: number | null;
  /** Backlog events remain to be read. */
  backlogPending: boolean;
  /** How long a live batch may wait to fill up; 0 sends at once. */
  maxAgeMs: number;
  /** About how many events fill a batch (learnt from recent full batches). */
  fullBatchEvents: number;
}

export type Pick = { lane: Lane; source: 'live' | 'backlog' } | { waitUntil: number } | null;

export interface SchedulerState {
  /** Deficit counter for the backlog share, per lane. */
  credit: Partial<Record<Lane, number>>;
}

export const LANE_ORDER: readonly Lane[] = ['alerts', 'telemetry', 'status', 'rejects'];

export function liveReady(v: LaneView, now: number, force: boolean): boolean {
  if (v.liveUnread <= 0) return false;
  if (force || v.maxAgeMs === 0 || v.liveUnread >= v.fullBatchEvents) return true;
  return v.oldestLiveAt !== null && now - v.oldestLiveAt >= v.maxAgeMs;
}

export function nextSend(views: readonly LaneView[], state: SchedulerState, now: number, backlogShare: number, force = false): Pick {
  let waitUntil = Number.POSITIVE_INFINITY;
  const ordered = [...views].sort((a, b) => LANE_ORDER.indexOf(a.lane) - LANE_ORDER.indexOf(b.lane));
  for (const v of ordered) {
    const live = liveReady(v, now, force);
    if (v.lane === 'alerts') {
      // Alerts never wait for a share: the oldest go first so the cloud sees the lifecycle in order.
      if (v.backlogPending) return { lane: v.lane, source: 'backlog' };
      if (live) return { lane: v.lane, source: 'live' };
      continue;
    }
    if (live && v.backlogPending) {
      const credit = (state.credit[v.lane] ?? 0) + backlogShare;
      if (credit >= 1) {
        state.credit[v.lane] = credit - 1;
        return { lane: v.lane, source: 'backlog' };
      }
      state.credit[v.lane] = credit;
      return { lane: v.lane, source: 'live' };
    }
    if (live) return { lane: v.lane, source: 'live' };
    if (v.backlogPending) return { lane: v.lane, source: 'backlog' };
    if (v.liveUnread > 0 && v.oldestLiveAt !== null) waitUntil = Math.min(waitUntil, v.oldestLiveAt + v.maxAgeMs);
  }
  return Number.isFinite(waitUntil) ? { waitUntil } : null;
}
