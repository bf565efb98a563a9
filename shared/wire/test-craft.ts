/** Builds deliberately wrong batches for tests: any header values, any payload, still with a correct checksum. */
import { brotliCompressSync, constants, crc32 } from 'node:zlib';
import { compress } from './compression.ts';
import { WIRE_CONTRACT_VERSION, WIRE_FORMAT_VERSION, type Compression } from './constants.ts';
import { frame } from './envelope.ts';
import type { BatchHeader } from './types.ts';
import { sampleHeader } from './test-events.ts';

/** Recomputes the CRC-32 trailer so a mutation gets past the checksum and reaches the deeper checks. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)));
  return out;
}

export interface CraftOptions {
  header?: Partial<BatchHeader>;
  /** The uncompressed payload. */
  raw: Uint8Array;
  compression?: Compression;
  /** Declared uncompressed length; defaults to raw.length. */
  rawLength?: number;
  /** Brotli quality; the format's own by default. Fuzzing uses 1: any valid stream will do, and it is cheaper. */
  quality?: number;
}

export function craft(o: CraftOptions): Uint8Array {
  const header: BatchHeader = {
    ...sampleHeader(),
    formatVersion: WIRE_FORMAT_VERSION,
    contractVersion: WIRE_CONTRACT_VERSION,
    compression: o.compression ?? 'brotli',
    firstSeq: 1,
    lastSeq: 1,
    count: 1,
    ...o.header,
  };
  const payload =
    header.compression === 'none'
      ? o.raw
      : o.quality === undefined
        ? compress(o.raw)
        : brotliCompressSync(o.raw, { params: { [constants.BROTLI_PARAM_QUALITY]: o.quality } });
  return frame(header, o.rawLength ?? o.raw.length, payload);
}

/** Sets one byte and reseals. */
export function patchByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = value;
  return reseal(out);
}
