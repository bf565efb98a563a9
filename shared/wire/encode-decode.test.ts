import { describe, expect, it } from 'vitest';
import type { StampedEvent } from '../contracts/types.ts';
import {
  MAX_MESSAGE_BYTES,
  WIRE_CONTRACT_VERSION,
  WIRE_FORMAT_ID,
  WIRE_MAGIC,
  WireError,
  batchId,
  decodeBatch,
  encodeBatch,
  messageProperties,
  readBatchHeader,
  tryDecodeBatch,
} from './index.ts';
import { alertEvents, everyKind, noiseBytes, rejectEvents, sampleHeader, statusEvents, telemetryEvents } from './test-events.ts';

describe('encodeBatch / decodeBatch round trip', () => {
  it.each([
    ['telemetry (readings and positions, v1 and v2, with a seq gap)', 'telemetry', telemetryEvents()],
    ['alerts (raise, clear, summary)', 'alerts', alertEvents()],
    ['status (nested lane records, nulls)', 'status', statusEvents()],
    ['rejects (raw bytes, empty raw)', 'rejects', rejectEvents()],
    ['every kind in one batch', 'telemetry', everyKind()],
  ] as const)('%s', (_name, lane, events) => {
    const header = sampleHeader(lane);
    const bytes = encodeBatch(header, events);
    const decoded = decodeBatch(bytes);
    expect(decoded.events).toEqual(events);
    expect(decoded.header).toEqual({
      ...header,
      formatVersion: 1,
      contractVersion: WIRE_CONTRACT_VERSION,
      compression: 'brotli',
      firstSeq: events[0]!.seq,
      lastSeq: events[events.length - 1]!.seq,
      count: events.length,
    });
    expect(readBatchHeader(bytes)).toEqual(decoded.header);
  });

  it('starts with the magic and the version byte', () => {
    const bytes = encodeBatch(sampleHeader(), telemetryEvents());
    expect([...bytes.subarray(0, 5)]).toEqual([...WIRE_MAGIC, 1]);
  });

  it('gives bytes back as plain Uint8Array, not Buffer', () => {
    const [first] = decodeBatch(encodeBatch(sampleHeader('rejects'), rejectEvents())).events;
    if (first?.kind !== 'reject') throw new Error('expected a reject');
    expect(first.body.raw.constructor).toBe(Uint8Array);
    expect([...first.body.raw]).toEqual([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xff, 0x00, 0x7d]);
  });

  it('is deterministic: same input, same bytes, whatever was encoded before', () => {
    const a = encodeBatch(sampleHeader(), telemetryEvents());
    encodeBatch(sampleHeader('alerts'), alertEvents());
    const b = encodeBatch(sampleHeader(), telemetryEvents());
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });

  it('writes events in canonical field order and drops fields outside the event envelope', () => {
    const [e] = telemetryEvents();
    const shuffled = { body: e!.body, kind: e!.kind, extra: 'not shipped', rt: e!.rt, seq: e!.seq } as unknown as StampedEvent;
    expect(Buffer.from(encodeBatch(sampleHeader(), [shuffled])).equals(Buffer.from(encodeBatch(sampleHeader(), [e!])))).toBe(true);
  });

  it('keeps body key order, undefined values, NaN and unicode', () => {
    const body = { z: 1, a: undefined, n: Number.NaN, s: 'Köln → Łódź 🚚', deep: { list: [1, 'two', null, { x: [true] }] } };
    const events = [{ seq: 0, rt: 1, kind: 'reading', body }] as unknown as StampedEvent[];
    const [out] = decodeBatch(encodeBatch(sampleHeader(), events)).events;
    expect(Object.keys(out!.body)).toEqual(['z', 'a', 'n', 's', 'deep']);
    expect(out!.body).toEqual(body);
  });

  it('round-trips more distinct body shapes than one-byte record ids can hold (ids are reused in-band)', () => {
    const events = Array.from({ length: 150 }, (_, i) => ({
      seq: i + 1,
      rt: i,
      kind: 'reading',
      body: { [`field${i % 90}`]: i, v: 1, [`other${i % 70}`]: `x${i}` },
    })) as unknown as StampedEvent[];
    expect(decodeBatch(encodeBatch(sampleHeader(), events)).events).toEqual(events);
  });

  it('encodes an empty batch with seqs 0..0', () => {
    const decoded = decodeBatch(encodeBatch(sampleHeader('status'), []));
    expect(decoded.events).toEqual([]);
    expect(decoded.header).toMatchObject({ count: 0, firstSeq: 0, lastSeq: 0, lane: 'status' });
  });

  it('carries large seqs and timestamps exactly (up to 2^53 - 1)', () => {
    const events = [
      { seq: 2 ** 40 + 3, rt: 1.5, kind: 'reading', body: { v: 1 } },
      { seq: Number.MAX_SAFE_INTEGER, rt: -2, kind: 'reading', body: { v: 1 } },
    ] as unknown as StampedEvent[];
    const header = { ...sampleHeader(), createdAt: Number.MAX_SAFE_INTEGER };
    const decoded = decodeBatch(encodeBatch(header, events));
    expect(decoded.events).toEqual(events);
    expect(decoded.header).toMatchObject({ firstSeq: 2 ** 40 + 3, lastSeq: Number.MAX_SAFE_INTEGER, createdAt: Number.MAX_SAFE_INTEGER });
  });

  it('decodes a view into a larger buffer (non-zero byteOffset)', () => {
    const bytes = encodeBatch(sampleHeader(), telemetryEvents());
    const pool = new Uint8Array(bytes.length + 100);
    pool.set(bytes, 37);
    expect(decodeBatch(pool.subarray(37, 37 + bytes.length)).events).toEqual(telemetryEvents());
  });

  it('treats a NaN or negative limit as the default, not as no limit', () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1);
    expect(() => decodeBatch(big, { maxMessageBytes: Number.NaN })).toThrow(expect.objectContaining({ code: 'oversized' }));
    expect(() => decodeBatch(big, { maxMessageBytes: -1 })).toThrow(expect.objectContaining({ code: 'oversized' }));
  });

  it('tryDecodeBatch returns a result instead of throwing', () => {
    const ok = tryDecodeBatch(encodeBatch(sampleHeader(), telemetryEvents()));
    expect(ok.ok && ok.value.events.length).toBe(7);
    const bad = tryDecodeBatch(Uint8Array.of(1, 2, 3));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toBeInstanceOf(WireError);
  });
});

