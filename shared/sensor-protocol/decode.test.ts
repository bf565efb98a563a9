import { describe, expect, it } from 'vitest';
import { decodeSensorPayload, type DecodeResult } from './decode.ts';
import { encodeSensorPayload, type SensorWireBody } from './encode.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_ITEMS_PER_PAYLOAD, MAX_NESTING_DEPTH } from './limits.ts';
import { sensorPackr, sensorUnpackr } from './msgpack.ts';
import { parseSensorTopic, type ParsedTopic } from './topics.ts';
import { EXAMPLE_TIME, examplePositionV2, exampleReadingV1, exampleReadingV2 } from '../contracts/examples.ts';

const readingTopic: ParsedTopic = parseSensorTopic('fleet/truck-042/can0/reading')!;
const positionTopic: ParsedTopic = parseSensorTopic('fleet/truck-042/gps0/position')!;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A v1 reading as old firmware sends it: no v, no vehicle, no sensor. */
const bareV1 = (value: number | boolean | string = 88.5): Record<string, unknown> => ({
  signal: 'coolant.temp',
  value,
  unit: 'C',
  ts: EXAMPLE_TIME,
});

function decodeRaw(raw: Uint8Array, format: 'json' | 'msgpack'): unknown {
  return format === 'json' ? JSON.parse(new TextDecoder().decode(raw)) : sensorUnpackr.unpack(raw);
}

function onlyReject(r: DecodeResult): DecodeResult['rejected'][number] {
  expect(r.accepted).toEqual([]);
  expect(r.rejected).toHaveLength(1);
  return r.rejected[0]!;
}

