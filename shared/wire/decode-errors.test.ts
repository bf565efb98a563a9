import { Packr } from 'msgpackr';
import { brotliCompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXED_BYTES } from './envelope.ts';
import { MAX_MESSAGE_BYTES, WireError, decodeBatch, encodeBatch, readBatchHeader, tryDecodeBatch, type WireErrorCode } from './index.ts';
import { craft, patchByte, reseal } from './test-craft.ts';
import { sampleHeader, telemetryEvents } from './test-events.ts';

const valid = encodeBatch(sampleHeader(), telemetryEvents());
const records = new Packr({ useRecords: true });
const plain = new Packr({ useRecords: false });
const event = (seq: number, extra: Record<string, unknown> = {}) => ({ seq, rt: 5, kind: 'reading', body: { v: 1, ...extra } });
const withBytes = (...parts: number[][]) => Uint8Array.from(parts.flat());

function codeOf(bytes: Uint8Array, limits?: Parameters<typeof decodeBatch>[1]): WireErrorCode | 'ok' {
  try {
    decodeBatch(bytes, limits);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(WireError);
    return (error as WireError).code;
  }
}

describe('decodeBatch rejects malformed input with a typed WireError', () => {
  const cases: [string, WireErrorCode, () => Uint8Array, Parameters<typeof decodeBatch>[1]?][] = [
    ['JSON text', 'magic', () => new TextEncoder().encode('{"seq":1}')],
    ['bytes of another format (gzip)', 'magic', () => Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3)],
    ['a single wrong byte', 'magic', () => Uint8Array.of(0)],
    ['magic with one byte wrong', 'magic', () => patchByte(valid, 2, 0x54)],
    ['empty input', 'truncated', () => new Uint8Array(0)],
    ['only the magic', 'truncated', () => valid.subarray(0, 4)],
    ['cut inside the fixed header', 'truncated', () => valid.subarray(0, 30)],
    ['cut inside the gatewayId', 'truncated', () => valid.subarray(0, FIXED_BYTES + 3)],
    ['cut inside the payload', 'truncated', () => valid.subarray(0, valid.length - 20)],
    ['last byte missing', 'truncated', () => valid.subarray(0, valid.length - 1)],
    ['payload length declared huge', 'truncated', () => patchByte(valid, 40, 0xff)],
    ['trailing bytes after the checksum', 'corrupt', () => withBytes([...valid], [0])],
    ['one payload bit flipped', 'checksum', () => flip(valid, valid.length - 10, 0x10)],
    ['one header bit flipped (lane)', 'checksum', () => flip(valid, 6, 0x01)],
    ['checksum bit flipped', 'checksum', () => flip(valid, valid.length - 1, 0x80)],
    ['format version 2', 'version', () => patchByte(valid, 4, 2)],
    ['format version 0', 'version', () => patchByte(valid, 4, 0)],
    ['unknown compression id', 'version', () => patchByte(valid, 5, 7)],
    ['reserved flag bit set', 'version', () => patchByte(valid, 5, 0x11)],
    ['over maxMessageBytes', 'oversized', () => valid, { maxMessageBytes: valid.length - 1 }],
    ['over 256 KB by default', 'oversized', () => new Uint8Array(MAX_MESSAGE_BYTES + 1)],
    ['count over maxEvents', 'oversized', () => valid, { maxEvents: 6 }],
    ['declared raw size over the limit', 'bomb', () => valid, { maxDecompressedBytes: 100 }],
    ['inflates past its declared raw size', 'bomb', () => craft({ raw: records.pack(Array(1000).fill(0)), rawLength: 200 })],
    ['a real bomb: 64 MiB of zeros declared as 1 KiB', 'bomb', () => bomb()],
    ['inflates to less than declared', 'corrupt', () => craft({ raw: records.pack([event(1)]), rawLength: 500 })],
    ['payload is not brotli', 'corrupt', () => craft({ raw: Uint8Array.of(1, 2, 3), compression: 'none', header: { compression: 'brotli' } })],
    ['stored payload length differs from declared raw length', 'corrupt', () => craft({ raw: records.pack([event(1)]), compression: 'none', rawLength: 99 })],
    ['declared raw length 0', 'corrupt', () => craft({ raw: new Uint8Array(0), compression: 'none', rawLength: 0 })],
    ['payload is not MessagePack', 'corrupt', () => craft({ raw: Uint8Array.of(0xc1, 0xc1, 0xc1) })],
    ['MessagePack cut short', 'corrupt', () => craft({ raw: records.pack([event(1)]).subarray(0, 8) })],
    ['MessagePack with trailing data', 'corrupt', () => craft({ raw: withBytes([...records.pack([event(1)])], [0xc0]) })],
    ['an unknown record id reads as a plain integer, not an event', 'types', () => craft({ raw: Uint8Array.of(0x91, 0x45) })],
    ['structured-clone reference', 'corrupt', () => craft({ raw: Uint8Array.of(0x91, 0xd6, 0x69, 0, 0, 0, 1, 0xc0) })],
    ['deeply nested arrays', 'corrupt', () => craft({ raw: new Uint8Array(200_000).fill(0x91), compression: 'none' })],
    ['unknown lane id', 'types', () => patchByte(valid, 6, 9)],
    ['contract version 0', 'types', () => patchByte(valid, 7, 0)],
    ['createdAt beyond 2^53', 'types', () => patchByte(valid, 8, 0x01)],
    ['gatewayId with a control character', 'types', () => patchByte(valid, FIXED_BYTES + 2, 0x0a)],
    ['empty gatewayId', 'types', () => craft({ raw: records.pack([event(1)]), header: { gatewayId: '' } })],
    ['count 0 with seqs', 'types', () => craft({ raw: records.pack([]), header: { count: 0, firstSeq: 1, lastSeq: 1 } })],
    ['seq range too small for count', 'types', () => craft({ raw: records.pack([event(1), event(2)]), header: { count: 2, firstSeq: 1, lastSeq: 1 } })],
    ['count differs from events', 'types', () => craft({ raw: records.pack([event(1), event(2)]), header: { count: 1, firstSeq: 1, lastSeq: 1 } })],
    ['firstSeq differs from events', 'types', () => craft({ raw: records.pack([event(2)]), header: { firstSeq: 1, lastSeq: 2 } })],
    ['lastSeq differs from events', 'types', () => craft({ raw: records.pack([event(1), event(2)]), header: { count: 2, lastSeq: 3 } })],
    ['payload is a map, not an array', 'types', () => craft({ raw: plain.pack({ a: 1 }) })],
    ['event is a string', 'types', () => craft({ raw: records.pack(['x']) })],
    ['event without body', 'types', () => craft({ raw: records.pack([{ seq: 1, rt: 1, kind: 'reading', bodx: {} }]) })],
    ['event with a fifth field', 'types', () => craft({ raw: records.pack([{ ...event(1), more: 1 }]) })],
    ['seqs decreasing', 'types', () => craft({ raw: records.pack([event(2), event(1)]), header: { count: 2, firstSeq: 2, lastSeq: 1 } })],
    ['seq negative', 'types', () => craft({ raw: records.pack([event(-1)]) })],
    ['seq fractional', 'types', () => craft({ raw: records.pack([event(1.5)]) })],
    ['rt a string', 'types', () => craft({ raw: records.pack([{ ...event(1), rt: '5' }]) })],
    ['rt NaN', 'types', () => craft({ raw: records.pack([{ ...event(1), rt: Number.NaN }]) })],
    ['unknown kind', 'types', () => craft({ raw: records.pack([{ ...event(1), kind: 'readings' }]) })],
    ['body null', 'types', () => craft({ raw: records.pack([{ ...event(1), body: null }]) })],
    ['body an array', 'types', () => craft({ raw: records.pack([{ ...event(1), body: [1] }]) })],
    ['body bytes', 'types', () => craft({ raw: records.pack([{ ...event(1), body: Uint8Array.of(1) }]) })],
    ['body holding a uint64 beyond 2^53 (bigint)', 'types', () => craft({ raw: records.pack([event(1, { big: 2n ** 60n })]) })],
    ['body holding a Date', 'types', () => craft({ raw: records.pack([event(1, { at: new Date(0) })]) })],
    ['body holding a Set', 'types', () => craft({ raw: new Packr({ moreTypes: true }).pack([event(1, { s: new Set([1]) })]) })],
    ['body holding an Error', 'types', () => craft({ raw: new Packr({ moreTypes: true }).pack([event(1, { e: new Error('x') })]) })],
    ['body nested 40 deep', 'types', () => craft({ raw: records.pack([event(1, nest(40))]) })],
  ];

  it.each(cases)('%s -> %s', (_name, code, make, limits) => {
    expect(codeOf(make(), limits)).toBe(code);
  });

  it('rejects a non-Uint8Array input as types', () => {
    expect(codeOf('hello' as unknown as Uint8Array)).toBe('types');
    expect(codeOf(null as unknown as Uint8Array)).toBe('types');
  });

  it('readBatchHeader checks the envelope and checksum but not the payload', () => {
    const header = readBatchHeader(craft({ raw: Uint8Array.of(0xc1) }));
    expect(header.gatewayId).toBe(sampleHeader().gatewayId);
    expect(() => readBatchHeader(flip(valid, 50, 1))).toThrow(expect.objectContaining({ code: 'checksum' }));
  });

  it('tryDecodeBatch carries the same error code', () => {
    const r = tryDecodeBatch(valid.subarray(0, 12));
    expect(!r.ok && r.error.code).toBe('truncated');
  });

  it('accepts uncompressed payloads and standard MessagePack maps from other producers', () => {
    const raw = plain.pack([{ seq: 3, rt: 9, kind: 'position', body: { v: 1, lat: 1, lon: 2 } }]);
    const decoded = decodeBatch(craft({ raw, compression: 'none', header: { firstSeq: 3, lastSeq: 3 } }));
    expect(decoded.events).toEqual([{ seq: 3, rt: 9, kind: 'position', body: { v: 1, lat: 1, lon: 2 } }]);
    expect(decoded.header.compression).toBe('none');
  });

  it('turns in-range 64-bit integers from other producers into numbers', () => {
    // uint64 0xcf holding 1741588205000 as seq
    const raw = withBytes([0x91, 0x84, 0xa3, ...ascii('seq'), 0xcf, 0, 0, 0x01, 0x95, 0x7f, 0x0d, 0x5c, 0xc8], [0xa2, ...ascii('rt'), 0x01], [0xa4, ...ascii('kind'), 0xa7, ...ascii('reading')], [0xa4, ...ascii('body'), 0x80]);
    const seq = 0x0195_7f0d_5cc8;
    const decoded = decodeBatch(craft({ raw, header: { firstSeq: seq, lastSeq: seq } }));
    expect(decoded.events[0]!.seq).toBe(seq);
  });

  it('keeps every reseal-able header mutation inside WireError', () => {
    for (let at = 0; at < FIXED_BYTES + 2; at++) {
      for (const v of [0, 1, 0x7f, 0x80, 0xff]) {
        const code = codeOf(patchByte(valid, at, v));
        expect(typeof code).toBe('string');
      }
    }
  });
});

function flip(bytes: Uint8Array, at: number, mask: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at]! ^= mask;
  return out;
}

function bomb(): Uint8Array {
  const zeros = new Uint8Array(64 * 1024 * 1024);
  return reseal(frameWithPayload(brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }), 1024));
}

/** A batch whose stored (already compressed) payload and declared raw length are given. */
function frameWithPayload(payload: Uint8Array, rawLength: number): Uint8Array {
  const template = craft({ raw: Uint8Array.of(0x90), compression: 'none' });
  const headerLength = template.length - 1 - 4;
  const out = new Uint8Array(headerLength + payload.length + 4);
  out.set(template.subarray(0, headerLength));
  out.set(payload, headerLength);
  out[5] = 1; // brotli
  const view = new DataView(out.buffer);
  view.setUint32(36, rawLength);
  view.setUint32(40, payload.length);
  return out;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

function nest(depth: number): Record<string, unknown> {
  let o: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) o = { o };
  return o;
}
