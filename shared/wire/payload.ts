/**
 * The uncompressed payload: one MessagePack array of events, objects written as msgpackr records whose structure
 * definitions travel inside the message (no shared structures), so each batch decodes alone and the same events
 * always give the same bytes.
 */
import { Packr, Unpackr } from 'msgpackr';
import type { StampedEvent } from '../contracts/types.ts';
import { WireError } from './errors.ts';

// No shared `structures`: ids restart at 0x40 for every pack() call, which is what makes messages self-contained.
const packr = new Packr({ useRecords: true, moreTypes: false, structuredClone: false });
// Maps from other producers become objects; uint64/int64 within 2^53 become numbers (beyond stays bigint and is refused
// by the shape check); structured-clone references are refused; bin values are copied out of the scratch buffer.
// ('auto' is implemented by msgpackr 2.x but missing from its typings.)
const unpackr = new Unpackr({
  useRecords: true,
  mapsAsObjects: true,
  structuredClone: false,
  int64AsType: 'auto' as 'number',
  copyBuffers: true,
});

/** Events in canonical form: exactly seq, rt, kind, body, in that order. */
export const canonical = (e: StampedEvent): StampedEvent => ({ seq: e.seq, rt: e.rt, kind: e.kind, body: e.body }) as StampedEvent;

export function pack(events: readonly StampedEvent[]): Uint8Array {
  try {
    return packr.pack(events);
  } catch (error) {
    throw new WireError('types', `events cannot be serialized: ${(error as Error).message}`, { cause: error });
  }
}

export function unpack(raw: Uint8Array): unknown {
  try {
    return unpackr.unpack(raw);
  } catch (error) {
    // Includes RangeError from a stack overflow on deeply nested input.
    throw new WireError('corrupt', `payload is not valid MessagePack: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
