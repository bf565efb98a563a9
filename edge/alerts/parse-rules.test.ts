import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRuleSet, validateRuleSet } from './parse-rules.ts';
import { DEFAULT_RULES_PATH } from './default-rules.ts';

const errorsOf = (text: string, format?: 'yaml' | 'json'): string[] => {
  const r = parseRuleSet(text, format);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

const rulesYaml = (body: string, geofences = ''): string => `version: 1\n${geofences}rules:\n${body}`;

describe('parseRuleSet', () => {
  it('fills documented defaults', () => {
    const r = parseRuleSet(rulesYaml('  - { id: hot, type: threshold, signal: coolant_temp, threshold: 105 }\n'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rules.geofences).toEqual([]);
    expect(r.rules.rules[0]).toMatchObject({
      direction: 'above',
      severity: 'warning',
      enabled: true,
      forS: 0,
      clearForS: 0,
      cooldownS: 60,
      updateEveryS: 60,
      rateLimit: { maxRaises: 10, windowS: 3600 },
    });
    const idle = parseRuleSet(rulesYaml('  - { id: i, type: idle }\n'));
    expect(idle.ok && idle.rules.rules[0]).toMatchObject({
      rpmSignal: 'engine_speed',
      rpmAbove: 400,
      speedSignal: 'wheel_speed',
      maxSpeedKmh: 0,
      forS: 600,
    });
  });

  it('names the path of a wrong type', () => {
    expect(
      errorsOf(
        rulesYaml(
          '  - { id: a, type: threshold, signal: s, threshold: 1 }\n' +
            '  - { id: b, type: threshold, signal: s, threshold: 1 }\n' +
            '  - { id: c, type: threshold, signal: s, threshold: 1 }\n' +
            '  - { id: d, type: threshold, signal: s, threshold: hot }\n',
        ),
      ),
    ).toEqual(['/rules/3/threshold: must be a number']);
  });

  it('reports missing, unknown and out-of-range fields of the rule type given', () => {
    const errors = errorsOf(
      rulesYaml('  - { id: h, type: harsh, kind: sideways, threshold: 0, colour: red }\n  - { id: o, type: overspeed }\n'),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        '/rules/0/colour: is not an allowed property',
        '/rules/0/kind: must be one of: "accel", "brake", "corner"',
        '/rules/0/threshold: must be > 0',
        '/rules/1/limitKmh: is required',
      ]),
    );
  });

  it('reports an unknown rule type with the allowed ones', () => {
    expect(errorsOf(rulesYaml('  - { id: x, type: thermostat }\n'))[0]).toMatch(/^\/rules\/0\/type: must be one of: "threshold", /);
  });

  it('reports errors inside nested conditions with their path', () => {
    const errors = errorsOf(
      rulesYaml('  - id: c\n    type: composite\n    condition: { all: [ { signal: a, op: "==", value: true }, { signal: b, op: "~", value: 1 } ] }\n'),
    );
    expect(errors).toEqual(['/rules/0/condition/all/1/op: must be one of: ">", ">=", "<", "<=", "==", "!="']);
  });

  it('checks condition forms, references and hysteresis direction', () => {
    const errors = errorsOf(
      rulesYaml(
        '  - { id: a, type: composite, condition: { signal: x, value: 1 } }\n' +
          '  - { id: b, type: composite, condition: { signal: x, op: ">", value: true } }\n' +
          '  - { id: c, type: composite, condition: { rule: a, inside: depot } }\n' +
          '  - { id: d, type: composite, condition: { inside: nowhere } }\n' +
          '  - { id: e, type: threshold, signal: s, threshold: 100, clear: 105 }\n' +
          '  - { id: f, type: threshold, signal: s, direction: below, threshold: 10, clear: 5 }\n' +
          '  - { id: g, type: geofence, geofence: nowhere, event: enter }\n' +
          '  - { id: h, type: silence }\n' +
          '  - { id: a, type: composite, condition: { rule: ghost } }\n',
        'geofences:\n  - { id: depot, type: circle, center: { lat: 1, lon: 2 }, radiusM: 10 }\n',
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        '/rules/0/condition/op: is required',
        '/rules/1/condition/value: must be a number with op ">"',
        '/rules/2/condition: must have exactly one of {signal, op, value}, all, any, not, rule, inside',
        '/rules/3/condition/inside: unknown geofence "nowhere"',
        '/rules/4/clear: must be <= threshold (100) for direction "above"',
        '/rules/5/clear: must be >= threshold (10) for direction "below"',
        '/rules/6/geofence: unknown geofence "nowhere"',
        '/rules/7: must have exactly one of sensor, signal',
        '/rules/8/id: duplicate rule id "a"',
        '/rules/8: refers to unknown rule "ghost"',
      ]),
    );
  });

  it('refuses reference cycles', () => {
    const errors = errorsOf(
      rulesYaml(
        '  - { id: a, type: composite, condition: { rule: b } }\n' +
          '  - { id: b, type: threshold, signal: s, threshold: 1, when: { rule: a } }\n',
      ),
    );
    expect(errors).toEqual(['/rules/0: rule references form a cycle: a -> b -> a']);
  });

  it('reports YAML syntax errors with line and column', () => {
    const errors = errorsOf('version: 1\nrules:\n  - id: a\n    id: b\n');
    expect(errors[0]).toMatch(/^yaml: line 4, column 5: Map keys must be unique$/);
    expect(errorsOf('rules: [\n')[0]).toMatch(/^yaml: line \d+, column \d+: /);
  });

  it('parses strict JSON and reports its syntax errors', () => {
    const r = parseRuleSet('{"version": 2, "rules": [{"id": "x", "type": "dtc"}]}', 'json');
    expect(r.ok && r.rules.version).toBe(2);
    expect(errorsOf('{"version": 1,', 'json')[0]).toMatch(/^json: /);
  });

  it('requires a version and refuses unknown top-level fields', () => {
    expect(errorsOf('rules: []\nextra: 1\n')).toEqual(['/version: is required', '/extra: is not an allowed property']);
    expect(errorsOf('version: 0\nrules: []\n')).toEqual(['/version: must be >= 1']);
  });

  it('refuses NaN written in YAML', () => {
    expect(errorsOf(rulesYaml('  - { id: a, type: threshold, signal: s, threshold: .nan }\n'))).toEqual([
      '/rules/0/threshold: must be a number',
    ]);
  });
});

describe('validateRuleSet', () => {
  it('does not modify its input (twin desired properties)', () => {
    const desired = { version: 3, rules: [{ id: 'x', type: 'dtc' }] };
    const before = JSON.stringify(desired);
    const r = validateRuleSet(desired);
    expect(r.ok).toBe(true);
    expect(JSON.stringify(desired)).toBe(before);
  });

  it('refuses non-objects with a clear error', () => {
    expect(validateRuleSet(null)).toEqual({ ok: false, errors: ['/: must be an object'] });
    expect(validateRuleSet({ version: 1, rules: [() => 1] })).toMatchObject({ ok: false });
  });
});

describe('default-rules.yaml', () => {
  it('is valid and covers every rule type', () => {
    const r = parseRuleSet(readFileSync(DEFAULT_RULES_PATH, 'utf8'));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const types = new Set(r.rules.rules.map((x) => x.type));
    expect([...types].sort()).toEqual(
      ['composite', 'dtc', 'geofence', 'harsh', 'idle', 'overspeed', 'range', 'rate', 'silence', 'threshold'].sort(),
    );
  });
});
