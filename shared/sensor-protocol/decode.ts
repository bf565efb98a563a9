/**
 * Sensor payload -> validated contract items. Pure and total: every input yields accepted items and/or rejects,
 * never an exception.
 *
 * Format: JSON when the first non-whitespace byte is '{' or '[', msgpack otherwise (in msgpack those two bytes are
 * bare integers, never a valid payload, so the sniff is unambiguous). A payload is one object or an array of 1..100.
 *
 * Rejects: a payload that fails as a whole (empty, too large, not JSON/msgpack, not an object or array, array empty
 * or too long, nested too deeply) is rejected once with its raw bytes (an oversized one truncated to the size limit,
 * so nothing larger than the limit ever reaches the journal). A single-object payload that fails validation is
 * rejected with its raw bytes. In an array, good items are accepted and each bad item is rejected on its own, its raw
 * being that item re-encoded in the payload's own format (JSON or msgpack), with its index.
 */
import { showValue, validatePosition, validateReading, type ContractError } from '../contracts/validate.ts';
import type { PositionV1, PositionV2, ReadingV1, ReadingV2 } from '../contracts/types.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_ITEMS_PER_PAYLOAD, MAX_NESTING_DEPTH } from './limits.ts';
import { sensorPackr, sensorUnpackr } from './msgpack.ts';
import type { ParsedTopic } from './topics.ts';

export type PayloadFormat = 'json' | 'msgpack';

export type SensorItem =
  | { kind: 'reading'; body: ReadingV1 | ReadingV2 }
  | { kind: 'position'; body: PositionV1 | PositionV2 };

/** Stable reject categories, for counters; `reason` has the detail. */
export type RejectCode =
  | 'empty'
  | 'too-large'
  | 'bad-json'
  | 'bad-msgpack'
  | 'not-object'
  | 'empty-array'
  | 'too-many'
  | 'too-deep'
  | 'topic-mismatch'
  | 'invalid';

export interface PayloadReject {
  code: RejectCode;
  reason: string;
  raw: Uint8Array;
  /** Position in an array payload; absent when the whole payload is rejected. */
  index?: number;
}

export interface DecodeResult {
  accepted: SensorItem[];
  rejected: PayloadReject[];
}

export interface DecodeOptions {
  /** Largest payload accepted, in bytes (default 64 KiB). */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'unknown error';
  }
}

/** Only plain objects are contract items; msgpack extensions can yield Dates, Sets, buffers and internal types. */
function isRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A plain object of plain values (what nearly every sensor sends): nesting depth 1, known without allocating. */
function isFlatRecord(o: unknown): boolean {
  if (!isRecord(o)) return false;
  for (const key in o) {
    const v = o[key];
    if (typeof v === 'object' && v !== null) return false;
  }
  return true;
}

/** Whether any container in `root` sits deeper than `max`, counting `root` as level 1. Iterative. */
function deeperThan(root: unknown, max: number): boolean {
  if (max >= 1 && isFlatRecord(root)) return false;
  const stack: Array<[unknown, number]> = [[root, 1]];
  const push = (child: unknown, depth: number): void => {
    if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child) && !(child instanceof Date))
      stack.push([child, depth]);
  };
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    if (Array.isArray(node)) for (const child of node) push(child, depth + 1);
    else if (node instanceof Map)
      for (const [k, v] of node) {
        push(k, depth + 1);
        push(v, depth + 1);
      }
    else if (node instanceof Set) for (const child of node) push(child, depth + 1);
    else for (const key of Object.keys(node as object)) push((node as Record<string, unknown>)[key], depth + 1);
  }
  return false;
}

function reencode(item: unknown, format: PayloadFormat, fallback: Uint8Array): Uint8Array {
  try {
    return format === 'json' ? utf8Encoder.encode(JSON.stringify(item) ?? 'null') : sensorPackr.pack(item);
  } catch {
    return fallback;
  }
}

type ItemOutcome = { ok: true; item: SensorItem } | { ok: false; code: RejectCode; reason: string };

function mismatch(field: 'vehicle' | 'sensor', got: unknown, expected: string): ItemOutcome {
  return {
    ok: false,
    code: 'topic-mismatch',
    reason: `/${field}: ${showValue(got)} does not match the topic's ${field} ${JSON.stringify(expected)}`,
  };
}

/**
 * `item` was produced by our own decoder, so filling in the topic's ids in place touches nothing of the caller's.
 * On a reject the filled-in ids are removed again, so the reject's raw shows what the sensor sent.
 */
function takeItem(topic: ParsedTopic, item: unknown): ItemOutcome {
  if (!isRecord(item)) return { ok: false, code: 'not-object', reason: `expected an object, got ${showValue(item)}` };
  const { vehicle, sensor } = item;
  if (vehicle !== undefined && vehicle !== topic.vehicle) return mismatch('vehicle', vehicle, topic.vehicle);
  if (sensor !== undefined && sensor !== topic.sensor) return mismatch('sensor', sensor, topic.sensor);
  if (vehicle === undefined) item.vehicle = topic.vehicle;
  if (sensor === undefined) item.sensor = topic.sensor;
  let error: ContractError;
  if (topic.kind === 'reading') {
    const r = validateReading(item);
    if (r.ok) return { ok: true, item: { kind: 'reading', body: r.value } };
    error = r.error;
  } else {
    const r = validatePosition(item);
    if (r.ok) return { ok: true, item: { kind: 'position', body: r.value } };
    error = r.error;
  }
  if (vehicle === undefined) delete item.vehicle;
  if (sensor === undefined) delete item.sensor;
  return { ok: false, code: 'invalid', reason: error.message };
}

