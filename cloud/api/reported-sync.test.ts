import { describe, expect, it } from 'vitest';
import { parseReportedSync } from './reported-sync.ts';

describe('reported sync', () => {
  it('reads lanes under `lanes` and totals them', () => {
    const s = parseReportedSync({
      sync: {
        lanes: {
          telemetry: { backlogEvents: 10, backlogBytes: 400, oldestUnsentMs: 5000, lastAckedSeq: 7, lastAckAt: 6000, evicted: 2, downsampled: 1 },
          alerts: { backlogEvents: 1, backlogBytes: 100, oldestUnsentMs: 4000, lastAckedSeq: 3, lastAckAt: null, evicted: 0 },
        },
        connectivity: 'online',
        updatedAt: '2025-06-02T10:00:00Z',
      },
    })!;
    expect(s.backlogEvents).toBe(11);
    expect(s.backlogBytes).toBe(500);
    expect(s.oldestUnsentMs).toBe(4000);
    expect(s.lanes.telemetry?.evicted).toBe(2);
    expect(s.lanes.telemetry?.downsampled).toBe(1);
    // Gateways that do not downsample leave it out.
    expect(s.lanes.alerts?.downsampled).toBeNull();
    expect(s.updatedAt).toBe(Date.parse('2025-06-02T10:00:00Z'));
  });

  it('reads lanes placed directly under `sync`', () => {
    const s = parseReportedSync({ sync: { telemetry: { backlogEvents: 3 }, diskBytes: 10 } })!;
    expect(s.lanes.telemetry?.backlogEvents).toBe(3);
    expect(s.lanes.telemetry?.backlogBytes).toBeNull();
    expect(s.diskBytes).toBe(10);
  });

  it('turns wrong types into nulls instead of failing', () => {
    const s = parseReportedSync({
      sync: { lanes: { telemetry: { backlogEvents: 'many', oldestUnsentMs: {}, evicted: Number.NaN, downsampled: '3' }, bogus: { backlogEvents: 5 } }, connectivity: 42, version: 'x'.repeat(1000) },
    })!;
    expect(s.lanes.telemetry).toEqual({ backlogEvents: null, backlogBytes: null, oldestUnsentMs: null, lastAckedSeq: null, lastAckAt: null, evicted: null, downsampled: null });
    expect(s.lanes).not.toHaveProperty('bogus');
    expect(s.backlogEvents).toBeNull();
    expect(s.connectivity).toBeNull();
    expect(s.version).toBeNull();
  });

  it('is null without a sync report', () => {
    expect(parseReportedSync(undefined)).toBeNull();
    expect(parseReportedSync({ $version: 3 })).toBeNull();
    expect(parseReportedSync({ sync: [1, 2] })).toBeNull();
  });
});
