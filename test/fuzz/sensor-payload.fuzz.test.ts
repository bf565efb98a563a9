/**
 * Fuzzes the sensor payload decoder with random bytes, byte-level mutations of valid JSON and msgpack payloads, and
 * structural mutations of valid items (which msgpack can carry further than JSON: NaN, binary, dates).
 * Properties: decodeSensorPayload never throws; every accepted item is a valid contract of the topic's kind carrying
 * the topic's ids; every reject is typed, and a whole-payload reject is the only entry and never exceeds the limit;
 * a garbage payload never disturbs the decoding of the next good one.
 * FLEETSYNC_FUZZ_ITERATIONS (default 100000) and FLEETSYNC_FUZZ_SEED (default random, printed) replay a run.
 */
import { mulberry32 as prng } from '../support/mulberry32.ts';
import { describe, expect, it } from 'vitest';
import { decodeSensorPayload, type DecodeResult, type RejectCode } from '../../shared/sensor-protocol/decode.ts';
import { encodeSensorPayload, type SensorWireBody } from '../../shared/sensor-protocol/encode.ts';
import { parseSensorTopic, type ParsedTopic } from '../../shared/sensor-protocol/topics.ts';
import { validateContract } from '../../shared/contracts/validate.ts';
import {
  examplePositionV1,
  examplePositionV2,
  exampleReadingV1,
  exampleReadingV2,
} from '../../shared/contracts/examples.ts';

const ITERATIONS = Number(process.env.FLEETSYNC_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FLEETSYNC_FUZZ_SEED ?? (Date.now() ^ (process.pid << 8)) >>> 0);
const MAX_BYTES = 16 * 1024;


type Obj = Record<string, unknown>;
const CODES: ReadonlySet<RejectCode> = new Set<RejectCode>([
  'empty',
  'too-large',
  'bad-json',
  'bad-msgpack',
  'not-object',
  'empty-array',
  'too-many',
  'too-deep',
  'topic-mismatch',
  'invalid',
]);
const WHOLE_ONLY: ReadonlySet<RejectCode> = new Set<RejectCode>([
  'empty',
  'too-large',
  'bad-json',
  'bad-msgpack',
  'empty-array',
  'too-many',
  'too-deep',
]);

const readingTopic = parseSensorTopic('fleet/truck-042/can0/reading')!;
const positionTopic = parseSensorTopic('fleet/truck-042/gps0/position')!;

/** Items as sensors send them for each topic: with or without v (v1), vehicle and sensor. */
function baseItem(rand: () => number, topic: ParsedTopic): Obj {
  const full = (
    topic.kind === 'reading'
      ? rand() < 0.5
        ? exampleReadingV1()
        : exampleReadingV2()
      : rand() < 0.5
        ? examplePositionV1()
        : examplePositionV2()
  ) as unknown as Obj;
  full.sensor = topic.sensor;
  if (full.v === 1 && rand() < 0.5) delete full.v;
  if (rand() < 0.5) delete full.vehicle;
  if (rand() < 0.5) delete full.sensor;
  return full;
}

function fuzzer(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const specials: Array<() => unknown> = [
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => -0,
    () => 1e308,
    () => 2 ** 64,
    () => -1,
    () => '',
    () => 'y'.repeat(int(2000)),
    () => null,
    () => undefined,
    () => true,
    () => [],
    () => ({ nested: { deeper: [1, { x: 'y' }] } }),
    () => new Date(0),
    () => new Uint8Array(int(16)),
    () => 'truck-999',
    () => 'gps0',
    () => 'can0',
    () => 'truck-042',
    () => 1_714_550_400,
    () => pick([1, 2, 3, '1']),
  ];

  function mutateItem(o: Obj): void {
    const keys = Object.keys(o);
    const key = keys.length > 0 && rand() < 0.85 ? pick(keys) : pick(['vehicle', 'sensor', 'v', 'extra']);
    if (rand() < 0.3) delete o[key];
    else o[key] = pick(specials)();
  }

  function deep(levels: number): unknown {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = rand() < 0.5 ? [v] : { d: v };
    return v;
  }

  function mutateBytes(b: Uint8Array): Uint8Array {
    let out = b;
    const splice = (at: number, remove: number, insert: Uint8Array): Uint8Array => {
      const head = out.subarray(0, at);
      const tail = out.subarray(Math.min(out.length, at + remove));
      const next = new Uint8Array(head.length + insert.length + tail.length);
      next.set(head, 0);
      next.set(insert, head.length);
      next.set(tail, head.length + insert.length);
      return next;
    };
    for (let n = 1 + int(4); n > 0; n--) {
      const at = int(out.length + 1);
      switch (int(5)) {
        case 0:
          if (out.length > 0) {
            out = out === b ? b.slice() : out;
            out[Math.min(at, out.length - 1)]! ^= 1 << int(8);
          }
          break;
        case 1:
          out = splice(at, 0, Uint8Array.of(int(256)));
          break;
        case 2:
          out = splice(at, 1 + int(8), new Uint8Array(0));
          break;
        case 3:
          out = out.slice(0, at);
          break;
        default: {
          const from = int(out.length);
          out = splice(at, 0, out.slice(from, from + int(16)));
        }
      }
    }
    return out;
  }

  const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));

  return function next(): { topic: ParsedTopic; bytes: Uint8Array; pristine: boolean } {
    const topic = rand() < 0.6 ? readingTopic : positionTopic;
    const format = rand() < 0.5 ? 'json' : 'msgpack';
    const r = rand();
    if (r < 0.08) return { topic, bytes: randomBytes(int(300)), pristine: false };
    if (r < 0.1) {
      const b = randomBytes(1 + int(200));
      b[0] = pick([0x7b, 0x5b, 0x80 + int(16), 0x90 + int(16), 0xdc, 0xde]);
      return { topic, bytes: b, pristine: false };
    }
    if (r < 0.1005) return { topic, bytes: randomBytes(MAX_BYTES + 1 + int(100)), pristine: false };
    if (r < 0.102) {
      const item = { ...baseItem(rand, topic), d: deep(5 + int(20)) } as unknown as SensorWireBody;
      return { topic, bytes: encodeSensorPayload(item, format), pristine: false };
    }

    if (r < 0.103) return { topic, bytes: encodeSensorPayload([], format), pristine: false };

    // count 0 means a single object rather than an array.
    const count = rand() < 0.4 ? 0 : rand() < 0.995 ? 1 + int(8) : pick([100, 101, 150]);
    const items = Array.from({ length: Math.max(count, 1) }, () => baseItem(rand, topic));
    let pristine = true;
    if (rand() < 0.6) {
      pristine = false;
      for (const item of items) if (rand() < 0.5) for (let m = 1 + int(3); m > 0; m--) mutateItem(item);
    }
    const body = count === 0 ? items[0]! : items.slice(0, count);
    let bytes = encodeSensorPayload(body as SensorWireBody | SensorWireBody[], format);
    if (rand() < 0.35) {
      bytes = mutateBytes(bytes);
      pristine = false;
    }
    if (count > 100 || bytes.length > MAX_BYTES) pristine = false;
    return { topic, bytes, pristine };
  };
}

