/** The batch wire format (gateway -> cloud). Byte layout and measurements: docs/wire-format.md. */
export {
  BROTLI_QUALITY,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_EVENTS,
  DEFAULT_TARGET_BYTES,
  LANE_IDS,
  MAX_ID_LENGTH,
  MAX_MESSAGE_BYTES,
  MESSAGE_PROPERTY_HEADROOM,
  WIRE_CONTENT_ENCODING,
  WIRE_CONTENT_TYPE,
  WIRE_CONTRACT_VERSION,
  WIRE_FORMAT_ID,
  WIRE_FORMAT_VERSION,
  WIRE_MAGIC,
  WIRE_PROPERTY_NAMES,
  type Compression,
} from './constants.ts';
export { WireError, type Result, type WireErrorCode } from './errors.ts';
export type { BatchHeader, BatchHeaderInput, DecodedBatch, DecodeLimits } from './types.ts';
export { encodeBatch } from './encode.ts';
export { decodeBatch, readBatchHeader, tryDecodeBatch } from './decode.ts';
export { fitBatch, type FittedBatch } from './fit-batch.ts';
export { batchId, messageProperties, type BatchKey } from './batch-id.ts';
