// Series data for the charts, as plain functions (no DOM), so that Node can test them.

/**
 * A signal's points with its rollups (readings the gateway folded during an outage) merged in by bucket: the mean
 * weighted by the readings each stands for, min and max over both, so an outage shows as a band, not a gap.
 * points, rollups: [{ t, avg, min, max, n? }] as the series API returns them. Returns [{ t, v, min, max }] by t.
 */
export function withRollups(points, rollups) {
  const byT = new Map();
  for (const p of [...points, ...rollups]) {
    const n = p.n ?? 1;
    const q = byT.get(p.t);
    if (!q) byT.set(p.t, { t: p.t, sum: p.avg * n, n, min: p.min, max: p.max });
    else Object.assign(q, { sum: q.sum + p.avg * n, n: q.n + n, min: Math.min(q.min, p.min), max: Math.max(q.max, p.max) });
  }
  return [...byT.values()].sort((a, b) => a.t - b.t).map((q) => ({ t: q.t, v: q.sum / q.n, min: q.min, max: q.max }));
}
