/**
 * Shape checks on the events of a batch: the envelope fields each event must have, and that bodies hold only plain
 * data. Contract validation of bodies is the cloud's job; this only guarantees the decoder never hands out exotic
 * values (Map, Date, bigint, ...) and that the encoder never writes a batch the decoder would refuse.
 */
import type { EventKind, StampedEvent } from '../contracts/types.ts';
import { MAX_BODY_DEPTH } from './constants.ts';
import { WireError } from './errors.ts';
import { isSeq } from './envelope.ts';

const KINDS: ReadonlySet<string> = new Set<EventKind>(['reading', 'position', 'alert', 'status', 'reject', 'rollup']);
const EVENT_KEYS = 4;

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Walks a body and returns where and why it is not plain data, or undefined when it is. The path is built only on
 * failure: this runs for every event. With `fix`, Buffers (what msgpackr decodes bin to) become plain Uint8Array
 * views so callers see one type; the encoder never modifies its input.
 */
function flaw(v: unknown, depth: number, fix: boolean): string | undefined {
  if (v === null) return undefined;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined') return undefined;
  if (t !== 'object') return ` is a ${t}`;
  if (depth > MAX_BODY_DEPTH) return ` nests deeper than ${MAX_BODY_DEPTH}`;
  const o = v as Record<string | number, unknown>;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      if (fix && Buffer.isBuffer(o[i])) o[i] = asUint8Array(o[i] as Buffer);
      const f = flaw(o[i], depth + 1, fix);
      if (f !== undefined) return `[${i}]${f}`;
    }
    return undefined;
  }
  if (o instanceof Uint8Array) return o.constructor === Uint8Array || Buffer.isBuffer(o) ? undefined : ` is a ${o.constructor.name}`;
  if (!isPlainObject(o)) return ` is a ${(o.constructor as { name?: string } | undefined)?.name ?? 'non-plain object'}`;
  for (const key in o) {
    if (key === '__proto__') return ' has a __proto__ key';
    if (fix && Buffer.isBuffer(o[key])) o[key] = asUint8Array(o[key] as Buffer);
    const f = flaw(o[key], depth + 1, fix);
    if (f !== undefined) return `.${key}${f}`;
  }
  return undefined;
}

const asUint8Array = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Checks one event: a plain object with exactly seq, rt, kind and body; seq a non-negative safe integer above
 * `previousSeq`; rt a finite number; kind one of the six; body a plain object of plain data. Returns its seq.
 * Throws WireError('types') naming the event index. `fix` is for the decoder (see flaw).
 */
export function checkEvent(e: unknown, i: number, previousSeq: number, fix = false): number {
  if (typeof e !== 'object' || e === null || Array.isArray(e) || !isPlainObject(e)) throw new WireError('types', `event ${i} is not an object`);
  const { seq, rt, kind, body } = e as Record<string, unknown>;
  if (Object.keys(e).length !== EVENT_KEYS || body === undefined)
    throw new WireError('types', `event ${i} must have exactly seq, rt, kind and body`);
  if (!isSeq(seq)) throw new WireError('types', `event ${i}: seq must be a non-negative safe integer`);
  if (seq <= previousSeq) throw new WireError('types', `event ${i}: seq ${seq} does not increase (previous ${previousSeq})`);
  if (typeof rt !== 'number' || !Number.isFinite(rt)) throw new WireError('types', `event ${i} (seq ${seq}): rt must be a finite number`);
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new WireError('types', `event ${i} (seq ${seq}): unknown kind ${JSON.stringify(kind)}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Uint8Array || !isPlainObject(body))
    throw new WireError('types', `event ${i} (seq ${seq}): body must be a plain object`);
  const f = flaw(body, 1, fix);
  if (f !== undefined) throw new WireError('types', `event ${i} (seq ${seq}): body${f}`);
  return seq;
}

/** checkEvent over a whole array, in order. */
export function checkEvents(events: readonly unknown[], fix = false): asserts events is StampedEvent[] {
  let previous = -1;
  for (let i = 0; i < events.length; i++) previous = checkEvent(events[i], i, previous, fix);
}
