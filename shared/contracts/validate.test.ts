import { describe, expect, it } from 'vitest';
import {
  ContractError,
  validateAlert,
  validateContract,
  validateGatewayStatus,
  validatePosition,
  validateReading,
  type ValidationResult,
} from './validate.ts';
import {
  allExamples,
  exampleAlertV1,
  exampleAlertV2,
  exampleGatewayStatusV1,
  exampleGatewayStatusV2,
  examplePositionV1,
  examplePositionV2,
  exampleReadingV1,
  exampleReadingV2,
} from './examples.ts';
import type { ContractKind } from './types.ts';

type Obj = Record<string, unknown>;

function rejection(r: ValidationResult<unknown>): ContractError {
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('valid examples', () => {
  for (const { kind, version, value } of allExamples()) {
    it(`accepts ${kind} v${version} and returns the same object`, () => {
      const r = validateContract(kind, value);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.value).toBe(value);
    });

    if (version === 1) {
      it(`accepts ${kind} v1 without v, returning a copy with v: 1 and leaving the input alone`, () => {
        const { v: _v, ...wire } = value;
        const r = validateContract(kind, wire);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toEqual(value);
        expect('v' in wire).toBe(false);
      });
    }

    it(`${kind} v${version}: keeps unknown fields (forward compatibility)`, () => {
      const r = validateContract(kind, { ...value, addedInV3: { nested: [1, 2] } });
      expect(r.ok && (r.value as unknown as Obj).addedInV3).toEqual({ nested: [1, 2] });
    });
  }
});

describe('versions', () => {
  for (const v of [0, 3, '1', '2', null, true, 1.5, Number.NaN]) {
    it(`rejects v = ${String(v)} on /v`, () => {
      const e = rejection(validateReading({ ...exampleReadingV2(), v }));
      expect(e.field).toBe('/v');
      expect(e.reason).toMatch(/must be 1 or 2/);
    });
  }

  it('hints when a v2 body forgets v (so it is read as v1)', () => {
    const { v: _v, ...noV } = exampleReadingV2();
    const e = rejection(validateReading(noV));
    expect(e.field).toBe('/ts');
    expect(e.reason).toMatch(/send v: 2/);
  });

  it('hints when a v2 body still uses ts', () => {
    const { sensorTime, ...rest } = exampleReadingV2();
    const e = rejection(validateReading({ ...rest, ts: sensorTime }));
    expect(e.field).toBe('/sensorTime');
    expect(e.reason).toMatch(/renamed ts to sensorTime/);
  });
});

type Mutation = [label: string, mutate: (o: Obj) => void, field: string];
const set =
  (key: string, value: unknown) =>
  (o: Obj): void => {
    o[key] = value;
  };
const del =
  (key: string) =>
  (o: Obj): void => {
    delete o[key];
  };
const setIn =
  (path: string[], value: unknown) =>
  (o: Obj): void => {
    let cur = o;
    for (const k of path.slice(0, -1)) cur = cur[k] as Obj;
    cur[path[path.length - 1]!] = value;
  };

const idCases = (key: string): Mutation[] => [
  [`${key} empty`, set(key, ''), `/${key}`],
  [`${key} with a space`, set(key, 'truck 42'), `/${key}`],
  [`${key} of 65 chars`, set(key, 'a'.repeat(65)), `/${key}`],
  [`${key} not a string`, set(key, 42), `/${key}`],
  [`${key} missing`, del(key), `/${key}`],
];
const timeCases = (key: string): Mutation[] => [
  [`${key} in seconds`, set(key, 1_714_550_400), `/${key}`],
  [`${key} in microseconds`, set(key, 1_714_550_400_000_000), `/${key}`],
  [`${key} fractional`, set(key, 1_714_550_400_000.5), `/${key}`],
  [`${key} NaN`, set(key, Number.NaN), `/${key}`],
  [`${key} as ISO string`, set(key, '2024-05-01T08:00:00Z'), `/${key}`],
  [`${key} missing`, del(key), `/${key}`],
];

