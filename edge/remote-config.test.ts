import { describe, it, expect } from 'vitest';
import { applyDesired, mergePatch, combinedKillSwitch, EMPTY_REMOTE_CONFIG } from './remote-config.ts';

const rules = {
  version: 2,
  rules: [{ id: 'hot', type: 'threshold', signal: 'coolant_temp', direction: 'above', threshold: 105, clear: 100, forS: 30, severity: 'critical' }],
};

describe('remote configuration from twin desired properties', () => {
  it('applies valid sections and records the desired version', () => {
    const r = applyDesired(EMPTY_REMOTE_CONFIG, { $version: 7, uplink: { inflight: 8 }, killSwitch: { sensors: ['door'], rules: [] } });
    expect(r.errors).toEqual([]);
    expect(r.config).toMatchObject({ version: 7, uplink: { inflight: 8 }, killSwitch: { sensors: ['door'], rules: [] }, rules: null });
  });

  it('refuses an invalid section with its path and keeps the last good value of that section only', () => {
    const good = applyDesired(EMPTY_REMOTE_CONFIG, { $version: 1, uplink: { inflight: 8 } }).config;
    const r = applyDesired(good, { $version: 2, uplink: { inflight: 0 }, killSwitch: { sensors: ['x'], rules: [] } });
    expect(r.errors.join()).toMatch(/\/uplink\/inflight/);
    expect(r.config.uplink).toEqual({ inflight: 8 });
    expect(r.config.killSwitch.sensors).toEqual(['x']);
    expect(r.config.version).toBe(2);
  });

  it('refuses settings the cloud must not change, such as the connection string', () => {
    const r = applyDesired(EMPTY_REMOTE_CONFIG, { uplink: { connectionString: 'HostName=evil;DeviceId=x;SharedAccessKey=y' } });
    expect(r.errors.join()).toMatch(/\/uplink\/connectionString/);
  });

  it('refuses uplink settings that would not take effect live (connection timeouts, keepalive, retry)', () => {
    const r = applyDesired(EMPTY_REMOTE_CONFIG, { uplink: { keepaliveS: 60, inflight: 2 } });
    expect(r.errors.join()).toMatch(/\/uplink\/keepaliveS/);
    expect(r.config.uplink).toEqual({});
  });

  it('validates rules with the rule schema and keeps the last good rules on error', () => {
    const ok = applyDesired(EMPTY_REMOTE_CONFIG, { rules });
    expect(ok.errors).toEqual([]);
    expect(ok.config.rules?.rules[0]?.id).toBe('hot');
    const bad = applyDesired(ok.config, { rules: { version: 3, rules: [{ id: 'x', type: 'nope' }] } });
    expect(bad.errors.length).toBeGreaterThan(0);
    expect(bad.errors[0]).toMatch(/^\/rules/);
    expect(bad.config.rules).toBe(ok.config.rules);
  });

  it('falls back to local defaults when a section is removed', () => {
    const set = applyDesired(EMPTY_REMOTE_CONFIG, { uplink: { paused: true } }).config;
    expect(applyDesired(set, {}).config.uplink).toEqual({});
  });

  it('merges patches as IoT Hub does: null deletes, objects merge', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { c: null, e: 3 }, d: null })).toEqual({ a: { b: 1, e: 3 } });
  });

  it('unions local and remote kill switches', () => {
    expect(combinedKillSwitch({ sensors: ['a'], rules: ['r1'] }, { sensors: ['b', 'a'], rules: [] })).toEqual({ sensors: ['a', 'b'], rules: ['r1'] });
  });
});
