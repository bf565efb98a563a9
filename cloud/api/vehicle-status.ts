/**
 * A vehicle's sync status from what the cloud knows: the hub's connection notices, Gold sync health (ingest times,
 * gaps, duplicates) and the gateway's own report in the twin. Pure.
 *
 * Status rules (docs/api.md):
 *  - online:  the hub reports the gateway connected, or it was last seen less than `onlineWindowMs` ago;
 *  - offline: the hub saw it disconnect and nothing arrived since, or it was last seen longer ago than that;
 *  - unknown: never seen (registered but no connection and no data yet).
 * "Last seen" is the latest of: the hub's last connect/disconnect notice, the last batch ingested, and the time the
 * gateway stamped on its twin report.
 */
import type { Row } from '../pipeline/queries.ts';
import type { ReportedSync } from './reported-sync.ts';

export type SyncStatus = 'online' | 'offline' | 'unknown';

export const DEFAULT_ONLINE_WINDOW_MS = 120_000;

export interface ConnectionState {
  connected: boolean;
  at: number;
}

export function syncStatus(o: {
  nowMs: number;
  onlineWindowMs: number;
  connection: ConnectionState | null;
  lastIngestMs: number | null;
  reportedAtMs: number | null;
}): { status: SyncStatus; lastSeenMs: number | null } {
  const seen = [o.connection?.at ?? null, o.lastIngestMs, o.reportedAtMs].filter((t): t is number => t !== null);
  const lastSeenMs = seen.length ? Math.max(...seen) : null;
  if (o.connection?.connected) return { status: 'online', lastSeenMs };
  if (o.connection && !o.connection.connected && o.connection.at >= (o.lastIngestMs ?? 0)) return { status: 'offline', lastSeenMs };
  if (lastSeenMs === null) return { status: 'unknown', lastSeenMs };
  return { status: o.nowMs - lastSeenMs < o.onlineWindowMs ? 'online' : 'offline', lastSeenMs };
}

export interface VehicleSummary {
  id: string;
  deviceId: string | null;
  status: SyncStatus;
  connected: boolean | null;
  lastSeenMs: number | null;
  lastEventMs: number | null;
  lastIngestMs: number | null;
  ingestLagMs: number | null;
  maxIngestLagMs: number | null;
  openGaps: number;
  openGapEvents: number;
  closedGaps: number;
  duplicateEvents: number;
  duplicateBatches: number;
  validEvents: number;
  quarantined: number;
  evicted: number;
  /** Of `evicted`, folded into rollups or thinned positions on the gateway rather than lost. */
  downsampled: number;
  activeAlerts: number;
  backlog: (ReportedSync & { oldestUnsentAgeMs: number | null }) | null;
}

const numOr = (v: Row[string] | undefined, d: number): number => (typeof v === 'number' ? v : d);
const numOrNull = (v: Row[string] | undefined): number | null => (typeof v === 'number' ? v : null);

export function summarize(o: {
  id: string;
  deviceId: string | null;
  health: Row | undefined;
  connection: ConnectionState | null;
  sync: ReportedSync | null;
  activeAlerts: number;
  nowMs: number;
  onlineWindowMs: number;
}): VehicleSummary {
  const h = o.health ?? {};
  const lastIngestMs = numOrNull(h.lastIngestMs);
  const st = syncStatus({
    nowMs: o.nowMs,
    onlineWindowMs: o.onlineWindowMs,
    connection: o.connection,
    lastIngestMs,
    reportedAtMs: o.sync?.updatedAt ?? null,
  });
  return {
    id: o.id,
    deviceId: o.deviceId,
    status: st.status,
    connected: o.connection ? o.connection.connected : null,
    lastSeenMs: st.lastSeenMs,
    lastEventMs: numOrNull(h.lastEventMs),
    lastIngestMs,
    ingestLagMs: numOrNull(h.ingestLagMs),
    maxIngestLagMs: numOrNull(h.maxIngestLagMs),
    openGaps: numOr(h.openGaps, 0),
    openGapEvents: numOr(h.openGapEvents, 0),
    closedGaps: numOr(h.closedGaps, 0),
    duplicateEvents: numOr(h.duplicateEvents, 0),
    duplicateBatches: numOr(h.duplicateBatches, 0),
    validEvents: numOr(h.validEvents, 0),
    quarantined: numOr(h.quarantined, 0),
    evicted: numOr(h.evicted, 0),
    downsampled: numOr(h.downsampled, 0),
    activeAlerts: o.activeAlerts,
    backlog: o.sync
      ? { ...o.sync, oldestUnsentAgeMs: o.sync.oldestUnsentMs === null ? null : Math.max(0, o.nowMs - o.sync.oldestUnsentMs) }
      : null,
  };
}
