/**
 * Merges the lifecycle messages of one alert id (raised, updated, cleared, summary) into one row. Messages may
 * arrive in any order and days apart; the result depends only on the set of messages.
 */
import type { GoldAlertEvent, MergedAlert } from './types.ts';

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;
// Ties on time: a clear is the last word, a raise the first.
const STATE_RANK = { raised: 0, updated: 1, summary: 2, cleared: 3 } as const;

function byLifecycle(a: GoldAlertEvent, b: GoldAlertEvent): number {
  return a.t - b.t || STATE_RANK[a.state] - STATE_RANK[b.state] || a.seq - b.seq;
}

export function mergeAlertLifecycle(events: readonly GoldAlertEvent[]): MergedAlert {
  if (events.length === 0) throw new Error('mergeAlertLifecycle needs at least one event');
  const sorted = [...events].sort(byLifecycle);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  let severity = first.severity;
  let raisedMs = Number.POSITIVE_INFINITY;
  let clearedMs: number | null = null;
  let updates = 0;
  let suppressed = 0;
  let threshold: number | null = null;
  let peak: number | null = null;
  let lat: number | null = null;
  let lon: number | null = null;
  let signal: string | null = null;
  let sensor: string | null = null;
  for (const e of sorted) {
    if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[severity]) severity = e.severity;
    raisedMs = Math.min(raisedMs, e.raisedMs, e.state === 'raised' ? e.t : Number.POSITIVE_INFINITY);
    if (e.state === 'cleared') clearedMs = e.t;
    if (e.state === 'updated') updates++;
    if (e.suppressed !== null) suppressed += e.suppressed;
    if (e.threshold !== null) threshold = e.threshold;
    // The gateway keeps the running peak: the latest message that has one knows best.
    if (e.peak !== null) peak = e.peak;
    if (lat === null && e.lat !== null && e.lon !== null) {
      lat = e.lat;
      lon = e.lon;
    }
    signal ??= e.signal;
    sensor ??= e.sensor;
  }
  return {
    alertId: first.alertId,
    vehicle: first.vehicle,
    ruleId: last.ruleId,
    severity,
    state: last.state,
    raisedMs,
    clearedMs,
    lastEventMs: last.t,
    durationS: clearedMs === null ? null : (clearedMs - raisedMs) / 1000,
    updates,
    value: last.value,
    threshold,
    peak,
    message: last.message,
    lat,
    lon,
    signal,
    sensor,
    suppressed,
  };
}
