/** decodeBatch / tryDecodeBatch: every malformed input ends as a WireError, never as any other exception. */
import { decompress } from './compression.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_EVENTS, MAX_MESSAGE_BYTES } from './constants.ts';
import { parseEnvelope } from './envelope.ts';
import { WireError, type Result } from './errors.ts';
import { checkEvents } from './event-shape.ts';
import { unpack } from './payload.ts';
import type { BatchHeader, DecodedBatch, DecodeLimits } from './types.ts';

/** A limit that is not a non-negative number (NaN included) falls back to the default instead of lifting the bound. */
const limit = (v: number | undefined, fallback: number): number => (typeof v === 'number' && v >= 0 ? v : fallback);

function decodeUnchecked(bytes: Uint8Array, limits: DecodeLimits): DecodedBatch {
  if (!(bytes instanceof Uint8Array)) throw new WireError('types', 'input must be a Uint8Array');
  const maxDecompressed = limit(limits.maxDecompressedBytes, DEFAULT_MAX_DECOMPRESSED_BYTES);
  const maxEvents = limit(limits.maxEvents, DEFAULT_MAX_EVENTS);
  const { header, rawLength, payload } = parseEnvelope(bytes, limit(limits.maxMessageBytes, MAX_MESSAGE_BYTES));
  if (header.count > maxEvents) throw new WireError('oversized', `${header.count} events exceeds the limit of ${maxEvents}`);
  if (rawLength > maxDecompressed)
    throw new WireError('bomb', `payload declares ${rawLength} bytes uncompressed, over the limit of ${maxDecompressed}`);
  if (rawLength === 0) throw new WireError('corrupt', 'payload declares 0 bytes; an empty batch still holds an empty array');
  const events = unpack(decompress(header.compression, payload, rawLength));
  if (!Array.isArray(events)) throw new WireError('types', 'payload is not an array of events');
  if (events.length !== header.count) throw new WireError('types', `header says ${header.count} events, payload holds ${events.length}`);
  checkEvents(events, true);
  checkSeqs(header, events);
  return { header, events };
}

function checkSeqs(header: BatchHeader, events: readonly { seq: number }[]): void {
  if (events.length === 0) return;
  const first = events[0]!.seq;
  const last = events[events.length - 1]!.seq;
  if (first !== header.firstSeq || last !== header.lastSeq)
    throw new WireError('types', `header says seqs ${header.firstSeq}..${header.lastSeq}, events hold ${first}..${last}`);
}

/**
 * Decodes and checks one batch. Throws only WireError; its `code` tells what was wrong
 * (magic, truncated, corrupt, checksum, version, oversized, bomb, types).
 */
export function decodeBatch(bytes: Uint8Array, limits: DecodeLimits = {}): DecodedBatch {
  try {
    return decodeUnchecked(bytes, limits);
  } catch (error) {
    if (error instanceof WireError) throw error;
    // Defence in depth: nothing but WireError may escape, whatever a dependency throws.
    throw new WireError('corrupt', `undecodable batch: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function tryDecodeBatch(bytes: Uint8Array, limits: DecodeLimits = {}): Result<DecodedBatch> {
  try {
    return { ok: true, value: decodeBatch(bytes, limits) };
  } catch (error) {
    return { ok: false, error: error as WireError };
  }
}

/** Reads and checks the envelope (including the checksum) without decompressing: for logging and routing. */
export function readBatchHeader(bytes: Uint8Array, limits: Pick<DecodeLimits, 'maxMessageBytes'> = {}): BatchHeader {
  try {
    if (!(bytes instanceof Uint8Array)) throw new WireError('types', 'input must be a Uint8Array');
    return parseEnvelope(bytes, limit(limits.maxMessageBytes, MAX_MESSAGE_BYTES)).header;
  } catch (error) {
    if (error instanceof WireError) throw error;
    throw new WireError('corrupt', `undecodable header: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
