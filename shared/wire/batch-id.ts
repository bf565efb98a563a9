/** The IoT Hub messageId of a batch and the application properties the gateway sets on it. */
import { createHash } from 'node:crypto';
import { WIRE_FORMAT_ID, WIRE_PROPERTY_NAMES } from './constants.ts';
import type { BatchHeader } from './types.ts';

export type BatchKey = Pick<BatchHeader, 'gatewayId' | 'epoch' | 'lane' | 'firstSeq' | 'lastSeq'>;

/**
 * Deterministic id of a batch: the same events re-sent after a reconnect or restart get the same id. Lane and seqs
 * stay readable; gateway and epoch enter through a 64-bit hash, which keeps the id within IoT Hub's 128-character,
 * restricted-charset messageId whatever their length and content. Example: `fsb1-telemetry-1-5210-558878a5752f59fe`.
 */
export function batchId(header: BatchKey): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([header.gatewayId, header.epoch, header.lane, header.firstSeq, header.lastSeq]))
    .digest('hex')
    .slice(0, 16);
  return `fsb1-${header.lane}-${header.firstSeq}-${header.lastSeq}-${digest}`;
}

/** Application properties for the IoT Hub message carrying this batch, keyed by WIRE_PROPERTY_NAMES. */
export function messageProperties(header: Pick<BatchHeader, 'lane' | 'firstSeq' | 'lastSeq'>): Record<string, string> {
  return {
    [WIRE_PROPERTY_NAMES.lane]: header.lane,
    [WIRE_PROPERTY_NAMES.format]: WIRE_FORMAT_ID,
    [WIRE_PROPERTY_NAMES.firstSeq]: String(header.firstSeq),
    [WIRE_PROPERTY_NAMES.lastSeq]: String(header.lastSeq),
  };
}
