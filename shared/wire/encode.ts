/** encodeBatch: events of one lane into one self-contained, checksummed, compressed message. */
import type { StampedEvent } from '../contracts/types.ts';
import { compress } from './compression.ts';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_EVENTS,
  MAX_MESSAGE_BYTES,
  WIRE_CONTRACT_VERSION,
  WIRE_FORMAT_VERSION,
} from './constants.ts';
import { checkHeaderFields, frame } from './envelope.ts';
import { WireError } from './errors.ts';
import { checkEvents } from './event-shape.ts';
import { canonical, pack } from './payload.ts';
import type { BatchHeader, BatchHeaderInput } from './types.ts';

export function headerFor(input: BatchHeaderInput, events: readonly StampedEvent[]): BatchHeader {
  const header: BatchHeader = {
    formatVersion: WIRE_FORMAT_VERSION,
    contractVersion: WIRE_CONTRACT_VERSION,
    compression: 'brotli',
    gatewayId: input.gatewayId,
    epoch: input.epoch,
    lane: input.lane,
    createdAt: input.createdAt,
    firstSeq: events[0]?.seq ?? 0,
    lastSeq: events[events.length - 1]?.seq ?? 0,
    count: events.length,
  };
  checkHeaderFields(header);
  return header;
}

/** The encoded message and its size before compression (fitBatch uses it to steer). */
export interface Encoded {
  bytes: Uint8Array;
  rawLength: number;
}

/** Canonical, checked events: what encodeUnbounded needs. Throws WireError('types'). */
export function prepareEvents(events: readonly StampedEvent[]): StampedEvent[] {
  const normal = events.map(canonical);
  checkEvents(normal);
  return normal;
}

/**
 * Encodes events already through prepareEvents, without the message-size check (fitBatch probes with it).
 * Throws WireError('types' | 'oversized').
 */
export function encodeUnbounded(input: BatchHeaderInput, normal: readonly StampedEvent[]): Encoded {
  if (normal.length > DEFAULT_MAX_EVENTS)
    throw new WireError('oversized', `${normal.length} events exceeds the limit of ${DEFAULT_MAX_EVENTS} per batch`);
  const header = headerFor(input, normal);
  const raw = pack(normal);
  if (raw.length > DEFAULT_MAX_DECOMPRESSED_BYTES)
    throw new WireError('oversized', `payload of ${raw.length} bytes exceeds the decompressed limit of ${DEFAULT_MAX_DECOMPRESSED_BYTES}`);
  return { bytes: frame(header, raw.length, compress(raw)), rawLength: raw.length };
}

/**
 * Encodes one lane's events (contiguous seq order, gaps allowed) as one message. Throws WireError: 'types' when the
 * header or an event is malformed, 'oversized' when the result would exceed MAX_MESSAGE_BYTES (use fitBatch).
 */
export function encodeBatch(header: BatchHeaderInput, events: StampedEvent[]): Uint8Array {
  const { bytes } = encodeUnbounded(header, prepareEvents(events));
  if (bytes.length > MAX_MESSAGE_BYTES)
    throw new WireError('oversized', `${events.length} events encode to ${bytes.length} bytes, over ${MAX_MESSAGE_BYTES}; use fitBatch`);
  return bytes;
}
