/**
 * The binary envelope around the compressed payload: fixed fields, two short ids, the payload, a CRC-32 trailer.
 * Layout (big-endian) is documented byte by byte in docs/wire-format.md.
 */
import { crc32 } from 'node:zlib';
import type { Lane } from '../contracts/types.ts';
import {
  COMPRESSION_IDS,
  LANE_IDS,
  MAX_ID_LENGTH,
  WIRE_FORMAT_VERSION,
  WIRE_MAGIC,
  type Compression,
} from './constants.ts';
import { WireError } from './errors.ts';
import type { BatchHeader } from './types.ts';

/** Bytes before the gatewayId length byte. */
export const FIXED_BYTES = 44;
const CRC_BYTES = 4;
/** Smallest possible batch: fixed part, two 1-byte ids with their lengths, empty payload, CRC. */
export const MIN_BATCH_BYTES = FIXED_BYTES + 4 + CRC_BYTES;
/** Envelope bytes around the payload for given ids (all ASCII, so length = bytes). */
export const envelopeBytes = (gatewayId: string, epoch: string): number => FIXED_BYTES + 2 + gatewayId.length + epoch.length + CRC_BYTES;

const LANE_BY_ID: readonly Lane[] = (Object.keys(LANE_IDS) as Lane[]).sort((a, b) => LANE_IDS[a] - LANE_IDS[b]);
const COMPRESSION_BY_ID: readonly Compression[] = (Object.keys(COMPRESSION_IDS) as Compression[]).sort(
  (a, b) => COMPRESSION_IDS[a] - COMPRESSION_IDS[b],
);
const TWO_32 = 2 ** 32;

export const isWireId = (s: unknown): s is string => {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
};

export const isSeq = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Checks the header fields the encoder and the decoder both rely on; throws WireError('types'). */
export function checkHeaderFields(h: BatchHeader): void {
  if (!isWireId(h.gatewayId)) throw new WireError('types', `gatewayId must be 1-${MAX_ID_LENGTH} printable ASCII characters`);
  if (!isWireId(h.epoch)) throw new WireError('types', `epoch must be 1-${MAX_ID_LENGTH} printable ASCII characters`);
  if (!(h.lane in LANE_IDS)) throw new WireError('types', `unknown lane ${JSON.stringify(h.lane)}`);
  if (!isSeq(h.createdAt)) throw new WireError('types', 'createdAt must be a non-negative safe integer (epoch ms)');
  if (!Number.isInteger(h.contractVersion) || h.contractVersion < 1 || h.contractVersion > 255)
    throw new WireError('types', 'contractVersion must be 1-255');
  if (!isSeq(h.firstSeq) || !isSeq(h.lastSeq)) throw new WireError('types', 'firstSeq and lastSeq must be non-negative safe integers');
  if (h.count === 0) {
    if (h.firstSeq !== 0 || h.lastSeq !== 0) throw new WireError('types', 'an empty batch has firstSeq = lastSeq = 0');
  } else if (h.lastSeq < h.firstSeq || h.lastSeq - h.firstSeq + 1 < h.count) {
    throw new WireError('types', `seq range ${h.firstSeq}..${h.lastSeq} cannot hold ${h.count} events`);
  }
}

/** Writes the whole message: envelope, payload, CRC. The header must already be checked. */
export function frame(h: BatchHeader, rawLength: number, payload: Uint8Array): Uint8Array {
  const headerLength = FIXED_BYTES + 2 + h.gatewayId.length + h.epoch.length;
  const out = new Uint8Array(headerLength + payload.length + CRC_BYTES);
  const view = new DataView(out.buffer);
  out.set(WIRE_MAGIC, 0);
  out[4] = WIRE_FORMAT_VERSION;
  out[5] = COMPRESSION_IDS[h.compression];
  out[6] = LANE_IDS[h.lane];
  out[7] = h.contractVersion;
  const u64 = (at: number, n: number): void => {
    view.setUint32(at, Math.floor(n / TWO_32));
    view.setUint32(at + 4, n % TWO_32);
  };
  u64(8, h.createdAt);
  u64(16, h.firstSeq);
  u64(24, h.lastSeq);
  view.setUint32(32, h.count);
  view.setUint32(36, rawLength);
  view.setUint32(40, payload.length);
  let at = FIXED_BYTES;
  for (const id of [h.gatewayId, h.epoch]) {
    out[at++] = id.length;
    for (let i = 0; i < id.length; i++) out[at++] = id.charCodeAt(i);
  }
  out.set(payload, at);
  view.setUint32(out.length - CRC_BYTES, crc32(out.subarray(0, out.length - CRC_BYTES)));
  return out;
}

