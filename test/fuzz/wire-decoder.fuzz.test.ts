/**
 * Fuzzes the batch decoder: random bytes and mutations of valid batches (bit flips, truncations, extensions,
 * resealed mutations whose checksum is valid again, mutated MessagePack inside a valid envelope, huge declared
 * lengths, compression bombs). Every input must give a valid batch or a WireError: nothing else thrown, no hang
 * (bounded by the test timeout), and whatever decodes is well-formed and encodable again.
 *
 * FLEETSYNC_FUZZ_ITERATIONS (default 100000) sets the count, FLEETSYNC_FUZZ_SEED replays a run.
 */
import { mulberry32 } from '../support/mulberry32.ts';
import { Packr } from 'msgpackr';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StampedEvent } from '../../shared/contracts/types.ts';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  WireError,
  decodeBatch,
  encodeBatch,
  type DecodeLimits,
  type DecodedBatch,
  type WireErrorCode,
} from '../../shared/wire/index.ts';
import { craft, reseal } from '../../shared/wire/test-craft.ts';
import { alertEvents, everyKind, noiseBytes, rejectEvents, sampleHeader, statusEvents, telemetryEvents } from '../../shared/wire/test-events.ts';

const ITERATIONS = Number(process.env.FLEETSYNC_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FLEETSYNC_FUZZ_SEED ?? (Date.now() ^ (process.pid << 16)) >>> 0);
const CODES: ReadonlySet<WireErrorCode> = new Set(['magic', 'truncated', 'corrupt', 'checksum', 'version', 'oversized', 'bomb', 'types']);
const KINDS = new Set(['reading', 'position', 'alert', 'status', 'reject']);


const rnd = mulberry32(SEED);
const int = (n: number): number => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

// Seeds: valid batches of every lane, plus a longer telemetry run.
const longRun: StampedEvent[] = Array.from({ length: 120 }, (_, i) => ({
  seq: 1000 + 2 * i + (i % 2), // gaps of 1 and 3
  rt: 1_741_579_200_000 + i * 250,
  kind: 'reading',
  body: { v: 2, vehicle: 'TRK-0042', sensor: 'j1939', signal: `s${i % 7}`, value: (i * 37) % 1000, unit: 'rpm', sensorTime: 1_741_579_200_000 + i * 250, quality: 'good' },
}));
const seedBatches = [
  encodeBatch(sampleHeader(), telemetryEvents()),
  encodeBatch(sampleHeader('alerts'), alertEvents()),
  encodeBatch(sampleHeader('status'), statusEvents()),
  encodeBatch(sampleHeader('rejects'), rejectEvents()),
  encodeBatch(sampleHeader(), []),
  encodeBatch(sampleHeader(), everyKind()),
  encodeBatch(sampleHeader(), longRun),
];
// Payload offset of each seed: header length = 44 + 1 + gatewayId + 1 + epoch.
const payloadAt = (b: Uint8Array): number => 44 + 1 + b[44]! + 1 + b[45 + b[44]!]!;
const seedRaw = seedBatches.map((b) => {
  const view = new DataView(b.buffer, b.byteOffset);
  return new Uint8Array(brotliDecompressSync(b.subarray(payloadAt(b), payloadAt(b) + view.getUint32(40))));
});
// Inflating a bomb costs its decoder's window allocation even when stopped early: a small-window bomb keeps the
// many small cases cheap, the full-size one (past the default limit) is used rarely.
const bombOf = (bytes: number, lgwin: number): Uint8Array =>
  brotliCompressSync(new Uint8Array(bytes), { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: lgwin } });
const smallBomb = bombOf(2 * 1024 * 1024, 16);
const bigBomb = bombOf(DEFAULT_MAX_DECOMPRESSED_BYTES + 1024, 24);
const loose = new Packr({ useRecords: true, moreTypes: true });

