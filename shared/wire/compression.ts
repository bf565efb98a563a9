/** Payload compression with a hard bound on output, so a small message can never inflate into a large allocation. */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { BROTLI_QUALITY, type Compression } from './constants.ts';
import { WireError } from './errors.ts';

export function compress(raw: Uint8Array): Uint8Array {
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/**
 * Inflates to exactly `rawLength` bytes. zlib stops at maxOutputLength and throws a RangeError
 * (ERR_BUFFER_TOO_LARGE): more output than declared is a bomb, less is corruption.
 */
export function decompress(compression: Compression, payload: Uint8Array, rawLength: number): Uint8Array {
  if (compression === 'none') {
    if (payload.length !== rawLength) throw new WireError('corrupt', `stored payload is ${payload.length} bytes, header says ${rawLength}`);
    return payload;
  }
  let out: Uint8Array;
  try {
    out = brotliDecompressSync(payload, { maxOutputLength: rawLength });
  } catch (error) {
    if (error instanceof RangeError) throw new WireError('bomb', `payload inflates past its declared ${rawLength} bytes`, { cause: error });
    throw new WireError('corrupt', `payload does not decompress: ${(error as Error).message}`, { cause: error });
  }
  if (out.length !== rawLength) throw new WireError('corrupt', `payload inflates to ${out.length} bytes, header says ${rawLength}`);
  return out;
}