export interface Envelope {
  header: BatchHeader;
  rawLength: number;
  payload: Uint8Array;
}

/**
 * Reads and checks everything but the payload's content, cheapest test first: magic, version, length, checksum,
 * then the fields. Throws only WireError.
 */
export function parseEnvelope(bytes: Uint8Array, maxMessageBytes: number): Envelope {
  if (bytes.length > maxMessageBytes)
    throw new WireError('oversized', `${bytes.length} bytes exceeds the limit of ${maxMessageBytes}`);
  const magicBytes = Math.min(bytes.length, WIRE_MAGIC.length);
  for (let i = 0; i < magicBytes; i++)
    if (bytes[i] !== WIRE_MAGIC[i]) throw new WireError('magic', 'not a fleetsync batch (bad magic)');
  if (bytes.length < 5) throw new WireError('truncated', `only ${bytes.length} bytes`);
  if (bytes[4] !== WIRE_FORMAT_VERSION) throw new WireError('version', `unknown format version ${bytes[4]}`);
  if (bytes.length < FIXED_BYTES + 1) throw new WireError('truncated', `only ${bytes.length} bytes, header needs ${FIXED_BYTES + 1}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const gatewayLength = bytes[FIXED_BYTES]!;
  const epochAt = FIXED_BYTES + 1 + gatewayLength;
  if (bytes.length < epochAt + 1) throw new WireError('truncated', 'header ends inside gatewayId');
  const epochLength = bytes[epochAt]!;
  const payloadAt = epochAt + 1 + epochLength;
  const payloadLength = view.getUint32(40);
  const total = payloadAt + payloadLength + CRC_BYTES;
  if (bytes.length < total) throw new WireError('truncated', `${bytes.length} bytes, envelope declares ${total}`);
  if (bytes.length > total) throw new WireError('corrupt', `${bytes.length - total} trailing bytes after the checksum`);
  const expected = view.getUint32(total - CRC_BYTES);
  const actual = crc32(bytes.subarray(0, total - CRC_BYTES));
  if (expected !== actual) throw new WireError('checksum', `CRC-32 ${hex32(actual)} does not match ${hex32(expected)}`);

  const flags = bytes[5]!;
  const compression = COMPRESSION_BY_ID[flags];
  if (compression === undefined) throw new WireError('version', `unknown compression/flags byte 0x${flags.toString(16)}`);
  const lane = LANE_BY_ID[bytes[6]!];
  if (lane === undefined) throw new WireError('types', `unknown lane id ${bytes[6]}`);
  const u64 = (at: number, field: string): number => {
    const hi = view.getUint32(at);
    if (hi > 0x1fffff) throw new WireError('types', `${field} exceeds 2^53 - 1`);
    return hi * TWO_32 + view.getUint32(at + 4);
  };
  const ascii = (at: number, length: number): string => String.fromCharCode(...bytes.subarray(at, at + length));
  const header: BatchHeader = {
    formatVersion: WIRE_FORMAT_VERSION,
    contractVersion: bytes[7]!,
    compression,
    gatewayId: ascii(FIXED_BYTES + 1, gatewayLength),
    epoch: ascii(epochAt + 1, epochLength),
    lane,
    createdAt: u64(8, 'createdAt'),
    firstSeq: u64(16, 'firstSeq'),
    lastSeq: u64(24, 'lastSeq'),
    count: view.getUint32(32),
  };
  checkHeaderFields(header);
  const rawLength = view.getUint32(36);
  return { header, rawLength, payload: bytes.subarray(payloadAt, payloadAt + payloadLength) };
}

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