type Parsed = { ok: true; value: unknown; format: PayloadFormat } | { ok: false; code: RejectCode; reason: string };

/** Objects no sensor means to send: msgpackr's stand-ins for reserved bytes, Sets, Maps, Errors, RegExps. */
const isExotic = (x: unknown): boolean =>
  typeof x === 'object' &&
  x !== null &&
  !Array.isArray(x) &&
  !isRecord(x) &&
  !ArrayBuffer.isView(x) &&
  !(x instanceof Date);

function parse(bytes: Uint8Array, start: number): Parsed {
  const first = bytes[start];
  if (first === 0x7b || first === 0x5b) {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, code: 'bad-json', reason: 'invalid JSON: not valid UTF-8' };
    }
    try {
      return { ok: true, value: JSON.parse(text) as unknown, format: 'json' };
    } catch (e) {
      return { ok: false, code: 'bad-json', reason: `invalid JSON: ${describeThrown(e)}` };
    }
  }
  try {
    // A fresh view: msgpackr caches a DataView on the array it is given, which would mutate the caller's.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const value: unknown = sensorUnpackr.unpack(view);
    if (isExotic(value))
      return { ok: false, code: 'bad-msgpack', reason: 'invalid msgpack: unsupported type at the top level' };
    return { ok: true, value, format: 'msgpack' };
  } catch (e) {
    return { ok: false, code: 'bad-msgpack', reason: `invalid msgpack: ${describeThrown(e)}` };
  }
}

function validMax(n: number | undefined): number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_PAYLOAD_BYTES;
}

export function decodeSensorPayload(topic: ParsedTopic, bytes: Uint8Array, opts?: DecodeOptions): DecodeResult {
  const accepted: SensorItem[] = [];
  const rejected: PayloadReject[] = [];
  // Rejects keep a copy: the broker may reuse the packet's memory, and the journal writes later.
  const whole = (code: RejectCode, reason: string, limit?: number): DecodeResult => {
    rejected.push({ code, reason, raw: safeCopy(bytes, limit) });
    return { accepted, rejected };
  };
  try {
    if (!(bytes instanceof Uint8Array)) return whole('invalid', `expected bytes, got ${showValue(bytes)}`);
    // Typed callers always pass a parseSensorTopic result; untyped ones get a reject rather than a guess.
    const kindOk = topic?.kind === 'reading' || topic?.kind === 'position';
    if (!kindOk || typeof topic.vehicle !== 'string' || typeof topic.sensor !== 'string')
      return whole('invalid', 'not a parsed sensor topic');
    const max = validMax(opts?.maxBytes);
    if (bytes.length > max) return whole('too-large', `payload too large: ${bytes.length} bytes > ${max}`, max);
    let start = 0;
    while (start < bytes.length && isWhitespace(bytes[start]!)) start++;
    if (start === bytes.length)
      return whole('empty', bytes.length === 0 ? 'empty payload' : 'payload is only whitespace');

    const parsed = parse(bytes, start);
    if (!parsed.ok) return whole(parsed.code, parsed.reason);
    const { value, format } = parsed;

    if (Array.isArray(value)) {
      if (value.length === 0) return whole('empty-array', 'empty array');
      if (value.length > MAX_ITEMS_PER_PAYLOAD)
        return whole('too-many', `array too long: ${value.length} items > ${MAX_ITEMS_PER_PAYLOAD}`);
      if (value.some((item) => deeperThan(item, MAX_NESTING_DEPTH)))
        return whole('too-deep', `an item is nested deeper than ${MAX_NESTING_DEPTH} levels`);
      value.forEach((item: unknown, index) => {
        const out = takeItem(topic, item);
        if (out.ok) accepted.push(out.item);
        else
          rejected.push({
            code: out.code,
            reason: `item ${index}: ${out.reason}`,
            raw: reencode(item, format, bytes),
            index,
          });
      });
      return { accepted, rejected };
    }

    if (!isRecord(value))
      return whole('not-object', `expected an object or an array of objects, got ${showValue(value)}`);
    if (deeperThan(value, MAX_NESTING_DEPTH))
      return whole('too-deep', `payload is nested deeper than ${MAX_NESTING_DEPTH} levels`);
    const out = takeItem(topic, value);
    if (out.ok) accepted.push(out.item);
    else return whole(out.code, out.reason);
    return { accepted, rejected };
  } catch (e) {
    // Defensive: nothing above is expected to throw.
    const reason = `payload could not be processed: ${describeThrown(e)}`;
    return { accepted: [], rejected: [{ code: 'invalid', reason, raw: safeCopy(bytes) }] };
  }
}

function safeCopy(bytes: unknown, limit?: number): Uint8Array {
  if (!(bytes instanceof Uint8Array)) return new Uint8Array(0);
  return Uint8Array.prototype.slice.call(bytes, 0, limit ?? bytes.length);
}
