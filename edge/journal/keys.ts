/**
 * LevelDB key layout. One byte of namespace, then for events the seq as 8 bytes big-endian, so byte order is seq order
 * (plain decimal strings would sort 10 before 9). Meta keys are the 'm' byte plus an ASCII name.
 */
import type { Lane } from '../../shared/contracts/types.ts';

export const EVENT_KEY_BYTES = 9;

const LANE_PREFIX: Readonly<Record<Lane, number>> = { alerts: 0x61, telemetry: 0x74, status: 0x73, rejects: 0x72 };
const META_PREFIX = 0x6d;
const TWO_32 = 2 ** 32;

/** Called for every append and every ack: plain byte writes, no DataView (a second object per key). */
export function eventKey(lane: Lane, seq: number): Uint8Array {
  const key = new Uint8Array(EVENT_KEY_BYTES);
  key[0] = LANE_PREFIX[lane];
  const hi = Math.floor(seq / TWO_32);
  const lo = seq >>> 0;
  key[1] = hi >>> 24;
  key[2] = (hi >>> 16) & 0xff;
  key[3] = (hi >>> 8) & 0xff;
  key[4] = hi & 0xff;
  key[5] = lo >>> 24;
  key[6] = (lo >>> 16) & 0xff;
  key[7] = (lo >>> 8) & 0xff;
  key[8] = lo & 0xff;
  return key;
}

export function seqOfKey(key: Uint8Array): number {
  const hi = ((key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!) >>> 0;
  const lo = ((key[5]! << 24) | (key[6]! << 16) | (key[7]! << 8) | key[8]!) >>> 0;
  return hi * TWO_32 + lo;
}

/** Bounds covering every event key of a lane. */
export const laneBounds = (lane: Lane): { gte: Uint8Array; lte: Uint8Array } => ({
  gte: eventKey(lane, 0),
  lte: eventKey(lane, Number.MAX_SAFE_INTEGER),
});

export const metaKey = (name: string): Uint8Array => {
  const key = new Uint8Array(1 + name.length);
  key[0] = META_PREFIX;
  for (let i = 0; i < name.length; i++) key[i + 1] = name.charCodeAt(i) & 0x7f;
  return key;
};

export const META_EPOCH = metaKey('epoch');
export const META_BOOT = metaKey('boot');
export const laneMetaKey = (lane: Lane): Uint8Array => metaKey(`lane:${lane}`);
