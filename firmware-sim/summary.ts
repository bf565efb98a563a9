/** The end-of-run summary of a ground truth, as plain text lines for a terminal. */
import type { GroundTruth } from './ground-truth.ts';

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const padEnd = (s: string | number, n: number): string => String(s).padEnd(n);

export function summariseGroundTruth(gt: GroundTruth): string[] {
  const lines: string[] = [];
  const simMin = (gt.endMs - gt.startMs) / 60_000;
  lines.push(
    `simulated ${simMin.toFixed(1)} min from ${new Date(gt.startMs).toISOString()} at ${gt.speedup}x, seed ${String(gt.seed)}, ${Object.keys(gt.trucks).length} trucks`,
  );
  lines.push(
    `${padEnd('vehicle', 9)} ${pad('fw', 2)} ${pad('trips', 5)} ${pad('km', 7)} ${pad('sent', 8)} ${pad('acked', 8)} ${pad('qos0', 7)} ${pad('rejects', 7)} ${pad('dropped', 7)}  alerts provoked`,
  );
  for (const t of Object.values(gt.trucks)) {
    const km = t.trips.reduce((s, x) => s + x.distanceM, 0) / 1000;
    const byRule = new Map<string, number>();
    for (const a of t.alerts) byRule.set(a.ruleId, (byRule.get(a.ruleId) ?? 0) + 1);
    const alerts = [...byRule].map(([r, n]) => (n > 1 ? `${r} x${n}` : r)).join(', ') || '-';
    lines.push(
      `${padEnd(t.vehicle, 9)} ${pad(`v${t.firmware}`, 2)} ${pad(t.trips.length, 5)} ${pad(km.toFixed(1), 7)} ${pad(t.telemetry.publishes, 8)} ${pad(
        t.telemetry.acked.publishes,
        8,
      )} ${pad(t.telemetry.qos0.publishes, 7)} ${pad(t.rejects.publishes, 7)} ${pad(t.telemetry.dropped.publishes + t.rejects.dropped, 7)}  ${alerts}`,
    );
  }
  const tl = gt.telemetry;
  lines.push(
    `total: ${tl.publishes} telemetry publishes sent (${tl.readings} readings, ${tl.positions} positions), ${tl.acked.publishes} acknowledged, ${tl.qos0.publishes} at QoS 0, ${gt.rejects.publishes} rejects, ${tl.dropped.publishes + gt.rejects.dropped} dropped, ${tl.failed.publishes} unacknowledged at the end`,
  );
  for (const s of gt.scenarios) lines.push(`scenario ${s.scenario}: ${s.vehicles.join(', ') || '(no eligible truck)'}`);
  return lines;
}