function flipBits(b: Uint8Array, count: number): Uint8Array {
  const out = Uint8Array.from(b);
  for (let i = 0; i < count && out.length > 0; i++) out[int(out.length)]! ^= 1 << int(8);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function mutateBytes(b: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(b);
  for (let n = 1 + int(4); n > 0; n--) {
    const at = int(out.length + 1);
    switch (int(5)) {
      case 0:
        out = flipBits(out, 1);
        break;
      case 1:
        if (at < out.length) out[at] = pick([0x00, 0x7f, 0x80, 0xc0, 0xc1, 0xd4, 0xdc, 0xdd, 0xde, 0xdf, 0xc6, 0xdb, 0xcf, 0xff, int(256)]);
        break;
      case 2: // insert
        out = concat(out.subarray(0, at), noiseBytes(1 + int(8), int(2 ** 31) + 1), out.subarray(at));
        break;
      case 3: // delete
        out = concat(out.subarray(0, at), out.subarray(at + 1 + int(8)));
        break;
      default: // duplicate a slice
        out = concat(out.subarray(0, at), out.subarray(int(out.length)).subarray(0, int(16)), out.subarray(at));
    }
  }
  return out;
}

function randomValue(depth: number): unknown {
  switch (int(depth > 3 ? 8 : 12)) {
    case 0: return int(2 ** 31) - 2 ** 30;
    case 1: return pick([0, -1, 63, 64, 127, 128, 255, 65535, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY, -0, 0.1, 1e308]);
    case 2: return rnd() * 1e6;
    case 3: return pick(['', 'a', 'TRK-0042', '__proto__', 'constructor', 'é🚚', 'x'.repeat(int(300))]);
    case 4: return pick([true, false, null, undefined]);
    case 5: return noiseBytes(int(20), int(2 ** 31) + 1);
    case 6: return pick([new Date(int(2 ** 40)), BigInt(int(2 ** 30)) * 2n ** 40n, new Set([1]), new Map([[1, 2]])]);
    case 7: return pick(['reading', 'position', 'alert', 'status', 'reject']);
    case 8:
    case 9: return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(6); i > 0; i--) {
        // defineProperty: an own "__proto__" key, as JSON.parse makes, not a prototype change.
        const key = pick(['v', 'vehicle', 'value', 'seq', 'rt', 'kind', 'body', 'lat', `k${int(50)}`, '__proto__']);
        Object.defineProperty(o, key, { value: randomValue(depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

/** Mostly well-shaped events with random bodies, sometimes broken at the top level. */
function randomEvents(): { raw: Uint8Array; count: number; first: number; last: number } {
  const count = int(6);
  let seq = int(3) === 0 ? int(2 ** 20) : int(10);
  const events: unknown[] = [];
  for (let i = 0; i < count; i++) {
    seq += int(4) === 0 ? int(3) - 1 : 1 + int(3);
    const e: Record<string, unknown> = { seq, rt: rnd() * 2e12, kind: pick([...KINDS]), body: randomValue(1) };
    if (int(6) === 0) e[pick(['seq', 'rt', 'kind', 'body', 'extra'])] = randomValue(2);
    if (int(10) === 0) delete e[pick(['seq', 'rt', 'kind', 'body'])];
    events.push(int(20) === 0 ? randomValue(1) : e);
  }
  const raw = loose.pack(int(15) === 0 ? randomValue(1) : events);
  const first = (events[0] as { seq?: number } | undefined)?.seq;
  const last = (events[events.length - 1] as { seq?: number } | undefined)?.seq;
  return { raw, count, first: typeof first === 'number' ? first : 0, last: typeof last === 'number' ? last : 0 };
}

function setU32(b: Uint8Array, at: number, v: number): Uint8Array {
  const out = Uint8Array.from(b);
  if (out.length >= at + 4) new DataView(out.buffer).setUint32(at, v >>> 0);
  return out;
}

const STRATEGIES = [
  'bitflip', 'bitflip-resealed', 'payload-mutated', 'random-events', 'truncated', 'extended', 'extended-resealed',
  'random-bytes', 'magic-then-random', 'huge-lengths', 'header-byte', 'tight-limits', 'bomb',
] as const;
type Strategy = (typeof STRATEGIES)[number];

function makeInput(strategy: Strategy): { bytes: Uint8Array; limits?: DecodeLimits } {
  const i = int(seedBatches.length);
  const seed = seedBatches[i]!;
  switch (strategy) {
    case 'bitflip':
      return { bytes: flipBits(seed, 1 + int(8)) };
    case 'bitflip-resealed':
      return { bytes: reseal(flipBits(seed, 1 + int(4))) };
    case 'payload-mutated': {
      const raw = mutateBytes(seedRaw[i]!);
      const view = new DataView(seed.buffer, seed.byteOffset);
      const header = { count: view.getUint32(32), firstSeq: view.getUint32(20), lastSeq: view.getUint32(28) };
      return { bytes: craft({ raw, header, rawLength: int(8) === 0 ? int(raw.length * 2 + 1) : raw.length, quality: 1 }) };
    }
    case 'random-events': {
      const { raw, count, first, last } = randomEvents();
      const header = int(4) === 0 ? { count: int(8), firstSeq: int(10), lastSeq: int(20) } : { count, firstSeq: count ? first : 0, lastSeq: count ? last : 0 };
      const safe = (n: number): number => (Number.isSafeInteger(n) && n >= 0 ? n : 0);
      return { bytes: craft({ raw, header: { ...header, firstSeq: safe(header.firstSeq), lastSeq: safe(header.lastSeq) }, compression: int(3) === 0 ? 'none' : 'brotli', quality: 1 }) };
    }
    case 'truncated':
      return { bytes: seed.subarray(0, int(seed.length)) };
    case 'extended':
      return { bytes: concat(seed, noiseBytes(1 + int(64), int(2 ** 31) + 1)) };
    case 'extended-resealed': {
      // Grow the declared payload too, so the extra bytes sit inside it behind a valid checksum.
      const extra = noiseBytes(1 + int(64), int(2 ** 31) + 1);
      const body = concat(seed.subarray(0, seed.length - 4), extra, new Uint8Array(4));
      const view = new DataView(seed.buffer, seed.byteOffset);
      return { bytes: reseal(setU32(body, 40, view.getUint32(40) + extra.length)) };
    }
    case 'random-bytes':
      return { bytes: noiseBytes(int(2000), int(2 ** 31) + 1) };
    case 'magic-then-random':
      return { bytes: concat(Uint8Array.of(0x89, 0x46, 0x53, 0x42, 1), noiseBytes(int(600), int(2 ** 31) + 1)) };
    case 'huge-lengths': {
      const at = pick([32, 36, 40, 8, 16, 24]);
      const v = pick([0xffffffff, 0x7fffffff, 0x80000000, DEFAULT_MAX_DECOMPRESSED_BYTES + 1, int(2 ** 32)]);
      const mutated = setU32(seed, at, v);
      if (int(4) === 0) mutated[44] = 0xff; // gatewayId length
      return { bytes: int(5) === 0 ? mutated : reseal(mutated) };
    }
    case 'bomb': {
      const big = int(200) === 0;
      const bombPayload = big ? bigBomb : smallBomb;
      const template = craft({ raw: Uint8Array.of(0x90), compression: 'none', header: { count: 0, firstSeq: 0, lastSeq: 0 } });
      const out = new Uint8Array(template.length - 1 + bombPayload.length);
      out.set(template.subarray(0, template.length - 5));
      out.set(bombPayload, template.length - 5);
      out[5] = 1;
      const view = new DataView(out.buffer);
      view.setUint32(36, big ? pick([DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES + 1, int(2 ** 32)]) : pick([1, 1024, 65536, 1 + int(1 << 20)]));
      view.setUint32(40, bombPayload.length);
      return { bytes: reseal(out), limits: int(2) === 0 ? { maxDecompressedBytes: 1 + int(1 << 20) } : {} };
    }
    case 'header-byte': {
      const out = Uint8Array.from(seed);
      out[int(Math.min(out.length, 120))] = int(256);
      return { bytes: int(3) === 0 ? out : reseal(out) };
    }
    case 'tight-limits':
      return {
        bytes: int(2) === 0 ? seed : reseal(flipBits(seed, 1)),
        limits: { maxMessageBytes: int(seed.length * 2), maxDecompressedBytes: int(4096), maxEvents: int(12) },
      };
  }
}

/**
 * What must hold for every decoded batch; returns a complaint or undefined. `reencode` for inputs built from new
 * content (re-encoding what the seeds already hold proves nothing new and costs a brotli pass).
 */
function checkDecoded(d: DecodedBatch, reencode: boolean): string | undefined {
  const { header, events } = d;
  if (!Array.isArray(events) || events.length !== header.count) return 'count differs from events';
  let previous = -1;
  for (const e of events) {
    if (!Number.isSafeInteger(e.seq) || e.seq <= previous) return `bad seq ${e.seq}`;
    previous = e.seq;
    if (typeof e.rt !== 'number' || !Number.isFinite(e.rt)) return 'bad rt';
    if (!KINDS.has(e.kind)) return 'bad kind';
    if (typeof e.body !== 'object' || e.body === null || Array.isArray(e.body)) return 'bad body';
  }
  if (events.length && (events[0]!.seq !== header.firstSeq || events[events.length - 1]!.seq !== header.lastSeq)) return 'seq range differs';
  // Whatever the decoder accepts, the encoder accepts too (it may only be too big for one message).
  if (!reencode) return undefined;
  try {
    encodeBatch({ gatewayId: header.gatewayId, epoch: header.epoch, lane: header.lane, createdAt: header.createdAt }, events);
  } catch (error) {
    if (!(error instanceof WireError && error.code === 'oversized')) return `decoded batch does not re-encode: ${String(error)}`;
  }
  return undefined;
}

describe('wire decoder fuzz', () => {
  it(
    `survives ${ITERATIONS} random and mutated inputs (seed ${SEED})`,
    () => {
      process.stdout.write(`wire fuzz: seed=${SEED} iterations=${ITERATIONS} (replay: FLEETSYNC_FUZZ_SEED=${SEED})\n`);
      const outcomes = new Map<string, number>();
      for (let n = 0; n < ITERATIONS; n++) {
        // Round robin, except bombs every 100th input: each costs the inflater's window (a few ms) even when stopped.
        const strategy = n % 100 === 99 ? 'bomb' : STRATEGIES[n % (STRATEGIES.length - 1)]!;
        const { bytes, limits } = makeInput(strategy);
        let complaint: string | undefined;
        let outcome: string;
        try {
          const decoded = decodeBatch(bytes, limits);
          complaint = checkDecoded(decoded, strategy === 'random-events' || strategy === 'payload-mutated');
          outcome = 'ok';
        } catch (error) {
          outcome = error instanceof WireError ? error.code : 'foreign';
          if (!(error instanceof WireError) || !CODES.has(error.code)) complaint = `threw ${String(error)}`;
        }
        if (complaint !== undefined) {
          throw new Error(
            `iteration ${n} (${strategy}, seed ${SEED}): ${complaint}\ninput (${bytes.length} bytes): ${Buffer.from(bytes).toString('hex').slice(0, 4000)}`,
          );
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      process.stdout.write(`wire fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}\n`);
      if (ITERATIONS >= 10_000) {
        // The mutations must reach every layer, not stop at the checksum.
        for (const code of [...CODES, 'ok']) expect(outcomes.get(code) ?? 0, `outcome ${code}`).toBeGreaterThan(0);
      }
    },
    30_000 + ITERATIONS * 2,
  );
});