const cases: Array<[ContractKind, 1 | 2, () => Obj, Mutation[]]> = [
  [
    'reading',
    1,
    () => exampleReadingV1() as unknown as Obj,
    [
      ...idCases('vehicle'),
      ...idCases('sensor'),
      ...idCases('signal'),
      ...timeCases('ts'),
      ['value NaN', set('value', Number.NaN), '/value'],
      ['value Infinity', set('value', Number.POSITIVE_INFINITY), '/value'],
      ['value object', set('value', {}), '/value'],
      ['value null', set('value', null), '/value'],
      ['value string of 257', set('value', 'x'.repeat(257)), '/value'],
      ['value missing', del('value'), '/value'],
      ['unit too long', set('unit', 'u'.repeat(33)), '/unit'],
      ['unit number', set('unit', 1), '/unit'],
    ],
  ],
  [
    'reading',
    2,
    () => exampleReadingV2() as unknown as Obj,
    [
      ...idCases('vehicle'),
      ...timeCases('sensorTime'),
      ['value -Infinity', set('value', Number.NEGATIVE_INFINITY), '/value'],
      ['quality unknown', set('quality', 'great'), '/quality'],
      ['quality missing', del('quality'), '/quality'],
      ['spn negative', set('spn', -1), '/spn'],
      ['spn beyond 19 bits', set('spn', 524_288), '/spn'],
      ['spn fractional', set('spn', 1.5), '/spn'],
    ],
  ],
  [
    'position',
    1,
    () => examplePositionV1() as unknown as Obj,
    [
      ...idCases('vehicle'),
      ...timeCases('ts'),
      ['lat 90.1', set('lat', 90.1), '/lat'],
      ['lat NaN', set('lat', Number.NaN), '/lat'],
      ['lat string', set('lat', '52.5'), '/lat'],
      ['lon -180.5', set('lon', -180.5), '/lon'],
      ['lon missing', del('lon'), '/lon'],
      ['speed negative', set('speedKmh', -1), '/speedKmh'],
      ['heading 361', set('heading', 361), '/heading'],
    ],
  ],
  [
    'position',
    2,
    () => examplePositionV2() as unknown as Obj,
    [
      ...timeCases('sensorTime'),
      ['altitude string', set('altitude', '34'), '/altitude'],
      ['hdop Infinity', set('hdop', Number.POSITIVE_INFINITY), '/hdop'],
      ['satellites fractional', set('satellites', 3.5), '/satellites'],
      ['satellites 256', set('satellites', 256), '/satellites'],
    ],
  ],
  [
    'alert',
    1,
    () => exampleAlertV1() as unknown as Obj,
    [
      ...idCases('id'),
      ...idCases('ruleId'),
      ...timeCases('ts'),
      ['state unknown', set('state', 'open'), '/state'],
      ['severity unknown', set('severity', 'high'), '/severity'],
      ['value NaN', set('value', Number.NaN), '/value'],
      ['value missing', del('value'), '/value'],
      ['threshold string', set('threshold', '105'), '/threshold'],
      ['message empty', set('message', ''), '/message'],
      ['message too long', set('message', 'm'.repeat(1025)), '/message'],
      ['position lat 100', setIn(['position', 'lat'], 100), '/position/lat'],
      ['position array', set('position', [52, 13]), '/position'],
      ['signal bad id', set('signal', 'a/b'), '/signal'],
    ],
  ],
  [
    'alert',
    2,
    () => exampleAlertV2() as unknown as Obj,
    [
      ...timeCases('sensorTime'),
      ...timeCases('raisedAt'),
      ['peak missing', del('peak'), '/peak'],
      ['peak NaN', set('peak', Number.NaN), '/peak'],
      ['suppressed negative', set('suppressed', -1), '/suppressed'],
    ],
  ],
  [
    'status',
    1,
    () => exampleGatewayStatusV1() as unknown as Obj,
    [
      ...idCases('gateway'),
      ...idCases('bootId'),
      ...timeCases('ts'),
      ['connectivity unknown', set('connectivity', 'up'), '/connectivity'],
      ['version empty', set('version', ''), '/version'],
    ],
  ],
  [
    'status',
    2,
    () => exampleGatewayStatusV2() as unknown as Obj,
    [
      ...timeCases('sensorTime'),
      ['uptime negative', set('uptimeS', -1), '/uptimeS'],
      ['rejects fractional', set('rejects', 1.5), '/rejects'],
      ['diskBytes NaN', set('diskBytes', Number.NaN), '/diskBytes'],
      ['lanes missing', del('lanes'), '/lanes'],
      ['lanes array', set('lanes', []), '/lanes'],
      ['lane backlog negative', setIn(['lanes', 'telemetry', 'backlogBytes'], -1), '/lanes/telemetry/backlogBytes'],
      ['lane oldestUnsent NaN', setIn(['lanes', 'alerts', 'oldestUnsentMs'], Number.NaN), '/lanes/alerts/oldestUnsentMs'],
      ['lane evicted missing', (o) => delete (o.lanes as Obj & { alerts: Obj }).alerts.evicted, '/lanes/alerts/evicted'],
    ],
  ],
];

for (const [kind, version, make, mutations] of cases) {
  describe(`${kind} v${version} rejections name the field`, () => {
    for (const [label, mutate, field] of mutations) {
      it(label, () => {
        const input = make();
        mutate(input);
        const e = rejection(validateContract(kind, input));
        expect(e).toBeInstanceOf(ContractError);
        expect(e.kind).toBe(kind);
        expect(e.field).toBe(field);
        expect(e.reason.length).toBeGreaterThan(0);
        expect(e.message).toBe(`${kind} ${field}: ${e.reason}`);
      });
    }
  });
}

