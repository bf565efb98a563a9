import { describe, expect, it } from 'vitest';
import { summarize, syncStatus } from './vehicle-status.ts';

const base = { nowMs: 1_000_000, onlineWindowMs: 120_000, connection: null, lastIngestMs: null, reportedAtMs: null };

describe('vehicle sync status', () => {
  it('is unknown when never seen', () => {
    expect(syncStatus(base)).toEqual({ status: 'unknown', lastSeenMs: null });
  });

  it('is online when seen within the window, offline after it', () => {
    expect(syncStatus({ ...base, lastIngestMs: 1_000_000 - 119_999 }).status).toBe('online');
    expect(syncStatus({ ...base, lastIngestMs: 1_000_000 - 120_000 }).status).toBe('offline');
    expect(syncStatus({ ...base, lastIngestMs: 1_000, reportedAtMs: 990_000 })).toEqual({ status: 'online', lastSeenMs: 990_000 });
  });

  it('follows the hub: connected is online however old the data', () => {
    expect(syncStatus({ ...base, lastIngestMs: 1, connection: { connected: true, at: 2 } }).status).toBe('online');
  });

  it('is offline right after the hub saw the gateway leave, unless data arrived since', () => {
    expect(syncStatus({ ...base, lastIngestMs: 990_000, connection: { connected: false, at: 995_000 } })).toEqual({ status: 'offline', lastSeenMs: 995_000 });
    expect(syncStatus({ ...base, lastIngestMs: 999_000, connection: { connected: false, at: 995_000 } }).status).toBe('online');
  });
});

describe('vehicle summary', () => {
  const one = (health: Record<string, number>) =>
    summarize({ id: 'TRK-1', deviceId: 'gw-1', health, connection: null, sync: null, activeAlerts: 0, nowMs: 1_000_000, onlineWindowMs: 120_000 });

  it('carries evictions and, of those, the downsampled ones; 0 when sync health has none', () => {
    expect(one({ evicted: 40, downsampled: 30 })).toMatchObject({ evicted: 40, downsampled: 30 });
    expect(one({ evicted: 5 })).toMatchObject({ evicted: 5, downsampled: 0 });
  });
});
