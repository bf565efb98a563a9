/**
 * Offline periods from a gateway's status history. The gateway journals a status event on a timer even while it
 * cannot reach the hub, and ships it later, so the history shows when it was offline (connectivity other than
 * 'online') and, by the silence between events, when it was not running at all. Pure.
 */
export type PeriodKind = 'offline' | 'connecting' | 'paused' | 'silent';

export interface SyncPeriod {
  kind: PeriodKind;
  fromMs: number;
  toMs: number;
}

export interface StatusPoint {
  t: number;
  connectivity: string;
}

const KINDS: readonly string[] = ['offline', 'connecting', 'paused'];

/**
 * `silentAfterMs`: a gap between two status events longer than this counts as a silent period (gateway off or
 * journal lost). Defaults to 5 times the median interval, at least 5 minutes.
 */
export function syncPeriods(points: readonly StatusPoint[], silentAfterMs?: number): SyncPeriod[] {
  const pts = [...points].sort((a, b) => a.t - b.t);
  if (pts.length === 0) return [];
  const gaps = pts.slice(1).map((p, i) => p.t - pts[i]!.t).sort((a, b) => a - b);
  const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
  const silent = silentAfterMs ?? Math.max(300_000, 5 * median);
  const out: SyncPeriod[] = [];
  let open: SyncPeriod | null = null;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    const prev = i > 0 ? pts[i - 1]! : null;
    if (prev && p.t - prev.t > silent) {
      if (open) {
        open.toMs = prev.t;
        out.push(open);
        open = null;
      }
      out.push({ kind: 'silent', fromMs: prev.t, toMs: p.t });
    }
    const kind = KINDS.includes(p.connectivity) ? (p.connectivity as PeriodKind) : null;
    if (open && open.kind !== kind) {
      open.toMs = p.t;
      out.push(open);
      open = null;
    }
    if (kind && !open) open = { kind, fromMs: p.t, toMs: p.t };
  }
  if (open) {
    open.toMs = pts[pts.length - 1]!.t;
    out.push(open);
  }
  return out;
}
