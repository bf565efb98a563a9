import { describe, expect, it } from 'vitest';
import { validateRollup } from './validate.ts';
import { exampleRollupV2 } from './examples.ts';

type Obj = Record<string, unknown>;
const mutated = (f: (r: Obj) => void): Obj => {
  const r = exampleRollupV2() as unknown as Obj;
  f(r);
  return r;
};
const reason = (input: unknown): string => {
  const r = validateRollup(input);
  if (r.ok) throw new Error('expected a rejection');
  return `${r.error.field}: ${r.error.reason}`;
};

describe('validateRollup', () => {
  it('accepts the example and returns the same object', () => {
    const ex = exampleRollupV2();
    const r = validateRollup(ex);
    expect(r.ok && r.value).toBe(ex);
  });

  it('accepts a window of bad readings only, with null figures', () => {
    expect(validateRollup(mutated((r) => Object.assign(r, { count: 0, min: null, max: null, mean: null, bad: 5 }))).ok).toBe(true);
  });

  it('keeps unknown fields, as every contract does', () => {
    expect(validateRollup(mutated((r) => (r.p95 = 91))).ok).toBe(true);
  });

  it.each<[string, (r: Obj) => void, string]>([
    ['v 1', (r) => (r.v = 1), '/v: must be 2, got 1'],
    ['no v', (r) => delete r.v, '/v: is required'],
    ['a window under a second', (r) => (r.windowMs = 10), '/windowMs: must be an integer window of 1 s to 1 day in ms, got 10'],
    ['a negative count', (r) => (r.count = -1), '/count: must be a non-negative integer, got -1'],
    ['a NaN mean', (r) => (r.mean = NaN), '/mean: must be a finite number or null, got NaN'],
    ['last before first', (r) => (r.last = (r.first as number) - 1), '/last: must not be before first'],
    ['a mean above max', (r) => (r.mean = 99), '/mean: must lie between min (88.5) and max (91.25), got 99'],
    ['figures without readings', (r) => (r.count = 0), '/mean: min, mean and max must be numbers exactly when count > 0 (count 0)'],
    ['readings without figures', (r) => (r.min = null), '/mean: min, mean and max must be numbers exactly when count > 0 (count 598)'],
    ['a bad vehicle id', (r) => (r.vehicle = 'truck 42'), '/vehicle: must be an id of 1..64 characters'],
  ])('refuses %s, naming the field', (_name, change, expected) => {
    expect(reason(mutated(change))).toContain(expected);
  });

  it('refuses what is not an object', () => {
    expect(reason([1])).toBe('/: must be an object, got an array');
    expect(reason(null)).toContain('/: must be an object');
  });
});
