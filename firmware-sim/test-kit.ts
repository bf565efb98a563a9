/**
 * Helpers for the simulator's tests (and anyone checking its output): run a truck without a broker, and decode
 * what its sensors published with the shared sensor-protocol decoder, as a gateway would.
 */
import { decodeSensorPayload, type DecodeResult } from '../shared/sensor-protocol/decode.ts';
import { parseSensorTopic } from '../shared/sensor-protocol/topics.ts';
import type { ReadingValue } from '../shared/contracts/types.ts';
import type { Publication } from './sensor-runtime.ts';
import { TICK_MS, type Truck } from './truck.ts';

export function decodePublication(p: Publication): DecodeResult {
  const topic = parseSensorTopic(p.topic);
  if (!topic) throw new Error(`not a sensor topic: ${p.topic}`);
  return decodeSensorPayload(topic, p.payload);
}

/** Steps a truck for `minutes` of simulated time and returns every publication, calling `each` after every tick. */
export function runFor(truck: Truck, minutes: number, each?: (truck: Truck) => void): Publication[] {
  const out: Publication[] = [];
  const ticks = Math.round((minutes * 60_000) / TICK_MS);
  for (let i = 0; i < ticks; i++) {
    for (const p of truck.step().publications) out.push(p);
    each?.(truck);
  }
  return out;
}

export interface DecodedReading {
  sensor: string;
  signal: string;
  value: ReadingValue;
  unit: string;
  t: number;
  v: 1 | 2;
}

/** Every accepted reading in the publications, in publication order, with its sensor timestamp. */
export function readingsOf(pubs: readonly Publication[], signal?: string): DecodedReading[] {
  const out: DecodedReading[] = [];
  for (const p of pubs) {
    if (p.lane !== 'telemetry') continue;
    for (const item of decodePublication(p).accepted) {
      if (item.kind !== 'reading') continue;
      const b = item.body;
      if (signal !== undefined && b.signal !== signal) continue;
      out.push({ sensor: b.sensor, signal: b.signal, value: b.value, unit: b.unit, t: b.v === 2 ? b.sensorTime : b.ts, v: b.v });
    }
  }
  return out;
}

/** The longest run of consecutive readings (by time) for which `pred` holds, as [first t, last t]. */
export function longestRun(readings: readonly DecodedReading[], pred: (v: ReadingValue) => boolean): [number, number] | null {
  let best: [number, number] | null = null;
  let start: number | null = null;
  let last = 0;
  for (const r of [...readings].sort((a, b) => a.t - b.t)) {
    if (pred(r.value)) {
      start ??= r.t;
      last = r.t;
      if (!best || last - start > best[1] - best[0]) best = [start, last];
    } else start = null;
  }
  return best;
}
