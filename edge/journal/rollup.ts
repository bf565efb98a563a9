/**
 * Downsampling of old telemetry, for a journal running short of room: what a stretch of readings said, in fewer
 * events. Pure function over decoded events; the journal does the reading, writing and accounting.
 *
 * - Readings with a number or boolean value are grouped by vehicle, sensor, signal, unit and SPN, and by window of
 *   sensor time. Each group becomes one rollup: count, min, max and mean over the good and suspect readings (booleans
 *   as 0 and 1), `bad` for the rest, and the sensor times of its first and last reading.
 * - Positions keep the newest of each sensor and window, as it was: enough to draw the route and find the stops.
 * - Rollups of the same signal and window (of this window length) merge into one, with the readings of that window
 *   not yet folded: a window folded in several rounds ends up as one rollup.
 * - Text readings and anything else stay as they are, and so does a group of one (folding it gains nothing and
 *   would only move it to the end of the lane, again and again).
 */
import type { EpochMs, PositionV1, PositionV2, ReadingV1, RollupV2, StampedEvent } from '../../shared/contracts/types.ts';
import type { JournalItem } from './index.ts';

export interface FoldResult {
  /** Seqs of the events the output replaces, ascending. */
  consumed: number[];
  /** What to append instead, oldest window first. Each item's rt is the newest rt of the events it stands for. */
  out: JournalItem[];
}

interface SignalOf {
  vehicle: string;
  sensor: string;
  signal: string;
  unit: string;
  spn?: number | undefined;
}

interface ReadingGroup {
  kind: 'reading';
  seqs: number[];
  first: SignalOf;
  window: EpochMs;
  rt: EpochMs;
  count: number;
  bad: number;
  min: number;
  max: number;
  sum: number;
  firstTime: EpochMs;
  lastTime: EpochMs;
}

interface PositionGroup {
  kind: 'position';
  seqs: number[];
  window: EpochMs;
  rt: EpochMs;
  newest: PositionV1 | PositionV2;
  newestTime: EpochMs;
}

// Anything but v 2 is read as v 1: old firmware may have left `v` out altogether.
const timeOf = (b: { v: 1; ts: EpochMs } | { v: 2; sensorTime: EpochMs }): EpochMs => (b.v === 2 ? b.sensorTime : b.ts);

/** The number a reading contributes, or null when it cannot be folded (text). */
function foldable(value: ReadingV1['value']): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

export function foldTelemetry(events: readonly StampedEvent[], windowMs: number): FoldResult {
  if (!(Number.isInteger(windowMs) && windowMs > 0)) throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
  const groups = new Map<string, ReadingGroup | PositionGroup>();
  const signalGroup = (s: SignalOf, window: EpochMs, t: EpochMs, e: StampedEvent): ReadingGroup => {
    const key = `r\u0000${s.vehicle}\u0000${s.sensor}\u0000${s.signal}\u0000${s.unit}\u0000${s.spn ?? ''}\u0000${window}`;
    let g = groups.get(key) as ReadingGroup | undefined;
    if (!g) {
      g = { kind: 'reading', seqs: [], first: s, window, rt: e.rt, count: 0, bad: 0, min: Infinity, max: -Infinity, sum: 0, firstTime: t, lastTime: t };
      groups.set(key, g);
    }
    g.seqs.push(e.seq);
    g.rt = Math.max(g.rt, e.rt);
    return g;
  };
  for (const e of events) {
    if (e.kind === 'rollup') {
      const r = e.body;
      // A rollup of another window length (the setting changed) stays as it is.
      if (r.windowMs !== windowMs || r.sensorTime % windowMs !== 0) continue;
      const g = signalGroup(r, r.sensorTime, r.first, e);
      g.firstTime = Math.min(g.firstTime, r.first);
      g.lastTime = Math.max(g.lastTime, r.last);
      g.bad += r.bad;
      if (r.count > 0 && r.min !== null && r.max !== null && r.mean !== null) {
        g.count += r.count;
        g.sum += r.mean * r.count;
        g.min = Math.min(g.min, r.min);
        g.max = Math.max(g.max, r.max);
      }
    } else if (e.kind === 'reading') {
      const b = e.body;
      const num = foldable(b.value);
      if (num === null) continue;
      const t = timeOf(b);
      const window = t - (t % windowMs);
      const g = signalGroup({ vehicle: b.vehicle, sensor: b.sensor, signal: b.signal, unit: b.unit, spn: b.v === 2 ? b.spn : undefined }, window, t, e);
      g.firstTime = Math.min(g.firstTime, t);
      g.lastTime = Math.max(g.lastTime, t);
      // v1 firmware has no quality field: its readings count as good. A non-finite number is no measurement.
      if ((b.v === 2 && b.quality === 'bad') || !Number.isFinite(num)) g.bad += 1;
      else {
        g.count += 1;
        g.sum += num;
        g.min = Math.min(g.min, num);
        g.max = Math.max(g.max, num);
      }
    } else if (e.kind === 'position') {
      const b = e.body;
      const t = timeOf(b);
      const window = t - (t % windowMs);
      const key = `p\u0000${b.vehicle}\u0000${b.sensor}\u0000${window}`;
      let g = groups.get(key) as PositionGroup | undefined;
      if (!g) {
        g = { kind: 'position', seqs: [], window, rt: e.rt, newest: b, newestTime: t };
        groups.set(key, g);
      }
      g.seqs.push(e.seq);
      g.rt = Math.max(g.rt, e.rt);
      if (t >= g.newestTime) {
        g.newest = b;
        g.newestTime = t;
      }
    }
  }

  const consumed: number[] = [];
  const made: Array<{ window: EpochMs; order: string; item: JournalItem }> = [];
  for (const [key, g] of groups) {
    if (g.seqs.length < 2) continue;
    consumed.push(...g.seqs);
    made.push({ window: g.window, order: key, item: g.kind === 'reading' ? { rt: g.rt, kind: 'rollup', body: rollupOf(g, windowMs) } : { rt: g.rt, kind: 'position', body: g.newest } });
  }
  consumed.sort((a, b) => a - b);
  made.sort((a, b) => a.window - b.window || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return { consumed, out: made.map((m) => m.item) };
}

function rollupOf(g: ReadingGroup, windowMs: number): RollupV2 {
  const b = g.first;
  const has = g.count > 0;
  // Rounding can put a sum / count of equal values an ulp outside them; the contract promises min <= mean <= max.
  const mean = has ? Math.min(g.max, Math.max(g.min, g.sum / g.count)) : null;
  return {
    v: 2,
    vehicle: b.vehicle,
    sensor: b.sensor,
    signal: b.signal,
    unit: b.unit,
    sensorTime: g.window,
    windowMs,
    count: g.count,
    min: has ? g.min : null,
    max: has ? g.max : null,
    mean,
    first: g.firstTime,
    last: g.lastTime,
    bad: g.bad,
    ...(b.spn !== undefined ? { spn: b.spn } : {}),
  };
}
