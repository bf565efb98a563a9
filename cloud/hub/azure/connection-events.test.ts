import { describe, expect, it } from 'vitest';
import { compareSequence, ConnectionTracker, snapshotRow } from './connection-events.ts';

describe('connection events', () => {
  it('compares hex sequence numbers by value', () => {
    expect(compareSequence('0000000A', '00000009')).toBeGreaterThan(0);
    expect(compareSequence('0A', '00000A')).toBe(0);
    expect(compareSequence('FF', '100')).toBeLessThan(0);
  });

  it('drops replayed and stale notices by sequence number', () => {
    const t = new ConnectionTracker();
    expect(t.fromNotice({ deviceId: 'gw-1', connected: true, at: 1, sequence: '01' })).toEqual({ deviceId: 'gw-1', connected: true, at: 1 });
    expect(t.fromNotice({ deviceId: 'gw-1', connected: false, at: 2, sequence: '03' })).toEqual({ deviceId: 'gw-1', connected: false, at: 2 });
    // Replay after a partition restart, and an older notice that arrives late.
    expect(t.fromNotice({ deviceId: 'gw-1', connected: false, at: 2, sequence: '03' })).toBeUndefined();
    expect(t.fromNotice({ deviceId: 'gw-1', connected: true, at: 1, sequence: '02' })).toBeUndefined();
    expect(t.isConnected('gw-1')).toBe(false);
    // Other devices keep their own sequence.
    expect(t.fromNotice({ deviceId: 'gw-2', connected: true, at: 5, sequence: '01' })).toBeDefined();
  });

  it('diffs registry snapshots: reports changes, connected devices at first sight, and deletions', () => {
    const t = new ConnectionTracker();
    const first = t.fromSnapshot(new Map([['gw-1', true], ['gw-2', false]]), 100);
    expect(first).toEqual([{ deviceId: 'gw-1', connected: true, at: 100 }]);
    expect(t.fromSnapshot(new Map([['gw-1', true], ['gw-2', false]]), 200)).toEqual([]);
    expect(t.fromSnapshot(new Map([['gw-1', false], ['gw-2', true]]), 300)).toEqual([
      { deviceId: 'gw-1', connected: false, at: 300 },
      { deviceId: 'gw-2', connected: true, at: 300 },
    ]);
    expect(t.fromSnapshot(new Map([['gw-1', false]]), 400)).toEqual([{ deviceId: 'gw-2', connected: false, at: 400 }]);
  });

  it('reads registry query rows and skips malformed ones', () => {
    expect(snapshotRow({ deviceId: 'gw-1', connectionState: 'Connected' })).toEqual(['gw-1', true]);
    expect(snapshotRow({ deviceId: 'gw-1', connectionState: 'Disconnected' })).toEqual(['gw-1', false]);
    expect(snapshotRow({ deviceId: 'gw-1' })).toBeUndefined();
    expect(snapshotRow(null)).toBeUndefined();
  });
});