describe('reasons', () => {
  it('say what the field must be and what it was', () => {
    const e = rejection(validatePosition({ ...examplePositionV2(), lat: 91 }));
    expect(e.reason).toBe('must be a finite latitude in [-90, 90], got 91');
    expect(rejection(validateReading({ ...exampleReadingV1(), value: Number.NaN })).reason).toMatch(/finite.*got NaN$/);
    expect(rejection(validateAlert({ ...exampleAlertV2(), peak: undefined })).reason).toBe('is required');
  });

  it('never echo huge strings', () => {
    const e = rejection(validateReading({ ...exampleReadingV1(), vehicle: 'x'.repeat(1_000_000) }));
    expect(e.field).toBe('/vehicle');
    expect(e.message.length).toBeLessThan(200);
    expect(e.reason).toMatch(/a string of 1000000 characters/);
  });
});

describe('hostile inputs never throw', () => {
  const bad: Array<[string, () => unknown]> = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['a number', () => 42],
    ['a string', () => '{"v":1}'],
    ['an array', () => [exampleReadingV1()]],
    ['bytes', () => new Uint8Array(8)],
    ['a bigint', () => 1n],
    ['a symbol', () => Symbol('x')],
    ['a function', () => () => 1],
    [
      'a proxy that throws on every trap',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw 'nope';
            },
            has() {
              throw 'nope';
            },
            ownKeys() {
              throw 'nope';
            },
          },
        ),
    ],
    [
      'a revoked proxy',
      () => {
        const p = Proxy.revocable({}, {});
        p.revoke();
        return p.proxy;
      },
    ],
  ];
  for (const [label, make] of bad) {
    it(`rejects ${label} on "/"`, () => {
      for (const kind of ['reading', 'position', 'alert', 'status'] as const) {
        const e = rejection(validateContract(kind, make()));
        expect(e.field).toBe('/');
      }
    });
  }

  it('rejects an unreadable field on "/"', () => {
    const input = Object.defineProperty({ ...exampleReadingV1() }, 'signal', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const e = rejection(validateReading(input));
    expect(e.field).toBe('/');
    expect(e.reason).toBe('could not be read (Error: boom)');
  });

  it('accepts cyclic unknown fields and null-prototype objects', () => {
    const cyclic: Obj = { ...exampleReadingV2() };
    cyclic.self = cyclic;
    expect(validateReading(cyclic).ok).toBe(true);
    const bare = Object.assign(Object.create(null) as Obj, exampleReadingV1());
    expect(validateReading(bare).ok).toBe(true);
  });

  it('a __proto__ key is only data', () => {
    const parsed = JSON.parse(`{"__proto__":{"v":2},${JSON.stringify(exampleReadingV1()).slice(1)}`) as unknown;
    const r = validateReading(parsed);
    expect(r.ok && r.value.v).toBe(1);
    expect(({} as Obj).v).toBeUndefined();
  });

  it('validateContract refuses an unknown kind from untyped callers', () => {
    for (const kind of ['toString', '__proto__', 'reject']) {
      const e = rejection(validateContract(kind as ContractKind, exampleReadingV1()));
      expect(e.reason).toMatch(/unknown contract kind/);
    }
  });
});

describe('per-kind entry points', () => {
  it('check their own contract only', () => {
    expect(validateReading(exampleReadingV2()).ok).toBe(true);
    expect(validatePosition(examplePositionV2()).ok).toBe(true);
    expect(validateAlert(exampleAlertV2()).ok).toBe(true);
    expect(validateGatewayStatus(exampleGatewayStatusV2()).ok).toBe(true);
    expect(rejection(validatePosition(exampleReadingV2())).field).toBe('/lat');
    expect(rejection(validateReading(examplePositionV2())).kind).toBe('reading');
  });

  it('accept the boundaries', () => {
    expect(validatePosition({ ...examplePositionV1(), lat: -90, lon: 180, heading: 0, speedKmh: 0 }).ok).toBe(true);
    expect(validateReading({ ...exampleReadingV1(), ts: 946_684_800_000, value: false, unit: '' }).ok).toBe(true);
    expect(validateReading({ ...exampleReadingV1(), ts: 4_102_444_799_999, value: '' }).ok).toBe(true);
    expect(validateReading({ ...exampleReadingV1(), ts: 4_102_444_800_000 }).ok).toBe(false);
    expect(validateAlert({ ...exampleAlertV2(), value: null, threshold: null, peak: null }).ok).toBe(true);
    expect(validateGatewayStatus({ ...exampleGatewayStatusV2(), lanes: {} }).ok).toBe(true);
  });
});