describe('single objects', () => {
  for (const format of ['json', 'msgpack'] as const) {
    it(`${format}: a v1 reading without v, vehicle or sensor gets them from the topic`, () => {
      const r = decodeSensorPayload(readingTopic, encodeSensorPayload(bareV1() as SensorWireBody, format));
      expect(r.rejected).toEqual([]);
      expect(r.accepted).toEqual([{ kind: 'reading', body: { ...exampleReadingV1() } }]);
    });

    it(`${format}: a v2 reading naming the topic's vehicle and sensor is accepted as sent`, () => {
      const r = decodeSensorPayload(readingTopic, encodeSensorPayload(exampleReadingV2(), format));
      expect(r.accepted).toEqual([{ kind: 'reading', body: exampleReadingV2() }]);
    });

    it(`${format}: a position topic validates positions`, () => {
      const ok = decodeSensorPayload(positionTopic, encodeSensorPayload(examplePositionV2(), format));
      expect(ok.accepted).toEqual([{ kind: 'position', body: examplePositionV2() }]);
      const { vehicle: _v, sensor: _s, ...reading } = exampleReadingV2();
      const bad = onlyReject(decodeSensorPayload(positionTopic, encodeSensorPayload(reading, format)));
      expect(bad.code).toBe('invalid');
      expect(bad.reason).toBe('position /lat: is required');
    });
  }

  it('an invalid single object is rejected with its own bytes, naming the field', () => {
    const bytes = encodeSensorPayload({ ...exampleReadingV2(), sensorTime: 1_714_550_400 }, 'json');
    const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
    expect(rej.code).toBe('invalid');
    expect(rej.reason).toMatch(/^reading \/sensorTime: must be an integer epoch-milliseconds time/);
    expect(rej.raw).toEqual(bytes);
    expect(rej.index).toBeUndefined();
  });

  it('NaN, which only msgpack can carry, is rejected', () => {
    const bytes = encodeSensorPayload(bareV1(Number.NaN) as SensorWireBody, 'msgpack');
    expect(onlyReject(decodeSensorPayload(readingTopic, bytes)).reason).toMatch(/\/value: .* got NaN$/);
  });

  it('accepts JSON after leading whitespace', () => {
    const r = decodeSensorPayload(readingTopic, text(` \r\n\t${JSON.stringify(bareV1())}\n`));
    expect(r.accepted).toHaveLength(1);
  });

  it('reads 64-bit msgpack integers (how many encoders write epoch milliseconds) as numbers', () => {
    const head = sensorPackr.pack({ ...bareV1(), ts: 0 });
    // Re-encode ts as uint64 (0xcf) by hand.
    const bytes = Uint8Array.from([...head.subarray(0, head.length - 1), 0xcf, 0, 0, 0, 0, 0, 0, 0, 0]);
    new DataView(bytes.buffer).setBigUint64(bytes.length - 8, BigInt(EXAMPLE_TIME));
    const r = decodeSensorPayload(readingTopic, bytes);
    expect(r.accepted[0]?.body).toMatchObject({ ts: EXAMPLE_TIME });
  });

  it('keeps unknown fields', () => {
    const r = decodeSensorPayload(readingTopic, text(JSON.stringify({ ...bareV1(), fw: { build: 7 } })));
    expect(r.accepted[0]?.body).toMatchObject({ fw: { build: 7 } });
  });

  it('a __proto__ key stays data', () => {
    const json = `{"__proto__":{"polluted":true},${JSON.stringify(bareV1()).slice(1)}`;
    const r = decodeSensorPayload(readingTopic, text(json));
    expect(r.accepted).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('topic ids in the payload', () => {
  for (const format of ['json', 'msgpack'] as const) {
    it(`${format}: a different vehicle is rejected`, () => {
      const bytes = encodeSensorPayload({ ...exampleReadingV2(), vehicle: 'truck-999' }, format);
      const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
      expect(rej.code).toBe('topic-mismatch');
      expect(rej.reason).toBe('/vehicle: "truck-999" does not match the topic\'s vehicle "truck-042"');
      expect(rej.raw).toEqual(bytes);
    });
  }

  it('a different sensor, or a vehicle of the wrong type, is rejected', () => {
    const otherSensor = encodeSensorPayload({ ...exampleReadingV2(), sensor: 'can1' }, 'json');
    expect(onlyReject(decodeSensorPayload(readingTopic, otherSensor)).code).toBe('topic-mismatch');
    const wrongType = text(JSON.stringify({ ...bareV1(), vehicle: 42 }));
    expect(onlyReject(decodeSensorPayload(readingTopic, wrongType)).reason).toMatch(/^\/vehicle: 42 does not match/);
  });
});

describe('arrays', () => {
  for (const format of ['json', 'msgpack'] as const) {
    it(`${format}: accepts good items and rejects each bad one with its index and its own raw`, () => {
      const items = [
        bareV1(1),
        { ...bareV1(2), value: { nested: true } },
        exampleReadingV2(),
        { ...bareV1(3), vehicle: 'other' },
        'not an object',
        bareV1(true),
      ];
      const r = decodeSensorPayload(readingTopic, encodeSensorPayload(items as SensorWireBody[], format));
      expect(r.accepted.map((a) => (a.kind === 'reading' ? a.body.value : null))).toEqual([1, 88.5, true]);
      expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
        [1, 'invalid'],
        [3, 'topic-mismatch'],
        [4, 'not-object'],
      ]);
      expect(r.rejected[0]!.reason).toMatch(/^item 1: reading \/value: must be/);
      // The raw is the item as the sensor sent it, in the payload's format: no ids filled in.
      expect(decodeRaw(r.rejected[0]!.raw, format)).toEqual(items[1]);
      expect(decodeRaw(r.rejected[1]!.raw, format)).toEqual(items[3]);
      expect(decodeRaw(r.rejected[2]!.raw, format)).toEqual('not an object');
      expect(r.rejected[0]!.raw[0]).toBe(format === 'json' ? 0x7b : 0x84);
    });
  }

  it(`accepts ${MAX_ITEMS_PER_PAYLOAD} items and refuses ${MAX_ITEMS_PER_PAYLOAD + 1} as a whole`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => bareV1(i) as SensorWireBody);
    expect(decodeSensorPayload(readingTopic, encodeSensorPayload(many(100), 'msgpack')).accepted).toHaveLength(100);
    const bytes = encodeSensorPayload(many(101), 'json');
    const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
    expect(rej.code).toBe('too-many');
    expect(rej.reason).toBe('array too long: 101 items > 100');
    expect(rej.raw).toEqual(bytes);
  });

  it('an array of one is fine, an empty array is rejected', () => {
    const one = encodeSensorPayload([bareV1() as SensorWireBody], 'json');
    expect(decodeSensorPayload(readingTopic, one).accepted).toHaveLength(1);
    expect(onlyReject(decodeSensorPayload(readingTopic, text('[]'))).code).toBe('empty-array');
    expect(onlyReject(decodeSensorPayload(readingTopic, Uint8Array.from([0x90]))).code).toBe('empty-array');
  });
});

