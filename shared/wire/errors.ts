/** The one error type the wire format raises, and the Result that the non-throwing decoder returns. */

export type WireErrorCode =
  /** The first bytes are not the batch magic: not a batch at all. */
  | 'magic'
  /** Fewer bytes than the envelope declares. */
  | 'truncated'
  /** Bytes that cannot be decompressed or parsed, or trailing bytes after the checksum. */
  | 'corrupt'
  /** The CRC-32 does not match: damaged in transit or storage. */
  | 'checksum'
  /** An envelope version, compression or flag this decoder does not know. */
  | 'version'
  /** More bytes or events than the limits allow (also raised by the encoder). */
  | 'oversized'
  /** The payload declares or inflates to more than the decompression limit. */
  | 'bomb'
  /** Well-formed bytes whose header fields or events have the wrong types or are inconsistent. */
  | 'types';

export class WireError extends Error {
  override readonly name = 'WireError';
  readonly code: WireErrorCode;
  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

export type Result<T, E = WireError> = { ok: true; value: T } | { ok: false; error: E };