describe('sensor payload decoder under fuzzing', () => {
  it(
    `survives ${ITERATIONS} random and mutated payloads`,
    () => {
      console.log(`sensor-payload fuzz: seed=${SEED} iterations=${ITERATIONS} (replay: FLEETSYNC_FUZZ_SEED=${SEED})`);
      const rand = prng(SEED);
      const next = fuzzer(rand);
      const failures: string[] = [];
      const fail = (i: number, what: string, bytes: Uint8Array): void => {
        const hex = Buffer.from(bytes.subarray(0, 120)).toString('hex');
        if (failures.length < 10) failures.push(`#${i} ${what}: ${hex}`);
      };
      const canary = encodeSensorPayload({ signal: 'rpm', value: 1, unit: 'rpm', ts: 1_714_550_400_000 }, 'msgpack');
      const stats = { accepted: 0, rejected: 0, wholeRejects: new Map<string, number>() };

      for (let i = 0; i < ITERATIONS; i++) {
        const { topic, bytes, pristine } = next();
        let r: DecodeResult;
        try {
          r = decodeSensorPayload(topic, bytes, { maxBytes: MAX_BYTES });
        } catch (e) {
          fail(i, `threw ${String(e)}`, bytes);
          continue;
        }
        stats.accepted += r.accepted.length;
        stats.rejected += r.rejected.length;
        if (pristine && r.rejected.length > 0) fail(i, `rejected a valid payload: ${r.rejected[0]!.reason}`, bytes);

        for (const a of r.accepted) {
          const body = a.body as { vehicle?: unknown; sensor?: unknown };
          if (a.kind !== topic.kind) fail(i, `accepted a ${a.kind} on a ${topic.kind} topic`, bytes);
          if (body.vehicle !== topic.vehicle || body.sensor !== topic.sensor) fail(i, 'accepted foreign ids', bytes);
          const check = validateContract(a.kind, a.body);
          if (!check.ok) fail(i, `accepted an invalid item: ${check.error.message}`, bytes);
        }

        const whole = r.rejected.filter((x) => x.index === undefined);
        if (whole.length > 0 && (r.rejected.length !== 1 || r.accepted.length !== 0))
          fail(i, 'a whole-payload reject came with other results', bytes);
        const indexes = new Set(r.rejected.map((x) => x.index));
        if (whole.length === 0 && indexes.size !== r.rejected.length) fail(i, 'duplicate reject indexes', bytes);
        if (r.accepted.length + r.rejected.length > 100) fail(i, 'more than 100 results', bytes);
        for (const x of r.rejected) {
          const typed =
            CODES.has(x.code) &&
            typeof x.reason === 'string' &&
            x.reason.length > 0 &&
            x.reason.length < 600 &&
            x.raw instanceof Uint8Array;
          if (!typed) fail(i, `untyped reject ${JSON.stringify(x.reason)}`, bytes);
          if (x.index === undefined) {
            if (x.raw.length > MAX_BYTES) fail(i, 'whole reject raw exceeds the limit', bytes);
            stats.wholeRejects.set(x.code, (stats.wholeRejects.get(x.code) ?? 0) + 1);
          } else if (WHOLE_ONLY.has(x.code)) fail(i, `item reject with whole-payload code ${x.code}`, bytes);
        }

        if (i % 64 === 0 && decodeSensorPayload(readingTopic, canary).accepted.length !== 1)
          fail(i, 'a good payload failed after this one', bytes);
      }

      const wholeRejects = JSON.stringify([...stats.wholeRejects]);
      const items = `items accepted ${stats.accepted}, rejected ${stats.rejected}`;
      console.log(`sensor-payload fuzz: ${items}; whole rejects ${wholeRejects}`);
      expect(failures).toEqual([]);
      expect(stats.accepted).toBeGreaterThan(ITERATIONS * 0.1);
      expect(stats.rejected).toBeGreaterThan(ITERATIONS * 0.1);
    },
    60_000 + ITERATIONS * 0.3,
  );
});
