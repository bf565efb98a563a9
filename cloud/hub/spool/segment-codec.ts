/**
 * The spool's segment format: what an ingest replica writes and the pipeline replica reads. A segment is
 * `FSSP` | version (1 byte) | CRC-32 of the payload (4 bytes, big-endian) | payload, where the payload is msgpack of
 * { writer, createdAt, records }. The checksum catches a torn or damaged object before any record reaches Bronze.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { HubTelemetry } from '../ingest-sink.ts';
import type { DeviceConnectionEvent } from '../hub-source.ts';

export const SEGMENT_MAGIC = 'FSSP';
export const SEGMENT_VERSION = 1;
const HEADER_BYTES = 9;

export type SpoolRecord = { kind: 'telemetry'; msg: HubTelemetry } | { kind: 'connection'; event: DeviceConnectionEvent };

export interface Segment {
  /** The ingest replica that wrote it (for logs and quarantine reports). */
  writer: string;
  /** Epoch ms when it was cut. */
  createdAt: number;
  records: SpoolRecord[];
}

const OptStr = Type.Optional(Type.String());
const RecordSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('telemetry'),
    msg: Type.Object({
      deviceId: Type.String({ minLength: 1 }),
      body: Type.Uint8Array(),
      system: Type.Object({
        messageId: OptStr,
        correlationId: OptStr,
        contentType: OptStr,
        contentEncoding: OptStr,
        userId: OptStr,
        to: OptStr,
        expiryTimeUtc: OptStr,
      }),
      properties: Type.Record(Type.String(), Type.String()),
      enqueuedAt: Type.Number(),
    }),
  }),
  Type.Object({
    kind: Type.Literal('connection'),
    event: Type.Object({ deviceId: Type.String({ minLength: 1 }), connected: Type.Boolean(), at: Type.Number() }),
  }),
]);
const SegmentSchema = Type.Object({ writer: Type.String(), createdAt: Type.Number(), records: Type.Array(RecordSchema) });
const checkSegment = TypeCompiler.Compile(SegmentSchema);
type _SchemaMatches = Static<typeof SegmentSchema> extends Segment ? true : never;
const _schemaMatches: _SchemaMatches = true;
void _schemaMatches;

// Plain maps and Uint8Arrays only: records must read back the same in another process and release.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export class SegmentError extends Error {
  override readonly name = 'SegmentError';
}

export function encodeSegment(segment: Segment): Uint8Array {
  const payload = packr.pack(segment);
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out.set(Buffer.from(SEGMENT_MAGIC, 'latin1'), 0);
  out[4] = SEGMENT_VERSION;
  new DataView(out.buffer).setUint32(5, crc32(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

/** The segment, or a SegmentError saying what is wrong with it. Never returns a partly valid segment. */
export function decodeSegment(bytes: Uint8Array): Segment {
  if (bytes.length < HEADER_BYTES || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== SEGMENT_MAGIC)
    throw new SegmentError('not a spool segment (no FSSP header)');
  if (bytes[4] !== SEGMENT_VERSION) throw new SegmentError(`unsupported spool segment version ${bytes[4]} (this release reads ${SEGMENT_VERSION})`);
  const payload = bytes.subarray(HEADER_BYTES);
  const expected = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(5);
  if (crc32(payload) !== expected) throw new SegmentError('spool segment checksum mismatch (torn or damaged object)');
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (err) {
    throw new SegmentError(`spool segment payload is not msgpack: ${(err as Error).message}`);
  }
  if (!checkSegment.Check(value)) {
    const first = checkSegment.Errors(value).First();
    throw new SegmentError(`spool segment has an invalid record at ${first?.path ?? '/'}: ${first?.message ?? 'unknown'}`);
  }
  return value;
}
