/**
 * fitBatch: the longest prefix of events whose message fits in maxBytes. Compressed size is nearly linear in the
 * number of events, so it probes a sampled estimate, then interpolates between the largest prefix known to fit and
 * the smallest known not to (bisecting when interpolation stalls): a handful of encodes, not one per event.
 */
import type { StampedEvent } from '../contracts/types.ts';
import { DEFAULT_MAX_EVENTS, MAX_MESSAGE_BYTES } from './constants.ts';
import { encodeUnbounded } from './encode.ts';
import { checkEvent } from './event-shape.ts';
import { canonical } from './payload.ts';
import { envelopeBytes } from './envelope.ts';
import { WireError } from './errors.ts';
import type { BatchHeaderInput } from './types.ts';

export interface FittedBatch {
  bytes: Uint8Array;
  /** How many events from the front of the input the message holds. */
  taken: number;
}

const SAMPLE_EVENTS = 256;

/**
 * Encodes the longest prefix of `events` that fits in `maxBytes` (capped at MAX_MESSAGE_BYTES): a prefix that fits
 * and one more event would not. An empty input gives an empty batch. Throws WireError('oversized') when even the
 * first event alone does not fit (the caller must deal with that event), 'types' for malformed input.
 */
export function fitBatch(header: BatchHeaderInput, events: readonly StampedEvent[], maxBytes: number = MAX_MESSAGE_BYTES): FittedBatch {
  const limit = Math.min(maxBytes, MAX_MESSAGE_BYTES);
  let n = Math.min(events.length, DEFAULT_MAX_EVENTS);
  // Events are checked once, lazily, as probes first reach them. A malformed event is a barrier: the batch stops
  // before it (so the good events ahead of it still go out), and it is reported once it comes first. The result
  // does not depend on where probes land: the answer never lies past the barrier either way.
  const normal: StampedEvent[] = [];
  let previousSeq = -1;
  const prepare = (k: number): number => {
    while (normal.length < Math.min(k, n)) {
      const e = canonical(events[normal.length]!);
      try {
        previousSeq = checkEvent(e, normal.length, previousSeq);
      } catch (error) {
        if (normal.length === 0) throw error;
        n = normal.length;
        break;
      }
      normal.push(e);
    }
    return Math.min(k, n);
  };
  // Size of a prefix, and its bytes when they fit; past the decompressed-size or event-count bound, it does not fit.
  const measure = (k: number): { bytes: Uint8Array | undefined; size: number } => {
    try {
      const { bytes } = encodeUnbounded(header, normal.slice(0, k));
      return { bytes: bytes.length <= limit ? bytes : undefined, size: bytes.length };
    } catch (error) {
      if (error instanceof WireError && error.code === 'oversized') return { bytes: undefined, size: Number.POSITIVE_INFINITY };
      throw error;
    }
  };

  if (n === 0) {
    const { bytes } = measure(prepare(0));
    if (!bytes) throw new WireError('oversized', `even an empty batch exceeds ${limit} bytes`);
    return { bytes, taken: 0 };
  }

  const overhead = envelopeBytes(header.gatewayId, header.epoch) + 8; // + array header and compressor framing
  const sizeOf = new Map<number, number>();
  let lo = 0; // largest count known to fit
  let loBytes: Uint8Array | undefined;
  let hi = n + 1; // smallest count known not to fit
  /** Probes a prefix length and returns whether it fit; a barrier found on the way lowers n and hi. */
  const tryCount = (want: number): boolean => {
    const k = prepare(want);
    hi = Math.min(hi, n + 1);
    if (k <= lo) return true;
    const { bytes, size } = measure(k);
    sizeOf.set(k, size);
    if (bytes) {
      lo = k;
      loBytes = bytes;
      return true;
    }
    hi = k;
    return false;
  };
  // Probe outcomes so far: which side the last probe landed on and how many in a row landed there.
  let lastFit: boolean | undefined;
  let streak = 0;
  const probe = (k: number): void => {
    const fit = tryCount(k);
    streak = fit === lastFit ? streak + 1 : 1;
    lastFit = fit;
  };
  // First guess from a sample's bytes per event, aiming a little under the limit.
  const sample = Math.min(n, SAMPLE_EVENTS);
  probe(sample);
  if (lastFit && sample < n) {
    const perEvent = Math.max(1e-3, (sizeOf.get(sample)! - overhead) / sample);
    probe(clamp(Math.floor(((limit - overhead) / perEvent) * 0.97), lo + 1, n));
  }
  // Then home in: estimate the crossing, interpolating between the bracket's sizes (or extrapolating from lo's bytes
  // per event while no upper size is known). While probes keep landing on the same side, overshoot the estimate by
  // a growing step so the bracket closes; bisect when probes twice fail to halve a bounded bracket.
  let slow = 0;
  while (hi - lo > 1) {
    const sLo = lo === 0 ? overhead : sizeOf.get(lo)!;
    const sHi = sizeOf.get(hi);
    let next: number;
    if (slow >= 2) {
      next = lo + ((hi - lo) >> 1);
      slow = 0;
    } else {
      if (sHi !== undefined && Number.isFinite(sHi) && sHi > sLo) next = lo + Math.floor(((limit - sLo) / (sHi - sLo)) * (hi - lo));
      else next = Math.floor((limit - overhead) / Math.max(1e-3, (sLo - overhead) / Math.max(lo, 1)));
      if (streak >= 2) next += (lastFit ? 1 : -1) * 2 ** (streak - 2);
    }
    next = clamp(next, lo + 1, hi - 1);
    const before = hi - lo;
    probe(next);
    // Only a known upper bound can be bisected toward.
    slow = hi <= n && hi - lo > before / 2 ? slow + 1 : 0;
  }
  if (lo === 0 || !loBytes) {
    const alone = sizeOf.get(1);
    throw new WireError(
      'oversized',
      `event seq ${events[0]!.seq} alone encodes to ${alone !== undefined && Number.isFinite(alone) ? `${alone} bytes` : 'more than the limits allow'}, over ${limit}`,
    );
  }
  return { bytes: loBytes, taken: lo };
}

const clamp = (x: number, min: number, max: number): number => Math.max(min, Math.min(max, x));
