/**
 * Per-vehicle sync health from the stream bookkeeping and the quality figures. Pure. Redelivered whole batches
 * are a Bronze fact (bronze_duplicates), added when queried, so that this table depends on Silver alone.
 */
import { openGaps, parseSeqState } from '../silver/seq-tracker.ts';

export interface StreamRow {
  ranges: string;
  gapsClosed: number;
  duplicates: number;
  lastIngestMs: number;
  lastBronzeId: number;
  lastLagMs: number | null;
  maxLagMs: number | null;
}

export interface SyncHealthRow {
  lastEventMs: number | null;
  lastIngestMs: number | null;
  ingestLagMs: number | null;
  maxIngestLagMs: number | null;
  openGaps: number;
  openGapEvents: number;
  closedGaps: number;
  /** Sequence duplicates (redelivered events) plus resent sensor items (resentEvents). */
  duplicateEvents: number;
  validEvents: number;
  quarantined: number;
  evicted: number;
  /** Of `evicted`, telemetry the gateway folded into rollups or thinned rather than lost (0 from older gateways). */
  downsampled: number;
  /** Sensor items journalled twice with different seqs (a resend after a gateway crash), dropped by natural key. */
  resentEvents: number;
}

export function computeSyncHealth(
  streams: StreamRow[],
  totals: { valid: number; quarantined: number; lastEventMs: number | null; evicted: number; downsampled?: number; resent?: number },
): SyncHealthRow {
  let gaps = 0;
  let missing = 0;
  let closed = 0;
  let dups = 0;
  let newest: StreamRow | undefined;
  let maxLag: number | null = null;
  for (const s of streams) {
    const g = openGaps(parseSeqState(s.ranges, s.gapsClosed));
    gaps += g.gaps;
    missing += g.missing;
    closed += s.gapsClosed;
    dups += s.duplicates;
    if (newest === undefined || s.lastIngestMs > newest.lastIngestMs || (s.lastIngestMs === newest.lastIngestMs && s.lastBronzeId > newest.lastBronzeId)) newest = s;
    if (s.maxLagMs !== null) maxLag = Math.max(maxLag ?? 0, s.maxLagMs);
  }
  return {
    lastEventMs: totals.lastEventMs,
    lastIngestMs: newest?.lastIngestMs ?? null,
    ingestLagMs: newest?.lastLagMs ?? null,
    maxIngestLagMs: maxLag,
    openGaps: gaps,
    openGapEvents: missing,
    closedGaps: closed,
    duplicateEvents: dups + (totals.resent ?? 0),
    validEvents: totals.valid,
    quarantined: totals.quarantined,
    evicted: totals.evicted,
    downsampled: totals.downsampled ?? 0,
    resentEvents: totals.resent ?? 0,
  };
}
