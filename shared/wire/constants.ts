/** Fixed numbers and names of the batch wire format (gateway -> cloud). The byte layout is in docs/wire-format.md. */
import type { Lane } from '../contracts/types.ts';

/** First four bytes of every batch: 0x89 'F' 'S' 'B'. The high first byte keeps text (JSON, logs) from ever matching. */
export const WIRE_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x46, 0x53, 0x42);
/** Envelope format version (byte 4). */
export const WIRE_FORMAT_VERSION = 1;
/** Highest contract version (shared/contracts/types.ts) this producer writes in bodies; carried in byte 7. */
export const WIRE_CONTRACT_VERSION = 2;

/** IoT Hub's device-to-cloud message size limit; the encoder never produces more. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/**
 * Room left for the message's properties (messageId, content type and encoding, lane, format, seqs: about 150 bytes)
 * when sizing a body, because IoT Hub meters body plus properties in 4 KB blocks.
 */
export const MESSAGE_PROPERTY_HEADROOM = 512;
/**
 * The gateway's default batch target: 16 billing blocks of 4 KB with the properties included. A quarter of the
 * limit keeps a retry cheap and the latency of a full batch low.
 */
export const DEFAULT_TARGET_BYTES = 16 * 4096 - MESSAGE_PROPERTY_HEADROOM;
/** Bound on the uncompressed payload; the encoder refuses more, so every batch it makes decodes with the defaults. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;
/** Bound on events per batch, for the same reason. */
export const DEFAULT_MAX_EVENTS = 100_000;
/** Nesting depth allowed inside an event body (contracts use at most 3). */
export const MAX_BODY_DEPTH = 32;
/** gatewayId and epoch: 1-128 printable ASCII characters (0x21-0x7e), like IoT Hub device ids. */
export const MAX_ID_LENGTH = 128;

/** Brotli quality 5: the measured knee of size against speed (docs/wire-format.md). */
export const BROTLI_QUALITY = 5;

export type Compression = 'none' | 'brotli';
/** Low nibble of byte 5. The encoder always writes brotli; `none` is accepted for simple producers and tests. */
export const COMPRESSION_IDS: Readonly<Record<Compression, number>> = { none: 0, brotli: 1 };

/** Byte 6. Order is part of the format: never reorder, only append. */
export const LANE_IDS: Readonly<Record<Lane, number>> = { alerts: 0, telemetry: 1, status: 2, rejects: 3 };

/** IoT Hub system properties the gateway sets on every batch message. */
export const WIRE_CONTENT_TYPE = 'application/vnd.fleetsync.batch';
/** The compression is part of the format (inside the envelope), so the message body itself has no content coding. */
export const WIRE_CONTENT_ENCODING = 'identity';
/** Value of the `format` message property (only characters IoT Hub allows in property values on every protocol). */
export const WIRE_FORMAT_ID = `fleetsync-batch-v${WIRE_FORMAT_VERSION}`;
/** Names of the application properties the gateway sets, so the cloud can route and log without decoding. */
export const WIRE_PROPERTY_NAMES = {
  lane: 'lane',
  format: 'format',
  firstSeq: 'firstSeq',
  lastSeq: 'lastSeq',
} as const;
