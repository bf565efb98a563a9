/**
 * The gateway's sync report from the twin's reported properties (`reported.sync`), read defensively: the shape is
 * young, older gateways send less, and a twin is only as good as the last device that wrote it. Every field that is
 * missing or of the wrong type becomes null instead of failing the whole report. Pure.
 */
import { LANES, type Lane } from '../../shared/contracts/types.ts';

export interface LaneSync {
  backlogEvents: number | null;
  backlogBytes: number | null;
  /** Gateway receive time of the oldest event not yet acknowledged by the hub (epoch ms). */
  oldestUnsentMs: number | null;
  lastAckedSeq: number | null;
  lastAckAt: number | null;
  evicted: number | null;
  /** Of `evicted`, folded into rollups or thinned (gateways that downsample report it). */
  downsampled: number | null;
}

export interface ReportedSync {
  lanes: Partial<Record<Lane, LaneSync>>;
  backlogEvents: number | null;
  backlogBytes: number | null;
  oldestUnsentMs: number | null;
  rejects: number | null;
  diskBytes: number | null;
  connectivity: string | null;
  bootId: string | null;
  version: string | null;
  updatedAt: number | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length <= max ? v : null);

/** Epoch ms from a number or an ISO date string. */
export function timeOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : null;
  if (typeof v === 'string' && v.length <= 64) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function laneOf(v: unknown): LaneSync | null {
  if (!isObj(v)) return null;
  return {
    backlogEvents: num(v.backlogEvents),
    backlogBytes: num(v.backlogBytes),
    oldestUnsentMs: timeOf(v.oldestUnsentMs),
    lastAckedSeq: num(v.lastAckedSeq),
    lastAckAt: timeOf(v.lastAckAt),
    evicted: num(v.evicted),
    downsampled: num(v.downsampled),
  };
}

const sumOf = (xs: (number | null)[]): number | null => (xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null);

export function parseReportedSync(reported: unknown): ReportedSync | null {
  if (!isObj(reported) || !isObj(reported.sync)) return null;
  const s = reported.sync;
  // Lanes either under `lanes` (like the status event) or directly under `sync`.
  const laneSource = isObj(s.lanes) ? s.lanes : s;
  const lanes: Partial<Record<Lane, LaneSync>> = {};
  for (const lane of LANES) {
    const l = laneOf(laneSource[lane]);
    if (l) lanes[lane] = l;
  }
  const all = Object.values(lanes);
  const oldest = all.map((l) => l.oldestUnsentMs).filter((t): t is number => t !== null);
  return {
    lanes,
    backlogEvents: num(s.backlogEvents) ?? sumOf(all.map((l) => l.backlogEvents)),
    backlogBytes: num(s.backlogBytes) ?? sumOf(all.map((l) => l.backlogBytes)),
    oldestUnsentMs: oldest.length ? Math.min(...oldest) : null,
    rejects: num(s.rejects),
    diskBytes: num(s.diskBytes),
    connectivity: str(s.connectivity, 32),
    bootId: str(s.bootId),
    version: str(s.version, 64),
    updatedAt: timeOf(s.updatedAt),
  };
}
