/**
 * What Bronze records beside the raw bytes of a hub message: identity, lane and sequence range from the batch
 * envelope (read without decompressing), or the envelope's error when it does not parse. Pure.
 */
import { createHash } from 'node:crypto';
import type { Lane } from '../../../shared/contracts/types.ts';
import { batchId, readBatchHeader, WireError } from '../../../shared/wire/index.ts';
import type { HubTelemetry } from '../../hub/ingest-sink.ts';

export interface BronzeMeta {
  deviceId: string;
  messageId: string | null;
  batchId: string | null;
  gatewayId: string | null;
  epoch: string | null;
  lane: Lane | null;
  firstSeq: number | null;
  lastSeq: number | null;
  eventCount: number | null;
  createdMs: number | null;
  enqueuedMs: number;
  sizeBytes: number;
  contentType: string | null;
  contentEncoding: string | null;
  /** Application properties as JSON with sorted keys. */
  properties: string;
  headerError: string | null;
}

export function bronzeMeta(msg: HubTelemetry): BronzeMeta {
  const props: Record<string, string> = {};
  for (const k of Object.keys(msg.properties).sort()) props[k] = msg.properties[k]!;
  const base = {
    deviceId: msg.deviceId,
    messageId: msg.system.messageId ?? null,
    enqueuedMs: Math.trunc(msg.enqueuedAt),
    sizeBytes: msg.body.byteLength,
    contentType: msg.system.contentType ?? null,
    contentEncoding: msg.system.contentEncoding ?? null,
    properties: JSON.stringify(props),
  };
  try {
    const h = readBatchHeader(msg.body);
    return {
      ...base,
      batchId: batchId(h),
      gatewayId: h.gatewayId,
      epoch: h.epoch,
      lane: h.lane,
      firstSeq: h.firstSeq,
      lastSeq: h.lastSeq,
      eventCount: h.count,
      createdMs: h.createdAt,
      headerError: null,
    };
  } catch (err) {
    const code = err instanceof WireError ? err.code : 'corrupt';
    return {
      ...base,
      batchId: null,
      gatewayId: null,
      epoch: null,
      lane: null,
      firstSeq: null,
      lastSeq: null,
      eventCount: null,
      createdMs: null,
      headerError: `${code}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500),
    };
  }
}

/** Sequence coverage is tracked per (device, journal epoch, lane): the device id is what the hub authenticated. */
export function streamKey(deviceId: string, epoch: string, lane: Lane): string {
  return `${deviceId}\u0000${epoch}\u0000${lane}`;
}

/**
 * Identity of a message that carries no usable sequence range (envelope unreadable, or an empty batch): the
 * device's messageId, else the batch id, else a digest of the bytes.
 */
export function opaqueKey(meta: BronzeMeta, body: Uint8Array): string {
  const id = meta.messageId ?? meta.batchId ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  return `${meta.deviceId}\u0000${id}`;
}