describe('whole-payload failures', () => {
  const cases: Array<[string, Uint8Array, string, RegExp]> = [
    ['empty', new Uint8Array(0), 'empty', /^empty payload$/],
    ['whitespace only', text(' \n\t '), 'empty', /whitespace/],
    ['truncated JSON', text('{"signal":'), 'bad-json', /^invalid JSON: /],
    ['JSON with trailing garbage', text('{"a":1} x'), 'bad-json', /^invalid JSON: /],
    ['invalid UTF-8 in JSON', Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'bad-json', /UTF-8/],
    ['truncated msgpack', Uint8Array.from([0x82, 0xa1, 0x61]), 'bad-msgpack', /^invalid msgpack: /],
    ['msgpack with trailing bytes', Uint8Array.from([0x80, 0x01]), 'bad-msgpack', /^invalid msgpack: /],
    ['plain text', text('hello'), 'bad-msgpack', /^invalid msgpack: /],
    ['a msgpack number', Uint8Array.from([0x05]), 'not-object', /got 5$/],
    ['a msgpack string', Uint8Array.from([0xa2, 0x68, 0x69]), 'not-object', /got "hi"$/],
    ['msgpack nil', Uint8Array.from([0xc0]), 'not-object', /got null$/],
    ['msgpack binary', Uint8Array.from([0xc4, 0x02, 0x01, 0x02]), 'not-object', /got binary data$/],
    ['a msgpack timestamp', Uint8Array.from([0xd6, 0xff, 0, 0, 0, 1]), 'not-object', /got a date$/],
    ['the reserved msgpack byte', Uint8Array.from([0xc1]), 'bad-msgpack', /unsupported type/],
  ];
  for (const [label, bytes, code, reason] of cases) {
    it(`${label} -> ${code}`, () => {
      const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
      expect(rej.code).toBe(code);
      expect(rej.reason).toMatch(reason);
      expect(rej.raw).toEqual(bytes);
    });
  }

  it(`oversized payloads are rejected with raw truncated to the limit (default ${DEFAULT_MAX_PAYLOAD_BYTES})`, () => {
    const bytes = text(JSON.stringify({ ...bareV1(), pad: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) }));
    const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
    expect(rej.code).toBe('too-large');
    expect(rej.reason).toBe(`payload too large: ${bytes.length} bytes > ${DEFAULT_MAX_PAYLOAD_BYTES}`);
    expect(rej.raw).toEqual(bytes.subarray(0, DEFAULT_MAX_PAYLOAD_BYTES));
  });

  it('honours maxBytes, and ignores a nonsensical one', () => {
    const bytes = text(JSON.stringify({ ...bareV1(), pad: 'x'.repeat(100_000) }));
    expect(decodeSensorPayload(readingTopic, bytes, { maxBytes: 200_000 }).accepted).toHaveLength(1);
    const small = encodeSensorPayload(bareV1() as SensorWireBody, 'json');
    expect(onlyReject(decodeSensorPayload(readingTopic, small, { maxBytes: 10 })).code).toBe('too-large');
    expect(decodeSensorPayload(readingTopic, small, { maxBytes: Number.NaN }).accepted).toHaveLength(1);
    expect(decodeSensorPayload(readingTopic, small, { maxBytes: -1 }).accepted).toHaveLength(1);
  });

  it(`items nested deeper than ${MAX_NESTING_DEPTH} levels are refused as a whole`, () => {
    const nest = (levels: number): unknown => (levels <= 0 ? 1 : { x: nest(levels - 1) });
    // The item is level 1; its `deep` field adds one.
    const ok = { ...bareV1(), deep: nest(MAX_NESTING_DEPTH - 1) };
    const tooDeep = { ...bareV1(), deep: nest(MAX_NESTING_DEPTH) };
    expect(decodeSensorPayload(readingTopic, text(JSON.stringify(ok))).accepted).toHaveLength(1);
    expect(onlyReject(decodeSensorPayload(readingTopic, text(JSON.stringify(tooDeep)))).code).toBe('too-deep');
    expect(onlyReject(decodeSensorPayload(readingTopic, text(JSON.stringify([ok, tooDeep])))).code).toBe('too-deep');
  });

  it('pathological nesting that would overflow encoders is refused, not thrown', () => {
    const json = text(`[${'['.repeat(30_000)}${']'.repeat(30_000)}]`);
    expect(onlyReject(decodeSensorPayload(readingTopic, json)).code).toBe('too-deep');
    const deepObj = text(`{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`);
    expect(onlyReject(decodeSensorPayload(readingTopic, deepObj)).code).toBe('too-deep');
    const msgpack = new Uint8Array(60_000).fill(0x91);
    msgpack[msgpack.length - 1] = 0x01;
    expect(onlyReject(decodeSensorPayload(readingTopic, msgpack)).code).toMatch(/^(bad-msgpack|too-deep)$/);
  });
});