describe('encodeBatch refuses what the decoder would refuse', () => {
  const e = telemetryEvents();
  it.each([
    ['empty gatewayId', { ...sampleHeader(), gatewayId: '' }, e],
    ['gatewayId with a space', { ...sampleHeader(), gatewayId: 'gw 1' }, e],
    ['epoch over 128 characters', { ...sampleHeader(), epoch: 'e'.repeat(129) }, e],
    ['non-ASCII epoch', { ...sampleHeader(), epoch: 'époque' }, e],
    ['unknown lane', { ...sampleHeader(), lane: 'bulk' as 'alerts' }, e],
    ['fractional createdAt', { ...sampleHeader(), createdAt: 1.5 }, e],
    ['seqs not increasing', sampleHeader(), [e[1]!, e[0]!]],
    ['repeated seq', sampleHeader(), [e[0]!, e[0]!]],
    ['negative seq', sampleHeader(), [{ ...e[0]!, seq: -1 }]],
    ['seq beyond 2^53', sampleHeader(), [{ ...e[0]!, seq: 2 ** 53 }]],
    ['rt not a number', sampleHeader(), [{ ...e[0]!, rt: '12' as unknown as number }]],
    ['rt infinite', sampleHeader(), [{ ...e[0]!, rt: Number.POSITIVE_INFINITY }]],
    ['unknown kind', sampleHeader(), [{ ...e[0]!, kind: 'blob' as 'reading' }]],
    ['body an array', sampleHeader(), [{ ...e[0]!, body: [] as unknown as never }]],
    ['body holding a Date', sampleHeader(), [{ ...e[0]!, body: { ...e[0]!.body, at: new Date(0) } as never }]],
    ['body holding a bigint', sampleHeader(), [{ ...e[0]!, body: { ...e[0]!.body, big: 1n } as never }]],
    ['body holding a Map', sampleHeader(), [{ ...e[0]!, body: { m: new Map() } as never }]],
    ['body holding a function', sampleHeader(), [{ ...e[0]!, body: { f: () => 1 } as never }]],
    ['body holding a Float32Array', sampleHeader(), [{ ...e[0]!, body: { f: new Float32Array(2) } as never }]],
    ['body nested 40 deep', sampleHeader(), [{ ...e[0]!, body: nest(40) as never }]],
  ] as const)('%s -> types', (_name, header, events) => {
    expect(() => encodeBatch(header, events as StampedEvent[])).toThrow(expect.objectContaining({ code: 'types' }));
  });

  it('does not modify its input', () => {
    const events = rejectEvents().map((x) => (x.kind === 'reject' ? { ...x, body: { ...x.body, raw: Buffer.from(x.body.raw) } } : x));
    encodeBatch(sampleHeader('rejects'), events);
    expect(events[0]!.kind === 'reject' && Buffer.isBuffer(events[0]!.body.raw)).toBe(true);
  });

  it('refuses a batch over 256 KB with oversized', () => {
    const raw = noiseBytes(MAX_MESSAGE_BYTES);
    const events: StampedEvent[] = [{ seq: 1, rt: 1, kind: 'reject', body: { topic: 't', raw, reason: 'too big' } }];
    expect(() => encodeBatch(sampleHeader('rejects'), events)).toThrow(expect.objectContaining({ code: 'oversized' }));
  });
});

