import type { Lane, StampedEvent } from '../contracts/types.ts';
import type { Compression } from './constants.ts';

/** What the caller supplies; firstSeq, lastSeq and count are derived from the events. */
export interface BatchHeaderInput {
  gatewayId: string;
  /** The journal's epoch id: stable across gateway restarts, new only when the journal is recreated. */
  epoch: string;
  lane: Lane;
  /** Epoch milliseconds when the batch was made. */
  createdAt: number;
}

export interface BatchHeader extends BatchHeaderInput {
  formatVersion: number;
  /** Highest body contract version the producer knew (bodies carry their own `v`). */
  contractVersion: number;
  compression: Compression;
  /** Seq of the first event; 0 for an empty batch. */
  firstSeq: number;
  /** Seq of the last event; 0 for an empty batch. */
  lastSeq: number;
  count: number;
}

export interface DecodedBatch {
  header: BatchHeader;
  events: StampedEvent[];
}

export interface DecodeLimits {
  /** Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Default DEFAULT_MAX_DECOMPRESSED_BYTES. */
  maxDecompressedBytes?: number;
  /** Default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
}
