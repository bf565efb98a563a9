/**
 * How golden vectors are stored: JSON, with bytes as {"$bytes": "<hex>"} so Uint8Array values compare exactly and
 * the files stay readable and diffable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StampedEvent } from '../../../shared/contracts/types.ts';
import type { BatchHeader, BatchHeaderInput, WireErrorCode } from '../../../shared/wire/index.ts';

export const GOLDEN_DIR = new URL('.', import.meta.url).pathname;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface GoldenVector {
  description: string;
  /** What encodeBatch was given; absent for vectors that only test decoding (foreign producers, rejects). */
  input?: { header: BatchHeaderInput; events: Json };
  /** The message bytes. */
  hex: string;
  /** What decodeBatch gives; exactly one of decoded or error. */
  decoded?: { header: BatchHeader; events: Json };
  error?: { code: WireErrorCode };
}

export function toJson(v: unknown): Json {
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) throw new Error(`golden vectors cannot hold undefined (at ${k})`);
      out[k] = toJson(x);
    }
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('golden vectors cannot hold NaN or Infinity');
  return v as Json;
}

export function fromJson(v: Json): unknown {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bytes' && typeof v.$bytes === 'string') return Uint8Array.from(Buffer.from(v.$bytes, 'hex'));
    return Object.fromEntries(keys.map((k) => [k, fromJson(v[k]!)]));
  }
  return v;
}

export const eventsOf = (v: Json): StampedEvent[] => fromJson(v) as StampedEvent[];

export function loadGoldens(): { file: string; vector: GoldenVector }[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, vector: JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as GoldenVector }));
}
