/**
 * Which lanes give up their oldest bytes when the journal's byte cap is reached. Pure function over lane stats.
 *
 * Rules:
 *  - alerts are never evicted;
 *  - victims are taken in the order rejects -> status -> telemetry, each lane oldest first
 *    (rejects are raw bad payloads kept for diagnosis; older status snapshots are superseded by newer ones;
 *    telemetry is the product, so it goes last);
 *  - an incoming event may only evict lanes of its own priority or lower (a reject never pushes out telemetry;
 *    an alert may push out any non-alert lane);
 *  - if that does not free enough bytes, the incoming event is refused: the broker then withholds the PUBACK and
 *    the sensor retries later. A cap full of alerts therefore refuses everything new.
 */
import type { Lane } from '../../shared/contracts/types.ts';

/** Higher = more valuable. */
export const LANE_PRIORITY: Readonly<Record<Lane, number>> = { rejects: 0, status: 1, telemetry: 2, alerts: 3 };

/** Lanes that may be evicted, in the order they give up space. */
export const EVICTION_ORDER: readonly Lane[] = ['rejects', 'status', 'telemetry'];

export interface LaneUsage {
  /** Bytes of durably stored, unacknowledged events that could be deleted now. */
  evictableBytes: number;
}

export type EvictionPlan =
  | { ok: true; take: Array<{ lane: Lane; bytes: number }> }
  | { ok: false; reason: 'full-of-alerts' | 'full-of-higher-priority'; shortBytes: number };

/**
 * Plans how to free `needBytes` for an incoming event of lane `incoming`.
 * Each `take` entry asks the adapter to evict that lane's oldest events until at least `bytes` are freed.
 */
export function planEviction(usage: Readonly<Record<Lane, LaneUsage>>, incoming: Lane, needBytes: number): EvictionPlan {
  if (needBytes <= 0) return { ok: true, take: [] };
  const take: Array<{ lane: Lane; bytes: number }> = [];
  let left = needBytes;
  for (const lane of EVICTION_ORDER) {
    if (left <= 0) break;
    if (LANE_PRIORITY[lane] > LANE_PRIORITY[incoming]) continue;
    const avail = Math.max(0, usage[lane].evictableBytes);
    if (avail === 0) continue;
    const bytes = Math.min(avail, left);
    take.push({ lane, bytes });
    left -= bytes;
  }
  if (left <= 0) return { ok: true, take };
  const otherEvictable = EVICTION_ORDER.some((l) => usage[l].evictableBytes > 0);
  return { ok: false, reason: otherEvictable ? 'full-of-higher-priority' : 'full-of-alerts', shortBytes: left };
}
