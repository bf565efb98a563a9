import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeSegment, SegmentError, type Segment } from './segment-codec.ts';
import { segmentCutAt, segmentKey, writerName } from './segment-key.ts';

const segment: Segment = {
  writer: 'ingest-0-a1b2c3',
  createdAt: 1_754_000_000_000,
  records: [
    {
      kind: 'telemetry',
      msg: {
        deviceId: 'gw-TRK-0001',
        body: Uint8Array.from([0, 1, 2, 250, 255]),
        system: { messageId: 'm-1', contentType: 'application/vnd.fleetsync.batch', contentEncoding: 'identity' },
        properties: { lane: 'alerts', epoch: 'E1' },
        enqueuedAt: 1_754_000_000_100,
      },
    },
    { kind: 'connection', event: { deviceId: 'gw-TRK-0001', connected: false, at: 1_754_000_000_200 } },
  ],
};

/** A well-formed segment around any payload object (valid header and checksum). */
function framed(payload: unknown): Uint8Array {
  const body = new Packr({ useRecords: false }).pack(payload);
  const out = new Uint8Array(9 + body.length);
  out.set(Buffer.from('FSSP', 'latin1'));
  out[4] = 1;
  new DataView(out.buffer).setUint32(5, crc32(body));
  out.set(body, 9);
  return out;
}

describe('spool segment codec', () => {
  it('reads back exactly what was written, message bodies byte for byte', () => {
    const back = decodeSegment(encodeSegment(segment));
    expect(back).toEqual(segment);
    const r = back.records[0];
    expect(r?.kind === 'telemetry' && Buffer.from(r.msg.body).equals(Buffer.from([0, 1, 2, 250, 255]))).toBe(true);
  });

  it('refuses a segment with any byte changed (checksum)', () => {
    const bytes = encodeSegment(segment);
    for (const i of [9, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ 0x40;
      expect(() => decodeSegment(bad)).toThrow(/checksum/);
    }
  });

  it('refuses a torn segment, a foreign object and a newer format, each with its reason', () => {
    const bytes = encodeSegment(segment);
    expect(() => decodeSegment(bytes.subarray(0, bytes.length - 3))).toThrow(/checksum/);
    expect(() => decodeSegment(bytes.subarray(0, 5))).toThrow(/no FSSP header/);
    expect(() => decodeSegment(Buffer.from('{"json":"object"}'))).toThrow(/no FSSP header/);
    const newer = bytes.slice();
    newer[4] = 2;
    expect(() => decodeSegment(newer)).toThrow(/unsupported spool segment version 2/);
  });

  it('refuses a well-framed segment whose records do not have the contract shape, naming the field', () => {
    expect(() => decodeSegment(framed({ writer: 'w', createdAt: 1, records: [{ kind: 'telemetry', msg: { deviceId: 'd' } }] }))).toThrow(SegmentError);
    expect(() => decodeSegment(framed({ writer: 'w', createdAt: 1, records: [{ kind: 'connection', event: { deviceId: '', connected: true, at: 1 } }] }))).toThrow(
      /invalid record at \/records\/0/,
    );
    expect(() => decodeSegment(framed([1, 2, 3]))).toThrow(SegmentError);
  });

  it('names segments so that sorting the keys sorts by cut time across writers', () => {
    const keys = [segmentKey(1_754_000_000_500, 'b', 0), segmentKey(1_754_000_000_100, 'z', 7), segmentKey(999, 'a', 12)];
    expect([...keys].sort().map(segmentCutAt)).toEqual([999, 1_754_000_000_100, 1_754_000_000_500]);
    expect(segmentCutAt('spool/other-file.txt')).toBeNull();
    expect(writerName('pod/with:odd chars', 'ab12')).toBe('pod_with_odd_chars-ab12');
  });
});