describe('hygiene', () => {
  it('reject raws are copies: later changes to the input do not reach them', () => {
    const bytes = text('{"broken":');
    const rej = onlyReject(decodeSensorPayload(readingTopic, bytes));
    bytes.fill(0);
    expect(new TextDecoder().decode(rej.raw)).toBe('{"broken":');
  });

  it('leaves the input bytes untouched (no properties added)', () => {
    const bytes = encodeSensorPayload(bareV1() as SensorWireBody, 'msgpack');
    const before = Object.getOwnPropertyNames(bytes);
    decodeSensorPayload(readingTopic, bytes);
    expect(Object.getOwnPropertyNames(bytes)).toEqual(before);
  });

  it('decodes a payload that is a view into a larger buffer', () => {
    const inner = encodeSensorPayload(bareV1() as SensorWireBody, 'msgpack');
    const big = new Uint8Array(inner.length + 20);
    big.set(inner, 10);
    expect(decodeSensorPayload(readingTopic, big.subarray(10, 10 + inner.length)).accepted).toHaveLength(1);
  });

  it('a garbage msgpack payload does not disturb the next one', () => {
    decodeSensorPayload(readingTopic, Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]));
    decodeSensorPayload(readingTopic, Uint8Array.from([0xd4, 0x72, 0x40, 0x92, 0xa1, 0x78, 0xa1, 0x79]));
    const good = encodeSensorPayload(bareV1() as SensorWireBody, 'msgpack');
    expect(decodeSensorPayload(readingTopic, good).accepted).toHaveLength(1);
  });

  it('untyped callers passing nonsense get a reject, not an exception', () => {
    const bytes = encodeSensorPayload(bareV1() as SensorWireBody, 'json');
    const bogusTopic = { vehicle: 'truck-042', sensor: 'can0', kind: 'alert' } as unknown as ParsedTopic;
    expect(onlyReject(decodeSensorPayload(bogusTopic, bytes)).code).toBe('invalid');
    expect(onlyReject(decodeSensorPayload(null as unknown as ParsedTopic, bytes)).code).toBe('invalid');
    expect(onlyReject(decodeSensorPayload(readingTopic, 'text' as unknown as Uint8Array)).code).toBe('invalid');
  });
});

describe('encodeSensorPayload', () => {
  it('writes compact JSON and plain msgpack maps', () => {
    const json = encodeSensorPayload(bareV1() as SensorWireBody, 'json');
    expect(new TextDecoder().decode(json)).toBe(JSON.stringify(bareV1()));
    const mp = encodeSensorPayload(bareV1() as SensorWireBody, 'msgpack');
    expect(mp[0]).toBe(0x84); // fixmap of 4 entries, no msgpackr record extension
    expect(sensorUnpackr.unpack(mp)).toEqual(bareV1());
    expect(encodeSensorPayload([bareV1() as SensorWireBody], 'msgpack')[0]).toBe(0x91);
  });
});
