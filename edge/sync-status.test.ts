import { describe, it, expect } from 'vitest';
import { reportDue, reportedSync, statusEvent, type SyncInputs } from './sync-status.ts';
import { validateGatewayStatus } from '../shared/contracts/validate.ts';
import type { JournalStatus } from './journal/index.ts';

const lane = (backlogEvents: number, evicted = 0, downsampled = 0) => ({
  backlogEvents, backlogBytes: backlogEvents * 100, oldestUnsentMs: backlogEvents ? 1_700_000_000_000 : null,
  lastAckedSeq: 10, lastAckAt: 1_700_000_000_500, evicted, downsampled, nextSeq: 11 + backlogEvents, committedSeq: 10 + backlogEvents, refused: 0, ackedIslands: 0,
});
const journal = (telemetry: number, evicted = 0, downsampled = 0): JournalStatus => ({
  state: 'open', epoch: 'ep1', bootId: 'ep1:3', capBytes: 1e9, liveBytes: 1000, diskBytes: 5000, queuedEvents: 0, droppedBestEffort: 0, undecodable: 0,
  lanes: { alerts: lane(0), telemetry: lane(telemetry, evicted, downsampled), status: lane(0), rejects: lane(0) },
});
const inputs = (telemetry: number, evicted = 0, downsampled = 0): SyncInputs => ({
  gatewayId: 'gw-1', vehicle: 'truck-1', version: '0.1.0', startedAt: 1_700_000_000_000, connectivity: 'online',
  journal: journal(telemetry, evicted, downsampled), rejects: 2, now: 1_700_000_060_000,
});

describe('sync status', () => {
  it('builds a status event that passes the contract', () => {
    const ev = statusEvent(inputs(5));
    expect(validateGatewayStatus(ev).ok).toBe(true);
    expect(ev).toMatchObject({ uptimeS: 60, bootId: 'ep1:3', rejects: 2, diskBytes: 5000 });
    expect(ev.lanes.telemetry).toEqual({ backlogEvents: 5, backlogBytes: 500, oldestUnsentMs: 1_700_000_000_000, lastAckedSeq: 10, lastAckAt: 1_700_000_000_500, evicted: 0, downsampled: 0 });
    expect(statusEvent(inputs(5, 700, 650)).lanes.telemetry).toMatchObject({ evicted: 700, downsampled: 650 });
  });

  it('reports at once the first time, never faster than the minimum interval', () => {
    const doc = reportedSync(inputs(5));
    expect(reportDue(null, doc, 0, 10_000, 300_000)).toBe(true);
    expect(reportDue({ at: 0, doc: JSON.stringify(reportedSync(inputs(0))) }, reportedSync(inputs(5000)), 5_000, 10_000, 300_000)).toBe(false);
  });

  it('ignores small backlog changes but reports a new order of magnitude or an eviction', () => {
    const last = { at: 0, doc: JSON.stringify(reportedSync(inputs(120))) };
    expect(reportDue(last, reportedSync(inputs(180)), 20_000, 10_000, 300_000)).toBe(false);
    expect(reportDue(last, reportedSync(inputs(1200)), 20_000, 10_000, 300_000)).toBe(true);
    expect(reportDue(last, reportedSync(inputs(120, 1)), 20_000, 10_000, 300_000)).toBe(true);
    // Folding more of the evictions (same total) is news too: the operator sees less lost.
    const evicted = { at: 0, doc: JSON.stringify(reportedSync(inputs(120, 100, 50))) };
    expect(reportDue(evicted, reportedSync(inputs(120, 100, 90)), 20_000, 10_000, 300_000)).toBe(true);
  });

  it('reports at least every maximum interval', () => {
    const last = { at: 0, doc: JSON.stringify(reportedSync(inputs(120))) };
    expect(reportDue(last, reportedSync(inputs(121)), 300_000, 10_000, 300_000)).toBe(true);
  });
});
