/**
 * Twin desired documents with bad sections, through the gateway's pure applyDesired: invalid rules, huge arrays,
 * wrong types, wrong shapes, prototype tricks, deep nesting. Each bad section is refused with the path of the
 * offending field and the last good value of that section stays in force; good sections next to it still apply.
 */
import { describe, expect, it } from 'vitest';
import { applyDesired, EMPTY_REMOTE_CONFIG, type RemoteConfig } from '../../edge/remote-config.ts';

const goodRules = {
  version: 1,
  rules: [{ id: 'hot', type: 'threshold', signal: 'coolant_temp', direction: 'above', threshold: 105, severity: 'critical' }],
};
const last: RemoteConfig = applyDesired(EMPTY_REMOTE_CONFIG, {
  $version: 3,
  uplink: { inflight: 8, paused: false },
  rules: goodRules,
  killSwitch: { sensors: ['door'], rules: [] },
}).config;

const nest = (depth: number): Record<string, unknown> => {
  let c: Record<string, unknown> = { signal: 'x', op: '>', value: 1 };
  for (let i = 0; i < depth; i++) c = { not: c };
  return c;
};

/** [what, desired document, the section that must be refused, error path pattern]. */
const CASES: [string, Record<string, unknown>, keyof RemoteConfig, RegExp][] = [
  ['a rule of an unknown type', { rules: { version: 1, rules: [{ id: 'x', type: 'nope' }] } }, 'rules', /^\/rules/],
  ['a rule with a string threshold', { rules: { version: 1, rules: [{ ...goodRules.rules[0], threshold: 'hot' }] } }, 'rules', /^\/rules\/rules\/0\/threshold/],
  ['duplicate rule ids', { rules: { version: 1, rules: [goodRules.rules[0], goodRules.rules[0]] } }, 'rules', /^\/rules/],
  ['rules that are a string', { rules: 'DROP TABLE rules' }, 'rules', /^\/rules/],
  ['a condition nested 5,000 deep', { rules: { version: 1, rules: [{ id: 'c', type: 'composite', condition: nest(5000) }] } }, 'rules', /^\/rules/],
  ['a kill switch of 100,000 sensors', { killSwitch: { sensors: Array.from({ length: 100_000 }, (_, i) => `s${i}`), rules: [] } }, 'killSwitch', /^\/killSwitch\/sensors/],
  ['a kill switch with a 10 kB sensor name', { killSwitch: { sensors: ['x'.repeat(10_000)], rules: [] } }, 'killSwitch', /^\/killSwitch\/sensors\/0/],
  ['a kill switch that is a number', { killSwitch: 5 }, 'killSwitch', /^\/killSwitch/],
  ['an uplink with wrong types', { uplink: { inflight: '8', paused: 'yes' } }, 'uplink', /^\/uplink\/(inflight|paused)/],
  ['an uplink batch of a terabyte', { uplink: { batchTargetBytes: 1e12 } }, 'uplink', /^\/uplink\/batchTargetBytes/],
  ['an uplink that is an array', { uplink: [1, 2, 3] }, 'uplink', /^\/uplink/],
  ['an uplink that tries to change the connection string', { uplink: { connectionString: 'HostName=evil;DeviceId=x;SharedAccessKey=y' } }, 'uplink', /^\/uplink\/connectionString/],
  ['an uplink with a __proto__ key', JSON.parse('{"uplink":{"__proto__":{"paused":true}}}') as Record<string, unknown>, 'uplink', /^\/uplink\/__proto__/],
];

describe('bad sections in twin desired properties', () => {
  it.each(CASES)('refuses %s with the path, keeps the last good value, and applies the other sections', (_what, bad, section, path) => {
    const others = { uplink: { inflight: 2 }, rules: goodRules, killSwitch: { sensors: ['reefer'], rules: [] } };
    const doc = { ...others, ...bad, $version: 4 };
    const r = applyDesired(last, doc);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors.length).toBeLessThanOrEqual(10);
    expect(r.errors.every((e) => e.startsWith(`/${section}`))).toBe(true);
    expect(r.errors.some((e) => path.test(e))).toBe(true);
    // Every message stays short: a huge bad value is never echoed back into the reported properties.
    expect(r.errors.every((e) => e.length < 500)).toBe(true);
    expect(r.config[section]).toEqual(last[section]);
    for (const s of ['uplink', 'rules', 'killSwitch'] as const) {
      if (s === section) continue;
      if (s === 'rules') expect(r.config.rules?.rules.map((x) => x.id)).toEqual(['hot']);
      else expect(r.config[s]).toEqual(others[s]);
    }
    expect(r.config.version).toBe(4);
    expect(({} as Record<string, unknown>).paused).toBeUndefined();
  });

  it('ignores unknown top-level sections, however deep, and a $version that is not a number', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const r = applyDesired(last, { somethingNew: deep, $version: 'seven' });
    expect(r.errors).toEqual([]);
    expect(r.config.version).toBe(last.version);
  });
});
