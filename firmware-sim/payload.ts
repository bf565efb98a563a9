/**
 * The objects sensors put on the wire, per firmware version (see docs/sensor-protocol.md):
 * v1 has no `v` and stamps `ts`; v2 has `v: 2`, `sensorTime` and `quality` (and `spn` where J1939 has one).
 * Also the ways broken firmware gets them wrong: wrong types and garbage bytes.
 */
import type { Prng } from './prng.ts';
import type { GpsFix } from './gps.ts';
import type { Quality, ReadingValue } from '../shared/contracts/types.ts';
import type { PayloadFormat } from './sensor-spec.ts';

export type WireItem = Record<string, unknown>;

export interface ItemContext {
  vehicle: string;
  sensor: string;
  firmware: 1 | 2;
  includeIds: boolean;
}

export function readingItem(
  ctx: ItemContext,
  signal: string,
  value: ReadingValue,
  unit: string,
  time: number,
  quality: Quality,
  spn?: number,
): WireItem {
  const item: WireItem = ctx.firmware === 1 ? {} : { v: 2 };
  if (ctx.includeIds) {
    item.vehicle = ctx.vehicle;
    item.sensor = ctx.sensor;
  }
  item.signal = signal;
  item.value = value;
  item.unit = unit;
  if (ctx.firmware === 1) item.ts = time;
  else {
    item.sensorTime = time;
    item.quality = quality;
    if (spn !== undefined) item.spn = spn;
  }
  return item;
}

export function positionItem(ctx: ItemContext, fix: GpsFix, time: number): WireItem {
  const item: WireItem = ctx.firmware === 1 ? {} : { v: 2 };
  if (ctx.includeIds) {
    item.vehicle = ctx.vehicle;
    item.sensor = ctx.sensor;
  }
  item.lat = fix.lat;
  item.lon = fix.lon;
  if (ctx.firmware === 1) item.ts = time;
  else item.sensorTime = time;
  item.speedKmh = fix.speedKmh;
  item.heading = fix.heading;
  if (ctx.firmware === 2) {
    item.altitude = fix.altitude;
    item.hdop = fix.hdop;
    item.satellites = fix.satellites;
  }
  return item;
}

/** A copy of `item` with one field of the wrong type, as a firmware bug would write it. */
export function withWrongType(item: WireItem, rng: Prng): WireItem {
  const out = { ...item };
  const timeKey = 'sensorTime' in out ? 'sensorTime' : 'ts';
  const choices: (() => void)[] = [
    // A date string where epoch milliseconds belong.
    () => (out[timeKey] = new Date(Number(out[timeKey])).toISOString()),
    () => ('value' in out ? (out.value = { raw: out.value }) : (out.lat = String(out.lat))),
    () => ('signal' in out ? (out.signal = 42) : (out.lon = null)),
    () => ('value' in out ? (out.value = null) : (out.lat = [out.lat])),
  ];
  rng.pick(choices)();
  return out;
}

/** Bytes that no decoder can read: an unused msgpack marker, or JSON cut off mid-way. */
export function garbageBytes(rng: Prng, format: PayloadFormat, sample?: Uint8Array): Uint8Array {
  if (format === 'json' && sample && sample.length > 4 && rng.chance(0.5)) {
    return sample.slice(0, rng.int(1, sample.length - 2));
  }
  const body = rng.bytes(rng.int(3, 60));
  // 0xc1 is "never used" in msgpack, and not valid UTF-8 for JSON either.
  body[0] = 0xc1;
  return body;
}
