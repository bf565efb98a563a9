/**
 * Which sensor items could repeat one Silver already has, decided in memory so that DuckDB is asked only about
 * those (resend-dedup.ts). Pure.
 *
 * A series is one sensor's signal (or its positions) in one gateway stream (device, epoch, lane). A sensor's clock
 * moves forward, so in seq order a series' sensor times increase strictly; a resend repeats an earlier time at a
 * higher seq, which breaks that. For each series we keep the seqs seen so far as a few segments with their lowest
 * and highest sensor time. An item at seq s and time t is a suspect when some seen item of its series contradicts
 * strict increase around it: an earlier seq at a time >= t, or a later seq at a time <= t. Two copies share their
 * time, so whichever of them comes second in Bronze order is always a suspect, whatever the arrival order; the
 * first copy needs no check. Suspects that are not copies (a sensor clock reset, two items in the same millisecond)
 * only cost a lookup.
 *
 * Segments stay few: consecutive seqs of the series join one segment as long as the stream has no hole between
 * them (every seq in a segment's range is seen, so no new item can land inside it); a hole (a backlog still on
 * its way, a gap) keeps segments apart until it is filled.
 */
import { coversRange, type SeqState } from './seq-tracker.ts';

/** Segments of one series: flat [lo, hi, tMin, tMax, lo, hi, ...], sorted by lo, disjoint. */
export type Segments = number[];

/** More segments than this (a series around many open holes) are merged, closest first; still safe, less precise. */
export const MAX_SEGMENTS = 32;
/**
 * Series kept per stream (a truck has tens to hundreds of signals). A sensor inventing signal names must not grow
 * memory and silver_streams without bound: beyond this, the series seen longest ago (by seq) are forgotten, and a
 * copy of one of their items would then go unnoticed.
 */
export const MAX_SERIES_PER_STREAM = 2048;

/**
 * The series of one stream: sensor -> signal -> segments; positions under the signal '' (signal ids are never
 * empty), a signal's rollups under '#' + signal. The vehicle is left out: a stream is one gateway, and series of two vehicles sharing one (a re-assigned
 * gateway) would only make the filter more cautious.
 */
export type StreamSeries = Map<string, Map<string, Segments>>;

/** The segments of a series, created empty on first use. */
export function segmentsOf(series: StreamSeries, sensor: string, signal: string): Segments {
  let bySignal = series.get(sensor);
  if (bySignal === undefined) series.set(sensor, (bySignal = new Map()));
  let segs = bySignal.get(signal);
  if (segs === undefined) bySignal.set(signal, (segs = []));
  return segs;
}

/** True when an item at seq `s` and sensor time `t` could be a copy of an item of the series already seen. */
export function mayRepeat(segs: Segments, s: number, t: number): boolean {
  for (let i = 0; i < segs.length; i += 4) {
    if (segs[i + 1]! < s) {
      if (segs[i + 3]! >= t) return true;
    } else if (segs[i]! > s) {
      if (segs[i + 2]! <= t) return true;
    } else return true; // inside a merged range: no order is known there
  }
  return false;
}

/** Records the item at seq `s` (new, already added to `seen`, the stream's seq set) and sensor time `t`. */
export function addItem(segs: Segments, s: number, t: number, seen: SeqState): void {
  let j = 0;
  while (j < segs.length && segs[j]! < s) j += 4;
  let c = j - 4;
  if (c >= 0 && (segs[c + 1]! > s || coversRange(seen, segs[c + 1]! + 1, s - 1))) {
    if (segs[c + 1]! < s) segs[c + 1] = s;
    if (t < segs[c + 2]!) segs[c + 2] = t;
    if (t > segs[c + 3]!) segs[c + 3] = t;
  } else {
    segs.splice(j, 0, s, s, t, t);
    c = j;
  }
  const n = c + 4;
  if (n < segs.length && coversRange(seen, segs[c + 1]! + 1, segs[n]! - 1)) joinNext(segs, c);
  if (segs.length > MAX_SEGMENTS * 4) {
    let best = 0;
    for (let i = 4; i + 4 < segs.length; i += 4) if (segs[i + 4]! - segs[i + 1]! < segs[best + 4]! - segs[best + 1]!) best = i;
    joinNext(segs, best);
  }
}

/** Segments that a filled hole now separates for nothing are joined (after holes close through other series). */
export function compact(segs: Segments, seen: SeqState): void {
  for (let c = 0; c + 4 < segs.length; ) {
    if (coversRange(seen, segs[c + 1]! + 1, segs[c + 4]! - 1)) joinNext(segs, c);
    else c += 4;
  }
}

/** Forgets the series whose newest item is oldest (by seq) until at most `max` remain; returns how many went. */
export function trimSeries(series: StreamSeries, max = MAX_SERIES_PER_STREAM): number {
  let n = 0;
  for (const m of series.values()) n += m.size;
  if (n <= max) return 0;
  const all: [sensor: string, signal: string, newest: number][] = [];
  for (const [sensor, m] of series) for (const [signal, segs] of m) all.push([sensor, signal, segs.length ? segs[segs.length - 3]! : 0]);
  all.sort((a, b) => a[2] - b[2]);
  const drop = n - max;
  for (let i = 0; i < drop; i++) {
    const [sensor, signal] = all[i]!;
    const m = series.get(sensor)!;
    m.delete(signal);
    if (m.size === 0) series.delete(sensor);
  }
  return drop;
}

function joinNext(segs: Segments, c: number): void {
  const n = c + 4;
  segs[c + 1] = segs[n + 1]!;
  segs[c + 2] = Math.min(segs[c + 2]!, segs[n + 2]!);
  segs[c + 3] = Math.max(segs[c + 3]!, segs[n + 3]!);
  segs.splice(n, 4);
}

/** The series of one stream as stored in silver_streams.series: {"sensor": {"signal": [lo, hi, tMin, tMax, ...]}}. */
export function serialiseSeries(series: StreamSeries): string {
  const o: Record<string, Record<string, Segments>> = {};
  for (const [sensor, bySignal] of series) o[sensor] = Object.fromEntries(bySignal);
  return JSON.stringify(o);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseSeries(json: string | null): StreamSeries {
  const out: StreamSeries = new Map();
  if (json === null || json === '') return out;
  const parsed: unknown = JSON.parse(json);
  if (!isObject(parsed)) throw new Error('series must be a JSON object');
  for (const [sensor, bySignal] of Object.entries(parsed)) {
    if (!isObject(bySignal)) throw new Error(`series of sensor ${JSON.stringify(sensor)} must be an object`);
    const m = new Map<string, Segments>();
    for (const [signal, v] of Object.entries(bySignal)) {
      if (!Array.isArray(v) || v.length % 4 !== 0 || !v.every((x) => typeof x === 'number')) throw new Error(`bad segments for ${JSON.stringify(sensor)}/${JSON.stringify(signal)}`);
      m.set(signal, v as number[]);
    }
    out.set(sensor, m);
  }
  return out;
}
