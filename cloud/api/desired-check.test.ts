import { describe, expect, it } from 'vitest';
import { checkDesiredPatch } from './desired-check.ts';

describe('desired patch check', () => {
  it('accepts valid sections', () => {
    const r = checkDesiredPatch({ $version: 3 }, { uplink: { inflight: 8, paused: true }, killSwitch: { sensors: ['door-1'], rules: [] } });
    expect(r.ok).toBe(true);
  });

  it('refuses an invalid uplink field, naming it', () => {
    const r = checkDesiredPatch({}, { uplink: { inflight: 1000 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^\/uplink\/inflight/);
  });

  it('refuses settings the gateway does not take from the twin (connection string)', () => {
    const r = checkDesiredPatch({}, { uplink: { connectionString: 'HostName=x;DeviceId=y;SharedAccessKey=z' } });
    expect(r.ok).toBe(false);
  });

  it('refuses an invalid rule set and a malformed kill switch', () => {
    const rules = checkDesiredPatch({}, { rules: { rules: [{ id: 'x', type: 'no-such-type' }] } });
    expect(rules.ok).toBe(false);
    if (!rules.ok) expect(rules.errors.every((e) => e.startsWith('/rules'))).toBe(true);
    const kill = checkDesiredPatch({}, { killSwitch: { sensors: 'all' } });
    expect(kill.ok).toBe(false);
  });

  it('judges the merged document, and only the sections the patch touches', () => {
    // An earlier bad uplink section does not block a kill-switch change...
    expect(checkDesiredPatch({ uplink: { inflight: 9999 } }, { killSwitch: { sensors: [], rules: [] } }).ok).toBe(true);
    // ...and merging into a good section still has to leave it good.
    expect(checkDesiredPatch({ uplink: { inflight: 4 } }, { uplink: { backlogShare: 2 } }).ok).toBe(false);
    // null removes a section: always fine.
    expect(checkDesiredPatch({ rules: { bad: true } }, { rules: null }).ok).toBe(true);
  });

  it('refuses unknown sections and oversized documents', () => {
    expect(checkDesiredPatch({}, { firmware: { url: 'x' } }).ok).toBe(false);
    const big = checkDesiredPatch({}, { killSwitch: { sensors: Array.from({ length: 900 }, (_, i) => `sensor-${i}-${'x'.repeat(40)}`), rules: [] } });
    expect(big.ok).toBe(false);
  });
});