describe('batchId and message properties', () => {
  const key = { gatewayId: 'gw-TRK-0042', epoch: '01JNZ8Q3W5M7Y2K4T6V8X0B1C3', lane: 'telemetry', firstSeq: 1, lastSeq: 5210 } as const;

  it('is deterministic, readable, and fits IoT Hub messageId rules', () => {
    const id = batchId(key);
    expect(batchId({ ...key })).toBe(id);
    expect(id).toMatch(/^fsb1-telemetry-1-5210-[0-9a-f]{16}$/);
    const long = batchId({ ...key, gatewayId: 'g'.repeat(128), epoch: 'e'.repeat(128), firstSeq: Number.MAX_SAFE_INTEGER - 1, lastSeq: Number.MAX_SAFE_INTEGER });
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^[A-Za-z0-9\-:.+%_#*?!(),=@;$']+$/);
  });

  it('differs when any key field differs, including ambiguous concatenations', () => {
    const ids = new Set([
      batchId(key),
      batchId({ ...key, gatewayId: 'gw-TRK-0043' }),
      batchId({ ...key, epoch: 'other' }),
      batchId({ ...key, lane: 'alerts' }),
      batchId({ ...key, firstSeq: 2 }),
      batchId({ ...key, lastSeq: 5211 }),
      batchId({ ...key, gatewayId: 'a-b', epoch: 'c' }),
      batchId({ ...key, gatewayId: 'a', epoch: 'b-c' }),
    ]);
    expect(ids.size).toBe(8);
  });

  it('matches the id computed from a decoded header', () => {
    const { header } = decodeBatch(encodeBatch(sampleHeader(), telemetryEvents()));
    expect(batchId(header)).toBe(batchId({ ...sampleHeader(), firstSeq: 1, lastSeq: 10 }));
  });

  it('names lane, format and seq range', () => {
    expect(messageProperties({ lane: 'alerts', firstSeq: 7, lastSeq: 9 })).toEqual({
      lane: 'alerts',
      format: WIRE_FORMAT_ID,
      firstSeq: '7',
      lastSeq: '9',
    });
  });
});

function nest(depth: number): Record<string, unknown> {
  let o: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) o = { o };
  return o;
}
