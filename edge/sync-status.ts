import type { ConnectivityState, GatewayStatusV2, Lane, LaneStatus } from '../shared/contracts/types.ts';
import { LANES } from '../shared/contracts/types.ts';
import type { JournalStatus } from './journal/index.ts';

/** The gateway's sync status: the same facts go to twin reported properties (`sync`) and to the status lane. Pure. */
export interface SyncInputs {
  gatewayId: string;
  vehicle: string;
  version: string;
  startedAt: number;
  connectivity: ConnectivityState;
  journal: JournalStatus;
  rejects: number;
  now: number;
}

export function laneStatuses(j: JournalStatus): Record<Lane, LaneStatus> {
  const out = {} as Record<Lane, LaneStatus>;
  for (const lane of LANES) {
    const s = j.lanes[lane];
    out[lane] = {
      backlogEvents: s.backlogEvents,
      backlogBytes: s.backlogBytes,
      oldestUnsentMs: s.oldestUnsentMs,
      lastAckedSeq: s.lastAckedSeq,
      lastAckAt: s.lastAckAt,
      evicted: s.evicted,
      downsampled: s.downsampled ?? 0,
    };
  }
  return out;
}

export function statusEvent(i: SyncInputs): GatewayStatusV2 {
  return {
    v: 2,
    gateway: i.gatewayId,
    vehicle: i.vehicle,
    bootId: i.journal.bootId,
    sensorTime: i.now,
    connectivity: i.connectivity,
    version: i.version,
    uptimeS: Math.round((i.now - i.startedAt) / 1000),
    lanes: laneStatuses(i.journal),
    rejects: i.rejects,
    diskBytes: i.journal.diskBytes,
  };
}

/** Twin reported `sync` section. Ages rather than timestamps would change every second, so times are absolute. */
export function reportedSync(i: SyncInputs): Record<string, unknown> {
  const s = statusEvent(i);
  return {
    connectivity: s.connectivity,
    bootId: s.bootId,
    epoch: i.journal.epoch,
    version: s.version,
    lanes: s.lanes,
    rejects: s.rejects,
    diskBytes: s.diskBytes,
    journalState: i.journal.state,
  };
}

/**
 * IoT Hub throttles twin updates (S1: 10/s per unit for the whole hub), so a thousand gateways must report rarely:
 * at most every `minMs`, and at least every `maxMs` while anything changes. Backlog counts change constantly while
 * sensors publish, so "changed" ignores them unless they cross an order of magnitude.
 */
export function reportDue(last: { at: number; doc: string } | null, doc: Record<string, unknown>, now: number, minMs: number, maxMs: number): boolean {
  if (!last) return true;
  if (now - last.at < minMs) return false;
  if (now - last.at >= maxMs) return true;
  return significant(doc) !== significant(JSON.parse(last.doc) as Record<string, unknown>);
}

function significant(doc: Record<string, unknown>): string {
  const lanes = (doc.lanes ?? {}) as Record<string, LaneStatus>;
  const mag = (n: number): number => (n <= 0 ? 0 : Math.floor(Math.log10(n)) + 1);
  return JSON.stringify({
    c: doc.connectivity,
    b: doc.bootId,
    j: doc.journalState,
    r: mag(Number(doc.rejects ?? 0)),
    l: Object.fromEntries(Object.entries(lanes).map(([k, v]) => [k, [mag(v.backlogEvents), v.evicted, v.downsampled ?? 0]])),
  });
}
